import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import {
  computeStandardSignature,
  decodeWebhookSecret,
  generateWebhookSecret,
  isValidWebhookSecret,
  signStandardWebhook,
  standardWebhookHeaders,
  verifyStandardWebhook,
  type StandardVerifyConfig,
} from '../src/index.js';
import { HUGE, NON_UTF8_BODY, NOW_MS, NOW_S, b64, expectFailure, expectOk, flipByte, refHmac, request, sha256Hex } from './helpers.js';

// The published Standard Webhooks example.
const VECTOR = {
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
const config: StandardVerifyConfig = { secret: SECRET };

/** The documented bytes: `v1,` + base64 HMAC-SHA256 of `{id}.{ts}.{body}` keyed by the decoded secret. */
function refSig(secret: string, id: string, ts: number | string, body: string | Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${b64(refHmac('sha256', key, `${id}.${ts}.`, body))}`;
}

function webhookHeaders(sig: string, ts: number | string = NOW_S, id = ID): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig };
}

function svixHeaders(sig: string, ts: number | string = NOW_S, id = ID): Record<string, string> {
  return { 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': sig };
}

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

afterEach(() => {
  jest.useRealTimers();
});

describe('standard webhooks: the published vector', () => {
  it('the standardwebhooks library reproduces it (the oracle is genuine)', () => {
    expect(new StandardWebhook(VECTOR.secret).sign(VECTOR.id, new Date(VECTOR.timestamp * 1000), VECTOR.body)).toBe(VECTOR.signature);
  });

  it('the independent HMAC reproduces it', () => {
    expect(refSig(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('svix reproduces it', () => {
    expect(new SvixWebhook(VECTOR.secret).sign(VECTOR.id, new Date(VECTOR.timestamp * 1000), VECTOR.body)).toBe(VECTOR.signature);
  });

  it('our signer reproduces it', () => {
    expect(signStandardWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] })).toBe(VECTOR.signature);
    expect(`v1,${computeStandardSignature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.body))}`).toBe(VECTOR.signature);
  });

  it('our verifier accepts it at its own time', () => {
    const result = verifyStandardWebhook(request(VECTOR.body, webhookHeaders(VECTOR.signature, VECTOR.timestamp, VECTOR.id)), { secret: VECTOR.secret }, { now: VECTOR.timestamp * 1000 });
    expect(result).toEqual({
      ok: true,
      timestamp: VECTOR.timestamp,
      secretIndex: 0,
      signed: { headers: { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp) }, body: true, digest: sha256Hex(`${VECTOR.id}..${VECTOR.body}`) },
    });
  });

  it('our verifier rejects it as stale today, as the library does', () => {
    const headers = webhookHeaders(VECTOR.signature, VECTOR.timestamp, VECTOR.id);
    expect(() => new StandardWebhook(VECTOR.secret).verify(VECTOR.body, headers)).toThrow(/too old/i);
    expectFailure(verifyStandardWebhook(request(VECTOR.body, headers), { secret: VECTOR.secret }), 'stale_timestamp');
  });

  it('the library accepts it with its clock pinned', () => {
    jest.useFakeTimers({ now: VECTOR.timestamp * 1000 });
    const headers = webhookHeaders(VECTOR.signature, VECTOR.timestamp, VECTOR.id);
    expect(new StandardWebhook(VECTOR.secret).verify(VECTOR.body, headers)).toEqual({ test: 2432232314 });
  });
});

describe('standard webhooks: oracle signs, we verify', () => {
  it.each([
    ['standardwebhooks', (secret: string) => new StandardWebhook(secret)],
    ['svix', (secret: string) => new SvixWebhook(secret)],
  ])('%s signs a JSON body, we accept over webhook-* and svix-* headers', (_name, make) => {
    const ts = NOW_S;
    const sig = make(SECRET).sign(ID, new Date(ts * 1000), BODY);
    expectOk(verifyStandardWebhook(request(BODY, webhookHeaders(sig, ts)), config, { now: NOW_MS }));
    expectOk(verifyStandardWebhook(request(BODY, svixHeaders(sig, ts)), config, { now: NOW_MS }));
  });

  it('the oracle signs with another secret, we reject', () => {
    const sig = new StandardWebhook(OLD_SECRET).sign(ID, new Date(NOW_MS), BODY);
    expectFailure(verifyStandardWebhook(request(BODY, webhookHeaders(sig)), config, { now: NOW_MS }), 'bad_signature');
  });

  it('the oracle signs, we reject another message id (it is signed)', () => {
    const sig = new StandardWebhook(SECRET).sign(ID, new Date(NOW_MS), BODY);
    expectFailure(verifyStandardWebhook(request(BODY, webhookHeaders(sig, NOW_S, 'msg_other')), config, { now: NOW_MS }), 'bad_signature');
  });

  it('the oracle signs, we reject a shifted timestamp (it is signed)', () => {
    const sig = new StandardWebhook(SECRET).sign(ID, new Date(NOW_MS), BODY);
    expectFailure(verifyStandardWebhook(request(BODY, webhookHeaders(sig, NOW_S - 1)), config, { now: NOW_MS }), 'bad_signature');
  });

  it('the oracle signs with a raw Uint8Array key, we accept with the whsec_ form of it', () => {
    const key = Buffer.alloc(32, 7);
    const sig = new StandardWebhook(key, { format: 'raw' }).sign(ID, new Date(NOW_MS), BODY);
    expectOk(verifyStandardWebhook(request(BODY, webhookHeaders(sig)), config, { now: NOW_MS }));
  });
});

describe('standard webhooks: we sign, the oracles verify', () => {
  it('standardwebhooks and svix accept our headers (real clock)', () => {
    const ts = nowS();
    const headers = standardWebhookHeaders({ id: ID, timestamp: ts, body: BODY, secrets: [SECRET] });
    expect(new StandardWebhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new SvixWebhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new SvixWebhook(SECRET).verify(BODY, svixHeaders(headers['webhook-signature'], ts))).toEqual(JSON.parse(BODY));
  });

  it('every secret of a rotation gets its own entry, and each secret alone verifies the header', () => {
    const ts = nowS();
    const headers = standardWebhookHeaders({ id: ID, timestamp: ts, body: BODY, secrets: [SECRET, OLD_SECRET] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [SECRET, OLD_SECRET]) {
      expect(new StandardWebhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
      expect(new SvixWebhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    }
    expect(() => new StandardWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(BODY, headers)).toThrow();
  });

  it('a decoded key (Uint8Array) signs the same as its whsec_ string', () => {
    expect(signStandardWebhook({ id: ID, timestamp: NOW_S, body: BODY, secrets: [Buffer.alloc(32, 7)] })).toBe(signStandardWebhook({ id: ID, timestamp: NOW_S, body: BODY, secrets: [SECRET] }));
  });

  it('an empty body signs and the oracle verifies it', () => {
    const ts = nowS();
    const headers = standardWebhookHeaders({ id: ID, timestamp: ts, body: '', secrets: [SECRET] });
    expect(new StandardWebhook(SECRET).verify('', headers)).toBeUndefined();
  });

  it('the oracle rejects our signature over a changed body', () => {
    const headers = standardWebhookHeaders({ id: ID, timestamp: nowS(), body: BODY, secrets: [SECRET] });
    expect(() => new StandardWebhook(SECRET).verify(`${BODY} `, headers)).toThrow(/No matching signature/);
  });

  it('our signature equals the documented bytes built independently', () => {
    expect(signStandardWebhook({ id: ID, timestamp: NOW_S, body: NON_UTF8_BODY, secrets: [SECRET] })).toBe(refSig(SECRET, ID, NOW_S, NON_UTF8_BODY));
  });

  it('signing without secrets or with a malformed secret throws (caller bug, not hostile input)', () => {
    expect(() => signStandardWebhook({ id: ID, timestamp: NOW_S, body: BODY, secrets: [] })).toThrow(RangeError);
    expect(() => signStandardWebhook({ id: ID, timestamp: NOW_S, body: BODY, secrets: ['whsec_***'] })).toThrow(TypeError);
  });
});

describe('standard webhooks: vector certification against the oracle, then ours', () => {
  it('a vector built independently is accepted by standardwebhooks, svix and us', () => {
    const ts = nowS();
    const sig = refSig(SECRET, ID, ts, BODY);
    const headers = webhookHeaders(sig, ts);
    expect(new StandardWebhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new SvixWebhook(SECRET).verify(BODY, svixHeaders(sig, ts))).toEqual(JSON.parse(BODY));
    expectOk(verifyStandardWebhook(request(BODY, headers), config));
  });

  it('several space-separated signatures with an unknown v1a entry: all three accept', () => {
    const ts = nowS();
    const sig = `v1a,${Buffer.alloc(64, 1).toString('base64')} v1,${Buffer.alloc(32, 2).toString('base64')} ${refSig(SECRET, ID, ts, BODY)}`;
    const headers = webhookHeaders(sig, ts);
    expect(new StandardWebhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new SvixWebhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expectOk(verifyStandardWebhook(request(BODY, headers), config));
  });

  it('a v1a-only header: the oracle finds no match, we report no v1 entry', () => {
    const ts = nowS();
    const sig = `v1a,${refSig(SECRET, ID, ts, BODY).slice(3)}`;
    expect(() => new StandardWebhook(SECRET).verify(BODY, webhookHeaders(sig, ts))).toThrow(/No matching signature/);
    expectFailure(verifyStandardWebhook(request(BODY, webhookHeaders(sig, ts)), config), 'malformed');
  });

  it('the mutated vector is rejected by the oracle and by us', () => {
    const ts = nowS();
    const headers = webhookHeaders(refSig(SECRET, ID, ts, BODY), ts);
    expect(() => new StandardWebhook(SECRET).verify(flipByte(BODY), headers)).toThrow();
    expectFailure(verifyStandardWebhook(request(flipByte(BODY), headers), config), 'bad_signature');
  });

  it('a future timestamp beyond 300 s: the oracle and we both reject', () => {
    const ts = nowS() + 400;
    const headers = webhookHeaders(refSig(SECRET, ID, ts, BODY), ts);
    expect(() => new StandardWebhook(SECRET).verify(BODY, headers)).toThrow(/too new/i);
    expectFailure(verifyStandardWebhook(request(BODY, headers), config), 'future_timestamp');
  });

  it('a stale timestamp beyond 300 s: the oracle and we both reject', () => {
    const ts = nowS() - 400;
    const headers = webhookHeaders(refSig(SECRET, ID, ts, BODY), ts);
    expect(() => new StandardWebhook(SECRET).verify(BODY, headers)).toThrow(/too old/i);
    expectFailure(verifyStandardWebhook(request(BODY, headers), config), 'stale_timestamp');
  });
});

describe('standard webhooks: one broken thing per case', () => {
  const good = refSig(SECRET, ID, NOW_S, BODY);
  const b64sig = good.slice(3);
  type Case = [string, string | Uint8Array, Record<string, string | string[]>, StandardVerifyConfig, string];
  const cases: Case[] = [
    ['wrong secret', BODY, webhookHeaders(refSig(OLD_SECRET, ID, NOW_S, BODY)), config, 'bad_signature'],
    ['one flipped body byte', flipByte(BODY), webhookHeaders(good), config, 'bad_signature'],
    ['stale timestamp', BODY, webhookHeaders(refSig(SECRET, ID, NOW_S - 301, BODY), NOW_S - 301), config, 'stale_timestamp'],
    ['future timestamp', BODY, webhookHeaders(refSig(SECRET, ID, NOW_S + 301, BODY), NOW_S + 301), config, 'future_timestamp'],
    ['stale under a 30 s window', BODY, webhookHeaders(refSig(SECRET, ID, NOW_S - 31, BODY), NOW_S - 31), { secret: SECRET, toleranceSeconds: 30 }, 'stale_timestamp'],
    ['missing webhook-id', BODY, { 'webhook-timestamp': String(NOW_S), 'webhook-signature': good }, config, 'missing_header'],
    ['missing webhook-timestamp', BODY, { 'webhook-id': ID, 'webhook-signature': good }, config, 'missing_header'],
    ['missing webhook-signature', BODY, { 'webhook-id': ID, 'webhook-timestamp': String(NOW_S) }, config, 'missing_header'],
    ['no headers at all', BODY, {}, config, 'missing_header'],
    ['svix-signature present but svix-id missing', BODY, { 'svix-timestamp': String(NOW_S), 'svix-signature': good, 'webhook-id': ID }, config, 'missing_header'],
    ['duplicated webhook-signature', BODY, { ...webhookHeaders(good), 'webhook-signature': [good, refSig(OLD_SECRET, ID, NOW_S, BODY)] }, config, 'malformed'],
    ['duplicated webhook-id', BODY, { ...webhookHeaders(good), 'webhook-id': [ID, 'msg_other'] }, config, 'malformed'],
    ['duplicated webhook-timestamp', BODY, { ...webhookHeaders(good), 'webhook-timestamp': [String(NOW_S), String(NOW_S + 1)] }, config, 'malformed'],
    ['64 KiB webhook-signature', BODY, webhookHeaders(`v1,${HUGE}`), config, 'malformed'],
    ['64 KiB webhook-id', BODY, webhookHeaders(good, NOW_S, HUGE), config, 'malformed'],
    ['more than 16 signatures', BODY, webhookHeaders(Array.from({ length: 17 }, () => good).join(' ')), config, 'malformed'],
    ['timestamp not a number', BODY, webhookHeaders(good, 'yesterday'), config, 'malformed'],
    ['timestamp in milliseconds with 13 digits', BODY, webhookHeaders(good, `${NOW_MS}`), config, 'malformed'],
    ['timestamp negative', BODY, webhookHeaders(good, '-1'), config, 'malformed'],
    ['timestamp with a fraction', BODY, webhookHeaders(good, `${NOW_S}.0`), config, 'malformed'],
    ['signature not base64', BODY, webhookHeaders('v1,***not base64***'), config, 'malformed'],
    ['signature base64 without padding', BODY, webhookHeaders(`v1,${b64sig.replace(/=+$/, '')}`), config, 'malformed'],
    ['signature in hex', BODY, webhookHeaders(`v1,${Buffer.from(b64sig, 'base64').toString('hex')}`), config, 'bad_signature'],
    ['entry without a version', BODY, webhookHeaders(b64sig), config, 'malformed'],
    ['entry with an empty version', BODY, webhookHeaders(`,${b64sig}`), config, 'malformed'],
    ['wrong prefix v1= (Stripe style)', BODY, webhookHeaders(`v1=${b64sig}`), config, 'malformed'],
    ['wrong version v2', BODY, webhookHeaders(`v2,${b64sig}`), config, 'malformed'],
    ['upper-case version V1', BODY, webhookHeaders(`V1,${b64sig}`), config, 'malformed'],
    ['only an unknown v1a entry', BODY, webhookHeaders(`v1a,${b64sig}`), config, 'malformed'],
    ['v1 with an empty value', BODY, webhookHeaders('v1,'), config, 'malformed'],
    ['comma-separated list instead of spaces', BODY, webhookHeaders(`${good},${refSig(OLD_SECRET, ID, NOW_S, BODY)}`), config, 'malformed'],
    ['truncated signature (valid base64)', BODY, webhookHeaders(`v1,${Buffer.from(b64sig, 'base64').subarray(0, 30).toString('base64')}`), config, 'bad_signature'],
    ['signature of an empty body', BODY, webhookHeaders(refSig(SECRET, ID, NOW_S, '')), config, 'bad_signature'],
    ['secret is not whsec_/base64', BODY, webhookHeaders(good), { secret: 'whsec_***' }, 'invalid_config'],
    ['one of two secrets is malformed', BODY, webhookHeaders(good), { secret: [SECRET, 'whsec_'] }, 'invalid_config'],
    ['no secret', BODY, webhookHeaders(good), { secret: [] }, 'invalid_config'],
  ];
  it.each(cases)('%s', (_name, body, headers, cfg, reason) => {
    expectFailure(verifyStandardWebhook(request(body, headers), cfg, { now: NOW_MS }), reason as never);
  });

  it('the good request itself verifies (the table breaks one thing only)', () => {
    expect(verifyStandardWebhook(request(BODY, webhookHeaders(good)), config, { now: NOW_MS })).toMatchObject({ ok: true, timestamp: NOW_S, secretIndex: 0 });
  });

  it('tolerance 0 disables the window in both directions', () => {
    for (const ts of [1, NOW_S - 86400 * 365, NOW_S + 86400 * 365]) {
      expectOk(verifyStandardWebhook(request(BODY, webhookHeaders(refSig(SECRET, ID, ts, BODY), ts)), { secret: SECRET, toleranceSeconds: 0 }, { now: NOW_MS }));
    }
  });

  it('the window is inclusive at ±300 s', () => {
    for (const ts of [NOW_S - 300, NOW_S + 300]) {
      expectOk(verifyStandardWebhook(request(BODY, webhookHeaders(refSig(SECRET, ID, ts, BODY), ts)), config, { now: NOW_MS }));
    }
  });

  it('rotation: the old secret verifies while both are configured, and reports its index', () => {
    const sig = refSig(OLD_SECRET, ID, NOW_S, BODY);
    expect(verifyStandardWebhook(request(BODY, webhookHeaders(sig)), { secret: [SECRET, OLD_SECRET] }, { now: NOW_MS })).toMatchObject({
      ok: true,
      timestamp: NOW_S,
      secretIndex: 1,
    });
  });

  it('several space-separated signatures: any matching entry is enough, in any position', () => {
    const other = refSig(OLD_SECRET, ID, NOW_S, BODY);
    for (const sig of [`${good} ${other}`, `${other} ${good}`, `${other}  ${good}`, `v1a,${b64sig} ${good}`]) {
      expectOk(verifyStandardWebhook(request(BODY, webhookHeaders(sig)), config, { now: NOW_MS }));
    }
  });

  it('header family: svix-* is used when svix-signature is present', () => {
    expectOk(verifyStandardWebhook(request(BODY, svixHeaders(good)), config, { now: NOW_MS }));
    expectOk(verifyStandardWebhook(request(BODY, { ...svixHeaders(good), 'webhook-signature': 'garbage' }), config, { now: NOW_MS }));
  });

  it('header names are case-insensitive', () => {
    expectOk(verifyStandardWebhook(request(BODY, { 'Webhook-Id': ID, 'WEBHOOK-TIMESTAMP': String(NOW_S), 'webhook-Signature': good }), config, { now: NOW_MS }));
  });

  it('a secret without the whsec_ prefix is the bare base64 key (as svix accepts)', () => {
    expectOk(verifyStandardWebhook(request(BODY, webhookHeaders(good)), { secret: SECRET.slice('whsec_'.length) }, { now: NOW_MS }));
  });

  it('an empty body verifies when it is what was signed', () => {
    expectOk(verifyStandardWebhook(request('', webhookHeaders(refSig(SECRET, ID, NOW_S, ''))), config, { now: NOW_MS }));
  });

  it('non-UTF-8 body bytes are signed as bytes', () => {
    expectOk(verifyStandardWebhook(request(NON_UTF8_BODY, webhookHeaders(refSig(SECRET, ID, NOW_S, NON_UTF8_BODY))), config, { now: NOW_MS }));
  });

  it('timestamp checks come before the signature (a stale forged request is stale)', () => {
    expectFailure(verifyStandardWebhook(request(BODY, webhookHeaders('v1,AAAA', NOW_S - 1000)), config, { now: NOW_MS }), 'stale_timestamp');
  });
});

describe('webhook secrets', () => {
  it.each([24, 32, 48, 64])('generateWebhookSecret(%i) makes a valid whsec_ secret the oracle can use', (n) => {
    const secret = generateWebhookSecret(n);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeWebhookSecret(secret)).toHaveLength(n);
    expect(isValidWebhookSecret(secret)).toBe(true);
    const ts = nowS();
    const headers = standardWebhookHeaders({ id: ID, timestamp: ts, body: BODY, secrets: [secret] });
    expect(new StandardWebhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('generates distinct secrets', () => {
    expect(new Set(Array.from({ length: 50 }, () => generateWebhookSecret())).size).toBe(50);
  });

  it.each([0, 23, 65, 1.5, Number.NaN])('generateWebhookSecret(%p) throws RangeError', (n) => {
    expect(() => generateWebhookSecret(n)).toThrow(RangeError);
  });

  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    [SECRET, true],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false],
    [`whsec_${Buffer.alloc(23).toString('base64')}`, false],
    [`whsec_${Buffer.alloc(65).toString('base64')}`, false],
    ['whsec_', false],
    ['whsec_abc', false],
    ['whsec_****', false],
  ])('isValidWebhookSecret(%s) → %s', (secret, valid) => {
    expect(isValidWebhookSecret(secret)).toBe(valid);
  });

  it.each([['whsec_'], ['whsec_a'], ['whsec_a b='], ['whsec_@@@@'], ['']])('decodeWebhookSecret(%j) → undefined', (secret) => {
    expect(decodeWebhookSecret(secret)).toBeUndefined();
  });
});
