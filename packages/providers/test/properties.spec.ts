// Property tests (fast-check): for arbitrary bodies, every provider verifier accepts what the
// provider's official library signs (Stripe, GitHub's Octokit, Shopify's test helper, Standard
// Webhooks, Svix) or, where a provider ships none, what the documented scheme gives (@noble/hashes
// and node:crypto key objects, provider-fixtures.ts), and refuses any single-byte change of the
// body as bad_signature. Sized for a 2-core CI: a few hundred runs per property.
import { describe, expect, it } from '@jest/globals';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { VERIFIERS, decodeDigest, signStandardWebhook, verifyStandardWebhook, type ProviderVerifier, type SignedRequest } from './sut.js';
import { NOW_MS, NOW_S } from './helpers.js';
import { CONFIGS, UNSIGNED, signedRequest, urlFor } from './provider-fixtures.js';

const RUNS = { numRuns: 150 };
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** Bodies: any bytes, and JSON text (what the official libraries sign as strings). */
const anyBytes = fc.uint8Array({ maxLength: 2048 });
const jsonText = fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null');
/** A body and one position in it with a non-zero XOR to change that byte. */
const bodyWithChange = (body: fc.Arbitrary<Uint8Array>) => body.filter((b) => b.length > 0).chain((b) => fc.tuple(fc.constant(b), fc.nat({ max: b.length - 1 }), fc.integer({ min: 1, max: 255 })));

function changed(body: Uint8Array, at: number, xor: number): Buffer {
  const copy = Buffer.from(body);
  copy[at] = copy[at]! ^ xor;
  return copy;
}

function configOf<C>(provider: ProviderVerifier<C>, raw: unknown): C {
  const parsed = provider.parseConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config;
}

function verdict(type: string, request: SignedRequest, raw: unknown = CONFIGS[type], now = NOW_MS) {
  const provider = VERIFIERS.get(type)!;
  return provider.verify(request, configOf(provider, raw), { now });
}

describe('official signing libraries -> our verifiers (arbitrary bodies)', () => {
  it('Stripe: Stripe.webhooks.generateTestHeaderString', () => {
    fc.assert(
      fc.property(bodyWithChange(jsonText.map((t) => Buffer.from(t))), ([body, at, xor]) => {
        const header = Stripe.webhooks.generateTestHeaderString({ payload: Buffer.from(body).toString('utf8'), secret: 'whsec_fuzz', timestamp: NOW_S });
        const headers = { 'stripe-signature': header };
        expect(verdict('stripe', { body, headers }).ok).toBe(true);
        expect(verdict('stripe', { body: changed(body, at, xor), headers })).toMatchObject({ ok: false, reason: 'bad_signature' });
      }),
      RUNS,
    );
  });

  it('GitHub: @octokit/webhooks-methods sign', async () => {
    await fc.assert(
      fc.asyncProperty(bodyWithChange(jsonText.map((t) => Buffer.from(t))), async ([body, at, xor]) => {
        const headers = { 'x-hub-signature-256': await octokitSign('fuzz-secret', Buffer.from(body).toString('utf8')) };
        expect(verdict('github', { body, headers }).ok).toBe(true);
        expect(verdict('github', { body: changed(body, at, xor), headers })).toMatchObject({ ok: false, reason: 'bad_signature' });
      }),
      RUNS,
    );
  });

  it('Shopify: the shopify-api test helper getHmac', () => {
    fc.assert(
      fc.property(bodyWithChange(jsonText.map((t) => Buffer.from(t))), ([body, at, xor]) => {
        const headers = { 'x-shopify-hmac-sha256': getHmac(Buffer.from(body).toString('utf8'), 'fuzz-secret') };
        expect(verdict('shopify', { body, headers }).ok).toBe(true);
        expect(verdict('shopify', { body: changed(body, at, xor), headers })).toMatchObject({ ok: false, reason: 'bad_signature' });
      }),
      RUNS,
    );
  });

  it('Standard Webhooks and Svix: their sign, our verify, for both header families', () => {
    fc.assert(
      fc.property(bodyWithChange(jsonText.map((t) => Buffer.from(t))), fc.stringMatching(/^[A-Za-z0-9_.-]{1,60}$/), ([body, at, xor], id) => {
        const text = Buffer.from(body).toString('utf8');
        const sw = new StandardWebhook(WHSEC).sign(id, new Date(NOW_MS), text);
        const sx = new SvixWebhook(WHSEC).sign(id, new Date(NOW_MS), text);
        const webhookHeaders = { 'webhook-id': id, 'webhook-timestamp': String(NOW_S), 'webhook-signature': sw };
        const svixHeaders = { 'svix-id': id, 'svix-timestamp': String(NOW_S), 'svix-signature': sx };
        for (const [type, headers] of [
          ['standard-webhooks', webhookHeaders],
          ['svix', svixHeaders],
          ['clerk', svixHeaders],
        ] as const) {
          expect(verdict(type, { body, headers }).ok).toBe(true);
          expect(verdict(type, { body: changed(body, at, xor), headers })).toMatchObject({ ok: false, reason: 'bad_signature' });
        }
      }),
      RUNS,
    );
  });

  it('our Standard Webhooks signer -> the official verifier, for any UTF-8 body and secret length', () => {
    // UTF-8 only: the standardwebhooks library signs payload.toString(), so it cannot verify a
    // body that is not UTF-8 (fast-check's first counterexample: the single byte 0x80). We sign
    // the bytes sent, as the spec says; our JSON payloads are always UTF-8.
    fc.assert(
      fc.property(
        fc.string({ maxLength: 1024 }).map((t) => Buffer.from(t, 'utf8')),
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        (body, key, id) => {
          const secret = `whsec_${Buffer.from(key).toString('base64')}`;
          const timestamp = Math.floor(Date.now() / 1000);
          const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook({ id, timestamp, body, secrets: [secret] }) };
          expect(() => new StandardWebhook(secret).verify(Buffer.from(body), headers, { jsonParse: false })).not.toThrow();
          expect(verifyStandardWebhook({ body, headers }, { secret }).ok).toBe(true);
        },
      ),
      RUNS,
    );
  });
});

