// Throws random bytes and hostile headers at every registered provider: a verifier must answer
// with a typed failure, never throw, never accept.
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { PROVIDERS, SVIX_SIGNED_TYPES, type HeaderBag, type VerificationResult } from '../src/index.js';
import { NOW_MS, NOW_S, b64, hex, prng, refHmac } from './helpers.js';

/** Key pairs for the asymmetric providers (SendGrid ECDSA P-256, Discord Ed25519). */
const EC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ED = generateKeyPairSync('ed25519');
const EC_PUBLIC_B64 = EC.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const ED_PUBLIC_HEX = ED.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
const FUZZ_URL = 'https://x.test/in/t';

/** Types that by design verify nothing (Svix's generic-webhook): every request passes. */
const UNSIGNED = new Set(['generic-webhook']);

const REASONS = ['missing_header', 'malformed', 'bad_signature', 'stale_timestamp', 'future_timestamp', 'invalid_config'];

/** A valid configuration per provider type, so the fuzz reaches the parsing code, not the config check. */
const CONFIGS: Record<string, unknown> = {
  github: { secret: 'fuzz-secret', allowSha1: true },
  stripe: { secret: 'whsec_fuzz' },
  shopify: { secret: 'fuzz-secret' },
  slack: { secret: 'fuzz-secret' },
  svix: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  'standard-webhooks': { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  clerk: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  resend: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  hmac: { secret: 'fuzz-secret', header: 'x-signature', prefix: 'sha256=', signedContent: '{timestamp}.{header:x-id}.{body}', timestampHeader: 'x-timestamp' },
  ...Object.fromEntries(SVIX_SIGNED_TYPES.map((t) => [t, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }])),
  'generic-webhook': {},
  gitlab: { secret: 'fuzz-secret', signingToken: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  twilio: { secret: 'fuzz-secret' },
  zoom: { secret: 'fuzz-secret' },
  meta: { secret: 'fuzz-secret', verifyToken: 'fuzz-verify' },
  hubspot: { secret: 'fuzz-secret' },
  linear: { secret: 'fuzz-secret', toleranceSeconds: 0 },
  paddle: { secret: 'fuzz-secret' },
  square: { secret: 'fuzz-secret', notificationUrl: 'https://x.test/square' },
  sendgrid: { publicKey: EC_PUBLIC_B64 },
  discord: { publicKey: ED_PUBLIC_HEX },
  intercom: { secret: 'fuzz-secret' },
  bitbucket: { secret: 'fuzz-secret' },
  pagerduty: { secret: 'fuzz-secret' },
  typeform: { secret: 'fuzz-secret' },
};

/** Every header name any provider reads, plus noise. */
const HEADER_NAMES = [
  'x-hub-signature-256', 'x-hub-signature', 'stripe-signature', 'x-shopify-hmac-sha256', 'shopify-hmac-sha256',
  'x-slack-signature', 'x-slack-request-timestamp', 'webhook-id', 'webhook-timestamp', 'webhook-signature',
  'svix-id', 'svix-timestamp', 'svix-signature', 'x-signature', 'x-timestamp', 'x-id', 'X-Hub-Signature-256', 'content-type', '__proto__', 'constructor',
  'x-gitlab-token', 'x-twilio-signature', 'x-twilio-webhooks-signature-settings', 'x-zm-signature', 'x-zm-request-timestamp', 'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp', 'linear-signature', 'paddle-signature', 'x-square-hmacsha256-signature', 'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp', 'x-signature-ed25519', 'x-signature-timestamp', 'typeform-signature', 'x-pagerduty-signature',
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

const WHSEC_KEY = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');

/** A correctly signed request per provider, built with the independent HMAC. */
function signedRequest(type: string, body: Uint8Array): Record<string, string> {
  const sw = (prefix: string) => ({
    [`${prefix}-id`]: 'msg_fuzz',
    [`${prefix}-timestamp`]: String(NOW_S),
    [`${prefix}-signature`]: `v1,${b64(refHmac('sha256', WHSEC_KEY, `msg_fuzz.${NOW_S}.`, body))}`,
  });
  switch (type) {
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'stripe':
      return { 'stripe-signature': `t=${NOW_S},v1=${hex(refHmac('sha256', 'whsec_fuzz', `${NOW_S}.`, body))}` };
    case 'shopify':
      return { 'x-shopify-hmac-sha256': b64(refHmac('sha256', 'fuzz-secret', body)) };
    case 'slack':
      return { 'x-slack-signature': `v0=${hex(refHmac('sha256', 'fuzz-secret', `v0:${NOW_S}:`, body))}`, 'x-slack-request-timestamp': String(NOW_S) };
    case 'generic-webhook':
      return {};
    case 'gitlab':
      return { ...sw('webhook'), 'x-gitlab-token': 'fuzz-secret' };
    case 'twilio':
      return { 'x-twilio-signature': b64(refHmac('sha1', 'fuzz-secret', urlFor(type, body))) };
    case 'zoom':
      return { 'x-zm-signature': `v0=${hex(refHmac('sha256', 'fuzz-secret', `v0:${NOW_S}:`, body))}`, 'x-zm-request-timestamp': String(NOW_S) };
    case 'meta':
      return { 'x-hub-signature-256': `sha256=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'hubspot':
      return { 'x-hubspot-signature-v3': b64(refHmac('sha256', 'fuzz-secret', 'POST', FUZZ_URL, body, String(NOW_MS))), 'x-hubspot-request-timestamp': String(NOW_MS) };
    case 'linear':
      return { 'linear-signature': hex(refHmac('sha256', 'fuzz-secret', body)) };
    case 'paddle':
      return { 'paddle-signature': `ts=${NOW_S};h1=${hex(refHmac('sha256', 'fuzz-secret', `${NOW_S}:`, body))}` };
    case 'square':
      return { 'x-square-hmacsha256-signature': b64(refHmac('sha256', 'fuzz-secret', 'https://x.test/square', body)) };
    case 'sendgrid':
      return {
        'x-twilio-email-event-webhook-signature': cryptoSign('sha256', Buffer.concat([Buffer.from(String(NOW_S)), body]), EC.privateKey).toString('base64'),
        'x-twilio-email-event-webhook-timestamp': String(NOW_S),
      };
    case 'discord':
      return { 'x-signature-ed25519': cryptoSign(null, Buffer.concat([Buffer.from(String(NOW_S)), body]), ED.privateKey).toString('hex'), 'x-signature-timestamp': String(NOW_S) };
    case 'intercom':
      return { 'x-hub-signature': `sha1=${hex(refHmac('sha1', 'fuzz-secret', body))}` };
    case 'bitbucket':
      return { 'x-hub-signature': `sha256=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'pagerduty':
      return { 'x-pagerduty-signature': `v1=${hex(refHmac('sha256', 'other-secret', body))},v1=${hex(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'typeform':
      return { 'typeform-signature': `sha256=${b64(refHmac('sha256', 'fuzz-secret', body))}` };
    case 'svix':
      return sw('svix');
    case 'standard-webhooks':
      return sw('webhook');
    case 'hmac':
      return { 'x-signature': `sha256=${hex(refHmac('sha256', 'fuzz-secret', `${NOW_S}.id-1.`, body))}`, 'x-timestamp': String(NOW_S), 'x-id': 'id-1' };
    default:
      if ((SVIX_SIGNED_TYPES as readonly string[]).includes(type)) return sw('svix');
      throw new Error(`no builder for ${type}`);
  }
}

/** The URL a request is sent to: Twilio signs JSON bodies through `bodySHA256` in it. */
function urlFor(type: string, body: Uint8Array): string {
  return type === 'twilio' ? `${FUZZ_URL}?bodySHA256=${createHash('sha256').update(body).digest('hex')}` : FUZZ_URL;
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
    expect([...PROVIDERS.keys()].sort()).toEqual(Object.keys(CONFIGS).sort());
    for (const [type, provider] of PROVIDERS) expect(provider.parseConfig(CONFIGS[type]).ok).toBe(true);
  });

  it.each([...PROVIDERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: 2000 random requests never throw and never verify', (type) => {
    const provider = PROVIDERS.get(type)!;
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

  it.each([...PROVIDERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: valid requests verify; any single flipped body bit fails; header mutations never throw', (type) => {
    const provider = PROVIDERS.get(type)!;
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

  it.each([...PROVIDERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: hostile header value types (numbers, objects, nested arrays, null) never throw', (type) => {
    const provider = PROVIDERS.get(type)!;
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

  it.each([...PROVIDERS.keys()])('%s: parseConfig never throws on hostile configuration', (type) => {
    const provider = PROVIDERS.get(type)!;
    const rand = prng(0xc0ffee);
    const hostile: unknown[] = [undefined, null, 0, 'secret', [], [1], { secret: { nested: true } }, { secret: ['a', 1] }, Object.create(null), { __proto__: { secret: 'inherited' } }];
    for (let i = 0; i < 200; i++) {
      hostile.push({ secret: randomString(rand, 40), header: randomString(rand, 20), signedContent: randomString(rand, 40), toleranceSeconds: rand() * 1e6 - 5e5 });
    }
    for (const raw of hostile) {
      expect(() => provider.parseConfig(raw)).not.toThrow();
    }
  });

  it.each([...PROVIDERS.keys()].filter((t) => !UNSIGNED.has(t)))('%s: a verifier given an unvalidated empty config says invalid_config', (type) => {
    const provider = PROVIDERS.get(type)!;
    expect(() => provider.verify({ body: new Uint8Array(), headers: {} }, {} as never)).not.toThrow();
    expect(provider.verify({ body: new Uint8Array(), headers: {} }, {} as never)).toMatchObject({ ok: false, reason: 'invalid_config' });
  });
});

describe('generic-webhook', () => {
  it('verifies nothing by design (the unguessable ingest URL is its only credential) and takes no settings', () => {
    const provider = PROVIDERS.get('generic-webhook')!;
    expect(provider.verify({ body: new Uint8Array([1]), headers: {} }, {} as never)).toEqual({ ok: true });
    expect(provider.parseConfig(undefined).ok).toBe(true);
    expect(provider.parseConfig({}).ok).toBe(true);
    expect(provider.parseConfig({ secret: 'x' })).toMatchObject({ ok: false, issues: [{ field: 'secret' }] });
  });
});
