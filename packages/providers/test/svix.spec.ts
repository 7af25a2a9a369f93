import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Webhook as SvixWebhook } from 'svix';
import { VERIFIERS, SVIX_SIGNED_TYPES, parseStandardConfig, svix, type StandardVerifyConfig } from './sut.js';
import { NOW_MS, NOW_S, b64, expectFailure, expectOk, flipByte, refHmac, request } from './helpers.js';

// The published Standard Webhooks example.
const _VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const ID = 'msg_2bUlL0q0Ey6f9Gq4zQm1w2ZXr8P';
const BODY = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1', amount: 4200, note: 'café ☕' } });
const _config: StandardVerifyConfig = { secret: SECRET };

/** The documented bytes: `v1,` + base64 HMAC-SHA256 of `{id}.{ts}.{body}` keyed by the decoded secret. */
function _refSig(secret: string, id: string, ts: number | string, body: string | Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${b64(refHmac('sha256', key, `${id}.${ts}.`, body))}`;
}

function _webhookHeaders(sig: string, ts: number | string = NOW_S, id = ID): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig };
}

function svixHeaders(sig: string, ts: number | string = NOW_S, id = ID): Record<string, string> {
  return { 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': sig };
}

function _nowS(): number {
  return Math.floor(Date.now() / 1000);
}

afterEach(() => {
  jest.useRealTimers();
});

describe('svix-signed providers (svix, standard-webhooks, clerk, resend)', () => {
  const types = ['svix', 'standard-webhooks', ...SVIX_SIGNED_TYPES];

  it.each(types)('%s is registered and accepts a svix-signed request', (type) => {
    const provider = VERIFIERS.get(type)!;
    expect(provider.type).toBe(type);
    const sig = new SvixWebhook(SECRET).sign(ID, new Date(NOW_MS), BODY);
    expectOk(provider.verify(request(BODY, svixHeaders(sig)), { secret: SECRET }, { now: NOW_MS }));
    expectFailure(provider.verify(request(flipByte(BODY), svixHeaders(sig)), { secret: SECRET }, { now: NOW_MS }), 'bad_signature');
  });

  it.each([
    [{ secret: SECRET }, true],
    [{ secret: [SECRET, OLD_SECRET], toleranceSeconds: 60 }, true],
    [{ secret: 'whsec_***' }, false],
    [{ secret: [SECRET, 'nope!'] }, false],
    [{ secret: SECRET, toleranceSeconds: -5 }, false],
    [{}, false],
  ])('parseStandardConfig(%j) → ok=%s', (raw, ok) => {
    expect(parseStandardConfig(raw).ok).toBe(ok);
    expect(svix.parseConfig(raw).ok).toBe(ok);
  });
});
