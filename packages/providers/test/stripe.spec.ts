import { describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import { stripe, type StripeConfig } from './sut.js';
import { HUGE, NON_UTF8_BODY, NOW_MS, NOW_S, expectFailure, expectOk, flipByte, hex, refHmac, request, sha256Hex } from './helpers.js';

const SECRET = 'whsec_test_secret';
const OLD_SECRET = 'whsec_previous_secret';
const BODY = JSON.stringify({
  id: 'evt_1OabCDefGHijKL',
  object: 'event',
  type: 'invoice.paid',
  created: NOW_S,
  data: { object: { id: 'in_1OabCD', object: 'invoice', amount_paid: 4200, currency: 'eur' } },
  livemode: false,
});
const config: StripeConfig = { secret: SECRET };
const client = new Stripe('sk_test_dummy');

/** The documented bytes: hex HMAC-SHA256 of `{t}.{body}` keyed with the whole `whsec_` string. */
function refV1(secret: string, t: number | string, body: string | Uint8Array): string {
  return hex(refHmac('sha256', secret, `${t}.`, body));
}

/** Runs the oracle's verifier with a pinned clock; true when it accepts. */
function stripeAccepts(body: string | Buffer, header: string, secret: string, nowMs: number, tolerance?: number): boolean {
  try {
    client.webhooks.constructEvent(body, header, secret, tolerance, undefined, nowMs);
    return true;
  } catch {
    return false;
  }
}

function verify(body: string | Uint8Array, header: string | string[] | undefined, cfg: StripeConfig = config, now = NOW_MS) {
  return stripe.verify(request(body, header === undefined ? {} : { 'stripe-signature': header }), cfg, { now });
}

describe('stripe: deterministic vector', () => {
  const vectorBody = '{"id":"evt_123","type":"test.event"}';
  const vector = 't=1700000000,v1=339b4049f1d719903c20b62073f137862f3cc3fa58dab685b09e91a5fc649c77';

  it('the stripe library produces it', () => {
    expect(Stripe.webhooks.generateTestHeaderString({ payload: vectorBody, secret: 'whsec_test_secret', timestamp: 1700000000 })).toBe(vector);
  });

  it('the independent HMAC produces it', () => {
    expect(`t=1700000000,v1=${refV1('whsec_test_secret', 1700000000, vectorBody)}`).toBe(vector);
  });

  it('our verifier accepts it at t', () => {
    expect(verify(vectorBody, vector)).toEqual({ ok: true, timestamp: 1700000000, secretIndex: 0, signed: { headers: {}, body: true, digest: sha256Hex(`.${vectorBody}`) } });
  });
});

describe('stripe: cross-checked with the stripe library', () => {
  it.each([
    ['an event', BODY],
    ['a v2 thin event', JSON.stringify({ id: 'evt_test_65R', object: 'v2.core.event', type: 'v1.billing.meter.error_report_triggered' })],
    ['unicode', JSON.stringify({ id: 'evt_1', type: 'customer.updated', data: { object: { name: 'Zoë 🧾' } } })],
  ])('stripe signs %s, we accept', (_name, body) => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW_S });
    expect(verify(body, header)).toMatchObject({ ok: true, timestamp: NOW_S });
  });

  it('stripe signs with the wrong secret, we reject', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: 'whsec_other', timestamp: NOW_S });
    expectFailure(verify(BODY, header), 'bad_signature');
  });

  it('stripe signs, we reject a flipped body byte', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW_S });
    expectFailure(verify(flipByte(BODY), header), 'bad_signature');
  });

  it('stripe signs, we reject a changed timestamp (it is signed)', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW_S });
    expectFailure(verify(BODY, header.replace(`t=${NOW_S}`, `t=${NOW_S + 1}`)), 'bad_signature');
  });

  it('stripe signs with scheme v0 only, we find no v1', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW_S, scheme: 'v0' });
    expectFailure(verify(BODY, header), 'malformed');
  });

  it('we build the documented bytes, stripe and our verifier accept', () => {
    const header = `t=${NOW_S},v1=${refV1(SECRET, NOW_S, BODY)}`;
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS)).toBe(true);
    expectOk(verify(BODY, header));
  });

  it('we build the documented bytes over a Buffer body, stripe and our verifier accept', () => {
    const header = `t=${NOW_S},v1=${refV1(SECRET, NOW_S, BODY)}`;
    expect(stripeAccepts(Buffer.from(BODY), header, SECRET, NOW_MS)).toBe(true);
  });

  it('both reject the mutated vector', () => {
    const header = `t=${NOW_S},v1=${refV1(SECRET, NOW_S, BODY)}`;
    const mutated = BODY.replace('4200', '4201');
    expect(stripeAccepts(mutated, header, SECRET, NOW_MS)).toBe(false);
    expectFailure(verify(mutated, header), 'bad_signature');
  });

  it('several v1 entries (secret roll): stripe and we accept when any one matches', () => {
    const header = `t=${NOW_S},v1=${refV1(OLD_SECRET, NOW_S, BODY)},v1=${refV1(SECRET, NOW_S, BODY)},v0=${'0'.repeat(64)}`;
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS)).toBe(true);
    expect(verify(BODY, header)).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it('several v1 entries, none matching: both reject', () => {
    const header = `t=${NOW_S},v1=${refV1('whsec_a', NOW_S, BODY)},v1=${refV1('whsec_b', NOW_S, BODY)}`;
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS)).toBe(false);
    expectFailure(verify(BODY, header), 'bad_signature');
  });

  it('rotation: a request signed with the old secret verifies while both are configured', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: OLD_SECRET, timestamp: NOW_S });
    expect(verify(BODY, header, { secret: [SECRET, OLD_SECRET] })).toMatchObject({ ok: true, timestamp: NOW_S, secretIndex: 1 });
    expectFailure(verify(BODY, header, { secret: [SECRET] }), 'bad_signature');
  });

  it('stale timestamp: stripe and we both reject beyond 300 s', () => {
    const t = NOW_S - 301;
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: t });
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS)).toBe(false);
    expectFailure(verify(BODY, header), 'stale_timestamp');
  });

  it('exactly 300 s old: stripe and we both accept', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW_S - 300 });
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS)).toBe(true);
    expectOk(verify(BODY, header));
  });

  it('tolerance 0 disables the window in stripe and in ours', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: 1_000_000_000 });
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS, 0)).toBe(true);
    expectOk(verify(BODY, header, { secret: SECRET, toleranceSeconds: 0 }));
  });

  it('future timestamp: stripe accepts it, we reject it beyond the window (our stricter choice)', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW_S + 301 });
    expect(stripeAccepts(BODY, header, SECRET, NOW_MS)).toBe(true);
    expectFailure(verify(BODY, header), 'future_timestamp');
  });
});