describe('every signed provider: documented scheme -> verify; any single-byte change -> bad_signature', () => {
  const types = [...VERIFIERS.keys()].filter((t) => !UNSIGNED.has(t));
  it.each(types)('%s', (type) => {
    fc.assert(
      fc.property(bodyWithChange(anyBytes), ([body, at, xor]) => {
        const headers = signedRequest(type, body);
        const target = { method: 'POST', url: urlFor(type, body) };
        const ok = verdict(type, { body, headers, ...target });
        if (!ok.ok) throw new Error(`${type}: a signed body of ${body.length} bytes failed: ${ok.reason}`);
        expect(verdict(type, { body: changed(body, at, xor), headers, ...target })).toMatchObject({ ok: false, reason: 'bad_signature' });
      }),
      { numRuns: 60 },
    );
  });
});

describe('decodeDigest (properties)', () => {
  it('hex, base64 and base64url decode exactly what Buffer encodes, in both cases for hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 128 }), (bytes) => {
        const buf = Buffer.from(bytes);
        expect(decodeDigest(buf.toString('hex'), 'hex')).toEqual(buf);
        expect(decodeDigest(buf.toString('hex').toUpperCase(), 'hex')).toEqual(buf);
        expect(decodeDigest(buf.toString('base64'), 'base64')).toEqual(buf);
        expect(decodeDigest(buf.toString('base64url'), 'base64url')).toEqual(buf);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, and gives bytes only for text of the alphabet', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('hex', 'base64', 'base64url') as fc.Arbitrary<'hex' | 'base64' | 'base64url'>, (text, encoding) => {
        const out = decodeDigest(text, encoding);
        if (out !== undefined) expect(text).toMatch(encoding === 'hex' ? /^[0-9a-fA-F]+$/ : encoding === 'base64' ? /^[A-Za-z0-9+/]+=*$/ : /^[A-Za-z0-9_-]+=*$/);
      }),
      { numRuns: 500 },
    );
  });
});
