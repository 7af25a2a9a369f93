// Throws random bytes and hostile headers at every registered provider: a verifier must answer
// with a typed failure, never throw, never accept.
import { describe, expect, it } from '@jest/globals';
import { VERIFIERS, type HeaderBag, type VerificationResult } from './sut.js';
import { NOW_MS, prng } from './helpers.js';
import { CONFIGS, REASONS, UNSIGNED, signedRequest, urlFor } from './provider-fixtures.js';

/** Every header name any provider reads, plus noise. */
const HEADER_NAMES = [
  'x-hub-signature-256',
  'x-hub-signature',
  'stripe-signature',
  'x-shopify-hmac-sha256',
  'shopify-hmac-sha256',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-signature',
  'x-timestamp',
  'x-id',
  'X-Hub-Signature-256',
  'content-type',
  '__proto__',
  'constructor',
  'x-gitlab-token',
  'x-twilio-signature',
  'x-twilio-webhooks-signature-settings',
  'x-zm-signature',
  'x-zm-request-timestamp',
  'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp',
  'linear-signature',
  'paddle-signature',
  'x-square-hmacsha256-signature',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
  'x-signature-ed25519',
  'x-signature-timestamp',
  'typeform-signature',
  'x-pagerduty-signature',
];

/** Fragments that look like parts of real signature headers, so the fuzz gets past prefix checks. */
const FRAGMENTS = ['sha256=', 'sha1=', 'v0=', 'v1,', 'v1=', 't=', 'v1a,', ',', ' ', '=', ';', '1700000000', '-1', 'deadbeef', 'AAAA', '==', '\u0000', 'é', '🔥', '\r\n', '%', '{', '}'];

function randomString(rand: () => number, maxLength: number): string {
  let out = '';
  const length = Math.floor(rand() * maxLength);
  while (out.length < length) {
    const r = rand();
    if (r < 0.5) out += FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)];
    else if (r < 0.8) out += Math.floor(rand() * 16).toString(16);
    else {
      const at = Math.floor(rand() * (POOL.length - 16));
      out += String.fromCharCode(...new Uint16Array(POOL.buffer.slice(at & ~1, (at & ~1) + 8)));
    }
  }
  return out;
}

function randomValue(rand: () => number): string | string[] {
  const r = rand();
  if (r < 0.7) return randomString(rand, 120);
  if (r < 0.85) return [randomString(rand, 80), randomString(rand, 80)];
  if (r < 0.9) return [];
  if (r < 0.95) return 'x'.repeat(9000 + Math.floor(rand() * 60_000));
  return '';
}

function randomHeaders(rand: () => number): HeaderBag {
  const headers: Record<string, string | string[]> = {};
  for (const name of HEADER_NAMES) if (rand() < 0.5) headers[name] = randomValue(rand);
  return headers;
}

/** Deterministic random bytes, generated once; bodies are random slices of it. */
const POOL = (() => {
  const rand = prng(0xb0d1);
  const pool = new Uint8Array(1 << 16);
  for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rand() * 256);
  return pool;
})();

function randomBody(rand: () => number): Uint8Array {
  const length = Math.floor(rand() * 512);
  const offset = Math.floor(rand() * (POOL.length - length));
  return POOL.slice(offset, offset + length);
}

function expectTypedFailure(result: VerificationResult): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(REASONS).toContain(result.reason);
    expect(typeof result.detail).toBe('string');
  }
}