describe('stripe: one broken thing per case', () => {
  const sig = refV1(SECRET, NOW_S, BODY);
  const good = `t=${NOW_S},v1=${sig}`;
  const cases: [string, string | Uint8Array, string | string[] | undefined, StripeConfig, string][] = [
    ['wrong secret', BODY, `t=${NOW_S},v1=${refV1('whsec_wrong', NOW_S, BODY)}`, config, 'bad_signature'],
    ['secret without its whsec_ prefix', BODY, `t=${NOW_S},v1=${refV1('test_secret', NOW_S, BODY)}`, config, 'bad_signature'],
    ['one flipped body byte', flipByte(BODY, 0), good, config, 'bad_signature'],
    ['stale timestamp (301 s)', BODY, `t=${NOW_S - 301},v1=${refV1(SECRET, NOW_S - 301, BODY)}`, config, 'stale_timestamp'],
    ['future timestamp (301 s)', BODY, `t=${NOW_S + 301},v1=${refV1(SECRET, NOW_S + 301, BODY)}`, config, 'future_timestamp'],
    ['stale under a custom 10 s window', BODY, `t=${NOW_S - 11},v1=${refV1(SECRET, NOW_S - 11, BODY)}`, { secret: SECRET, toleranceSeconds: 10 }, 'stale_timestamp'],
    ['missing header', BODY, undefined, config, 'missing_header'],
    ['empty header', BODY, '', config, 'missing_header'],
    ['duplicated header with different values', BODY, [good, `t=${NOW_S},v1=${'1'.repeat(64)}`], config, 'malformed'],
    ['64 KiB header', BODY, `t=${NOW_S},v1=${HUGE}`, config, 'malformed'],
    ['more than 16 entries', BODY, `t=${NOW_S},${Array.from({ length: 16 }, () => `v1=${sig}`).join(',')}`, config, 'malformed'],
    ['no t=', BODY, `v1=${sig}`, config, 'malformed'],
    ['two t= entries', BODY, `t=${NOW_S},t=${NOW_S},v1=${sig}`, config, 'malformed'],
    ['t= not a number', BODY, `t=abc,v1=${sig}`, config, 'malformed'],
    ['t= negative', BODY, `t=-1,v1=${sig}`, config, 'malformed'],
    ['t= in milliseconds (too many digits)', BODY, `t=${NOW_MS}0,v1=${sig}`, config, 'malformed'],
    ['t= with a fraction', BODY, `t=${NOW_S}.5,v1=${sig}`, config, 'malformed'],
    ['no v1=', BODY, `t=${NOW_S}`, config, 'malformed'],
    ['only v0=', BODY, `t=${NOW_S},v0=${sig}`, config, 'malformed'],
    ['v1 not hex', BODY, `t=${NOW_S},v1=${'z'.repeat(64)}`, config, 'malformed'],
    ['v1 empty', BODY, `t=${NOW_S},v1=`, config, 'malformed'],
    ['v1 base64 instead of hex', BODY, `t=${NOW_S},v1=${Buffer.from(sig, 'hex').toString('base64')}`, config, 'malformed'],
    ['entry without =', BODY, `t=${NOW_S},v1${sig}`, config, 'malformed'],
    ['entry with empty key', BODY, `t=${NOW_S},=${sig}`, config, 'malformed'],
    ['wrong scheme prefix V1=', BODY, `t=${NOW_S},V1=${sig}`, config, 'malformed'],
    ['semicolons instead of commas', BODY, `t=${NOW_S};v1=${sig}`, config, 'malformed'],
    ['truncated v1 (valid hex)', BODY, `t=${NOW_S},v1=${sig.slice(0, 62)}`, config, 'bad_signature'],
    ['signature of an empty body', BODY, `t=${NOW_S},v1=${refV1(SECRET, NOW_S, '')}`, config, 'bad_signature'],
    ['no secret configured', BODY, good, { secret: [] }, 'invalid_config'],
  ];
  it.each(cases)('%s', (_name, body, header, cfg, reason) => {
    expectFailure(verify(body, header, cfg), reason as never);
  });

  it('tolerance 0 disables the window both ways', () => {
    for (const t of [1, NOW_S - 10 * 365 * 86400, NOW_S + 10 * 365 * 86400]) {
      expectOk(verify(BODY, `t=${t},v1=${refV1(SECRET, t, BODY)}`, { secret: SECRET, toleranceSeconds: 0 }));
    }
  });

  it('spaces around entries are tolerated', () => {
    expectOk(verify(BODY, `t=${NOW_S}, v1=${sig} ,v0=abc`));
  });

  it('unknown schemes are ignored beside a valid v1', () => {
    expectOk(verify(BODY, `t=${NOW_S},v0=${'0'.repeat(64)},v2=whatever,v1=${sig}`));
  });

  it('entry order does not matter', () => {
    expectOk(verify(BODY, `v1=${sig},t=${NOW_S}`));
  });

  it('an empty body verifies when it is what was signed', () => {
    expectOk(verify('', `t=${NOW_S},v1=${refV1(SECRET, NOW_S, '')}`));
  });

  it('non-UTF-8 body bytes are signed as bytes', () => {
    expectOk(verify(NON_UTF8_BODY, `t=${NOW_S},v1=${refV1(SECRET, NOW_S, NON_UTF8_BODY)}`));
  });

  it('the window is inclusive at both edges', () => {
    for (const t of [NOW_S - 300, NOW_S + 300]) expectOk(verify(BODY, `t=${t},v1=${refV1(SECRET, t, BODY)}`));
  });
});

describe('stripe: parseConfig', () => {
  it.each([
    [{ secret: SECRET }, true],
    [{ secret: [SECRET, OLD_SECRET], toleranceSeconds: 600 }, true],
    [{ secret: SECRET, toleranceSeconds: 0 }, true],
    [{ secret: SECRET, toleranceSeconds: -1 }, false],
    [{ secret: SECRET, toleranceSeconds: 1.5 }, false],
    [{ secret: SECRET, toleranceSeconds: '300' }, false],
    [{ secret: SECRET, toleranceSeconds: 8 * 86400 }, false],
    [{}, false],
  ])('%j → ok=%s', (raw, ok) => {
    expect(stripe.parseConfig(raw).ok).toBe(ok);
  });
});
