import { describe, expect, it } from 'vitest';
import { can, type Capability } from './capabilities';

const session = (capabilities: Capability[], readOnly = false) => ({ capabilities, readOnly });

describe('can', () => {
  it('allows what the capabilities grant, as the dispatcher does', () => {
    const viewer = session(['ViewBase']);
    expect(can(viewer, 'view')).toBe(true);
    expect(can(viewer, 'manageEndpoint')).toBe(false);
    expect(can(viewer, 'revealSecret')).toBe(false);
    expect(can(session(['ViewBase', 'ViewEndpointSecret']), 'revealSecret')).toBe(true);
    expect(can(session(['ViewBase', 'ViewEndpointSecret']), 'rotateSecret')).toBe(false);
    // ManageEndpoint covers the secret and recovery, not sending new attempts.
    const manager = session(['ViewBase', 'ManageEndpoint']);
    expect([can(manager, 'revealSecret'), can(manager, 'rotateSecret'), can(manager, 'recover'), can(manager, 'createAttempts')]).toEqual([true, true, true, false]);
  });

  it('never writes when read-only, whatever the capabilities', () => {
    const all = session(['ViewBase', 'ViewEndpointSecret', 'ManageEndpoint', 'ManageEndpointSecret', 'CreateAttempts'], true);
    expect(can(all, 'view')).toBe(true);
    expect(can(all, 'revealSecret')).toBe(true);
    for (const action of ['manageEndpoint', 'rotateSecret', 'recover', 'createAttempts'] as const) expect(can(all, action)).toBe(false);
  });
});
