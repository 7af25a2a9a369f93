import { describe, expect, it } from '@jest/globals';
import { ConfigReader, VERIFIERS, verifierFor } from './sut.js';

describe('ConfigReader', () => {
  it('collects every problem', () => {
    const r = new ConfigReader({ secret: '', name: 5, mode: 'x', n: 1.5, flag: 'yes' });
    r.secret('secret');
    r.string('name', { required: true });
    r.string('mode', { oneOf: ['a', 'b'] });
    r.integer('n', { min: 0, max: 10 });
    r.boolean('flag');
    r.string('absent', { required: true });
    r.problem('cross', 'a cross-field check failed');
    const result = r.result({});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.field)).toEqual(['secret', 'name', 'mode', 'n', 'flag', 'absent', 'cross']);
  });

  it.each([null, undefined, 'str', 5, [], [1]])('a non-object (%j) is one issue on the empty field', (raw) => {
    const r = new ConfigReader(raw);
    const result = r.result({});
    expect(result).toEqual({ ok: false, issues: [{ field: '', message: 'config must be an object' }] });
  });

  it('reads valid values and optional absences', () => {
    const r = new ConfigReader({ secret: ['a', 'b'], name: 'n', n: 3, flag: false, nothing: null });
    expect(r.secret('secret')).toEqual(['a', 'b']);
    expect(r.string('name', { required: true })).toBe('n');
    expect(r.integer('n', { min: 0, max: 3 })).toBe(3);
    expect(r.boolean('flag')).toBe(false);
    expect(r.string('nothing')).toBeUndefined();
    expect(r.integer('nothing', { min: 0, max: 1 })).toBeUndefined();
    expect(r.result({ x: 1 })).toEqual({ ok: true, config: { x: 1 } });
  });

  it('a JSON "__proto__" key does not smuggle in a secret', () => {
    const raw: unknown = JSON.parse('{"__proto__":{"secret":"smuggled"}}');
    const r = new ConfigReader(raw);
    expect(r.secret('secret')).toBe('');
    expect(r.result({}).ok).toBe(false);
  });
});

describe('registry', () => {
  it('registers the Svix names for each provider', () => {
    expect([...VERIFIERS.keys()].sort()).toEqual(
      [
        ...['github', 'hmac', 'shopify', 'slack', 'standard-webhooks', 'stripe', 'svix'],
        ...['beehiiv', 'brex', 'clerk', 'guesty', 'incident-io', 'lithic', 'nash', 'open-ai', 'pleo', 'psi-fi', 'render', 'replicate', 'resend', 'safebase', 'sardine', 'stych'],
        ...['generic-webhook', 'gitlab', 'twilio', 'zoom', 'meta', 'hubspot', 'linear', 'paddle', 'square', 'sendgrid', 'discord', 'intercom', 'bitbucket', 'pagerduty', 'typeform'],
      ].sort(),
    );
    for (const [type, provider] of VERIFIERS) expect(provider.type).toBe(type);
  });

  it.each(['github', 'stripe', 'clerk'])('verifierFor(%s) finds it', (type) => {
    expect(verifierFor(type)?.type).toBe(type);
  });

  it.each(['GitHub', 'unknown', '', '__proto__', 'constructor', 'toString'])('verifierFor(%j) → undefined', (type) => {
    expect(verifierFor(type)).toBeUndefined();
  });
});
