import { describe, expect, it } from 'vitest';
import { can } from './capabilities';

describe('can', () => {
  it('allows what the capabilities list', () => {
    const session = { capabilities: ['ViewBase', 'ManageEndpoint'] as const, readOnly: false };
    expect(can({ ...session, capabilities: [...session.capabilities] }, 'ManageEndpoint')).toBe(true);
    expect(can({ ...session, capabilities: [...session.capabilities] }, 'ViewEndpointSecret')).toBe(false);
  });

  it('never writes when read-only, whatever the capabilities', () => {
    const session = { capabilities: ['ViewBase', 'ViewEndpointSecret', 'ManageEndpoint', 'ManageEndpointSecret', 'CreateAttempts'] as const, readOnly: true };
    const s = { ...session, capabilities: [...session.capabilities] };
    expect(can(s, 'ViewBase')).toBe(true);
    expect(can(s, 'ViewEndpointSecret')).toBe(true);
    expect(can(s, 'ManageEndpoint')).toBe(false);
    expect(can(s, 'ManageEndpointSecret')).toBe(false);
    expect(can(s, 'CreateAttempts')).toBe(false);
  });
});