describe('fuzz: every registered provider', () => {
  it('every registered provider has a fuzz configuration that parses', () => {
    expect([...VERIFIERS.keys()].sort()).toEqual(Object.keys(CONFIGS).sort());
    for (const [type, provider] of VERIFIERS) expect(provider.parseConfig(CONFIGS[type]).ok).toBe(true);
  });

  it.each([...VERIFIERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: 2000 random requests never throw and never verify', (type) => {
    const provider = VERIFIERS.get(type)!;
    const parsed = provider.parseConfig(CONFIGS[type]);
    if (!parsed.ok) throw new Error('fuzz config does not parse');
    const rand = prng(0x5eed + type.length * 7919);
    const problems: string[] = [];
    const reasons = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const headers = randomHeaders(rand);
      const body = randomBody(rand);
      try {
        const result = provider.verify({ body, headers, method: 'POST', url: 'https://x.test/in/t' }, parsed.config, { now: NOW_MS });
        if (result.ok || !REASONS.includes(result.reason)) problems.push(`#${i}: ${JSON.stringify(result)}`);
        else reasons.add(result.reason);
      } catch (error) {
        problems.push(`#${i} threw ${String(error)}`);
      }
    }
    expect(problems).toEqual([]);
    // The fuzz reached past the header lookup into parsing.
    expect(reasons).toContain('malformed');
  });

  it.each([...VERIFIERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: valid requests verify; any single flipped body bit fails; header mutations never throw', (type) => {
    const provider = VERIFIERS.get(type)!;
    const parsed = provider.parseConfig(CONFIGS[type]);
    if (!parsed.ok) throw new Error('fuzz config does not parse');
    const rand = prng(0xf1a9 + type.length);
    const problems: string[] = [];
    for (let i = 0; i < 300; i++) {
      const body = randomBody(rand);
      const headers = signedRequest(type, body);
      const target = { method: 'POST', url: urlFor(type, body) };
      const ok = provider.verify({ body, headers, ...target }, parsed.config, { now: NOW_MS });
      if (!ok.ok) problems.push(`#${i} valid request failed: ${ok.reason}`);
      if (body.length > 0) {
        const flipped = Uint8Array.from(body);
        const at = Math.floor(rand() * flipped.length);
        flipped[at] = flipped[at]! ^ (1 << Math.floor(rand() * 8));
        const bad = provider.verify({ body: flipped, headers, ...target }, parsed.config, { now: NOW_MS });
        if (bad.ok || bad.reason !== 'bad_signature') problems.push(`#${i} flipped body: ${JSON.stringify(bad)}`);
      }
      // Mutate one character of one header: anything may come back but an exception.
      const names = Object.keys(headers);
      const name = names[Math.floor(rand() * names.length)]!;
      const value = headers[name]!;
      const at = Math.floor(rand() * value.length);
      const mutated = { ...headers, [name]: value.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + value.slice(at + 1) };
      try {
        provider.verify({ body, headers: mutated, ...target }, parsed.config, { now: NOW_MS });
      } catch (error) {
        problems.push(`#${i} mutated ${name} threw ${String(error)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each([...VERIFIERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: hostile header value types (numbers, objects, nested arrays, null) never throw', (type) => {
    const provider = VERIFIERS.get(type)!;
    const parsed = provider.parseConfig(CONFIGS[type]);
    if (!parsed.ok) throw new Error('fuzz config does not parse');
    const hostile: unknown[] = [42, null, { toString: () => 'sha256=00' }, [1, 2], [null], [['nested']], true, Symbol.iterator.toString(), [undefined, 'x']];
    for (const value of hostile) {
      const headers = Object.fromEntries(HEADER_NAMES.map((name) => [name, value])) as unknown as HeaderBag;
      let result: VerificationResult | undefined;
      expect(() => {
        result = provider.verify({ body: new Uint8Array([1, 2, 3]), headers }, parsed.config, { now: NOW_MS });
      }).not.toThrow();
      expectTypedFailure(result!);
    }
  });

  it.each([...VERIFIERS.keys()])('%s: parseConfig never throws on hostile configuration', (type) => {
    const provider = VERIFIERS.get(type)!;
    const rand = prng(0xc0ffee);
    const hostile: unknown[] = [undefined, null, 0, 'secret', [], [1], { secret: { nested: true } }, { secret: ['a', 1] }, Object.create(null), { __proto__: { secret: 'inherited' } }];
    for (let i = 0; i < 200; i++) {
      hostile.push({ secret: randomString(rand, 40), header: randomString(rand, 20), signedContent: randomString(rand, 40), toleranceSeconds: rand() * 1e6 - 5e5 });
    }
    for (const raw of hostile) {
      expect(() => provider.parseConfig(raw)).not.toThrow();
    }
  });

  it.each([...VERIFIERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: a verifier given an unvalidated empty config says invalid_config', (type) => {
    const provider = VERIFIERS.get(type)!;
    expect(() => provider.verify({ body: new Uint8Array(), headers: {} }, {} as never)).not.toThrow();
    expect(provider.verify({ body: new Uint8Array(), headers: {} }, {} as never)).toMatchObject({ ok: false, reason: 'invalid_config' });
  });
});

describe('generic-webhook', () => {
  it('verifies nothing by design (the unguessable ingest URL is its only credential) and takes no settings', () => {
    const provider = VERIFIERS.get('generic-webhook')!;
    expect(provider.verify({ body: new Uint8Array([1]), headers: {} }, {} as never)).toEqual({ ok: true });
    expect(provider.parseConfig(undefined).ok).toBe(true);
    expect(provider.parseConfig({}).ok).toBe(true);
    expect(provider.parseConfig({ secret: 'x' })).toMatchObject({ ok: false, issues: [{ field: 'secret' }] });
  });
});
