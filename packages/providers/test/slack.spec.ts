import { describe, expect, it } from '@jest/globals';
// The package root also loads Socket Mode, whose undici 8 needs Node 22; the verifier module is
// the same code the root re-exports as verifySlackRequest / isValidSlackRequest.
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt/dist/receivers/verify-request.js';
import { slack, verifyV0Signature, type SlackConfig } from './sut.js';
import { HUGE, NON_UTF8_BODY, NOW_MS, NOW_S, expectFailure, expectOk, flipByte, hex, refHmac, request } from './helpers.js';

// The example in Slack's "Verifying requests from Slack" docs.
const DOCS = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

const SECRET = 'slack-signing-secret-abcdef0123456789';
const OLD_SECRET = 'slack-signing-secret-previous';
const BODY = JSON.stringify({
  token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
  team_id: 'T061EG9RZ',
  api_app_id: 'A0PNCHHK2',
  event: { type: 'app_mention', user: 'U061F7AUR', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C0LAN2Q65' },
  type: 'event_callback',
  event_id: 'Ev0LAN670R',
  event_time: 1515449522,
});
const config: SlackConfig = { secret: SECRET };

/** The documented bytes: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`. */
function refV0(secret: string, ts: number | string, body: string | Uint8Array): string {
  return `v0=${hex(refHmac('sha256', secret, `v0:${ts}:`, body))}`;
}

function headers(sig: string | string[] | undefined, ts: string | string[] | number | undefined = NOW_S): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  if (sig !== undefined) h['x-slack-signature'] = sig;
  if (ts !== undefined) h['x-slack-request-timestamp'] = typeof ts === 'number' ? String(ts) : ts;
  return h;
}

function boltAccepts(body: string, sig: string, ts: number, nowMs: number, secret = SECRET): boolean {
  return isValidSlackRequest({ signingSecret: secret, body, headers: { 'x-slack-signature': sig, 'x-slack-request-timestamp': ts }, nowMilliseconds: nowMs });
}

describe('slack: the docs example', () => {
  it('@slack/bolt accepts the published vector (certifies it)', () => {
    expect(() =>
      verifySlackRequest({
        signingSecret: DOCS.secret,
        body: DOCS.body,
        headers: { 'x-slack-signature': DOCS.signature, 'x-slack-request-timestamp': DOCS.timestamp },
        nowMilliseconds: DOCS.timestamp * 1000,
      }),
    ).not.toThrow();
  });

  it('the independent HMAC reproduces it', () => {
    expect(refV0(DOCS.secret, DOCS.timestamp, DOCS.body)).toBe(DOCS.signature);
  });

  it('our verifier accepts it at its time', () => {
    expect(slack.verify(request(DOCS.body, headers(DOCS.signature, DOCS.timestamp)), { secret: DOCS.secret }, { now: DOCS.timestamp * 1000 })).toMatchObject({
      ok: true,
      timestamp: DOCS.timestamp,
      secretIndex: 0,
    });
  });

  it('bolt and we both reject it five minutes and one second later', () => {
    const later = (DOCS.timestamp + 301) * 1000;
    expect(boltAccepts(DOCS.body, DOCS.signature, DOCS.timestamp, later, DOCS.secret)).toBe(false);
    expectFailure(slack.verify(request(DOCS.body, headers(DOCS.signature, DOCS.timestamp)), { secret: DOCS.secret }, { now: later }), 'stale_timestamp');
  });
});

describe('slack: vector certification with @slack/bolt (verify-only oracle)', () => {
  const bodies: [string, string][] = [
    ['an Events API callback', BODY],
    ['a url_verification handshake', JSON.stringify({ token: 't', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' })],
    ['a slash command form', DOCS.body],
    ['an interactive payload form', `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', trigger_id: '1.2.3', team: { id: 'T1' } }))}`],
    ['an empty body', ''],
  ];

  it.each(bodies)('%s: bolt and we accept the documented bytes', (_name, body) => {
    const sig = refV0(SECRET, NOW_S, body);
    expect(boltAccepts(body, sig, NOW_S, NOW_MS)).toBe(true);
    expectOk(slack.verify(request(body, headers(sig)), config, { now: NOW_MS }));
  });

  it.each(bodies)('%s: bolt and we reject it with the wrong secret', (_name, body) => {
    const sig = refV0('not-the-secret', NOW_S, body);
    expect(boltAccepts(body, sig, NOW_S, NOW_MS)).toBe(false);
    expectFailure(slack.verify(request(body, headers(sig)), config, { now: NOW_MS }), 'bad_signature');
  });

  it('bolt and we reject a flipped body byte', () => {
    const sig = refV0(SECRET, NOW_S, BODY);
    const mutated = flipByte(BODY).toString('utf8');
    expect(boltAccepts(mutated, sig, NOW_S, NOW_MS)).toBe(false);
    expectFailure(slack.verify(request(mutated, headers(sig)), config, { now: NOW_MS }), 'bad_signature');
  });

  it('bolt and we reject a timestamp that differs from the signed one', () => {
    const sig = refV0(SECRET, NOW_S, BODY);
    expect(boltAccepts(BODY, sig, NOW_S - 1, NOW_MS)).toBe(false);
    expectFailure(slack.verify(request(BODY, headers(sig, NOW_S - 1)), config, { now: NOW_MS }), 'bad_signature');
  });

  it('future timestamps: bolt accepts them, we reject beyond the window (our stricter choice)', () => {
    const ts = NOW_S + 301;
    const sig = refV0(SECRET, ts, BODY);
    expect(boltAccepts(BODY, sig, ts, NOW_MS)).toBe(true);
    expectFailure(slack.verify(request(BODY, headers(sig, ts)), config, { now: NOW_MS }), 'future_timestamp');
  });

  it('exactly five minutes old: bolt and we accept', () => {
    const ts = NOW_S - 300;
    const sig = refV0(SECRET, ts, BODY);
    expect(boltAccepts(BODY, sig, ts, NOW_MS)).toBe(true);
    expectOk(slack.verify(request(BODY, headers(sig, ts)), config, { now: NOW_MS }));
  });
});

describe('slack: one broken thing per case', () => {
  const good = refV0(SECRET, NOW_S, BODY);
  const digest = good.slice(3);
  type Case = [string, string | Uint8Array, Record<string, string | string[]>, SlackConfig, string];
  const cases: Case[] = [
    ['wrong secret', BODY, headers(refV0(OLD_SECRET, NOW_S, BODY)), config, 'bad_signature'],
    ['one flipped body byte', flipByte(BODY), headers(good), config, 'bad_signature'],
    ['stale timestamp', BODY, headers(refV0(SECRET, NOW_S - 301, BODY), NOW_S - 301), config, 'stale_timestamp'],
    ['future timestamp', BODY, headers(refV0(SECRET, NOW_S + 301, BODY), NOW_S + 301), config, 'future_timestamp'],
    ['stale under a 60 s window', BODY, headers(refV0(SECRET, NOW_S - 61, BODY), NOW_S - 61), { secret: SECRET, toleranceSeconds: 60 }, 'stale_timestamp'],
    ['missing signature header', BODY, headers(undefined), config, 'missing_header'],
    ['missing timestamp header', BODY, { 'x-slack-signature': good }, config, 'missing_header'],
    ['empty signature header', BODY, headers(''), config, 'missing_header'],
    ['duplicated signature header', BODY, headers([good, refV0(OLD_SECRET, NOW_S, BODY)]), config, 'malformed'],
    ['duplicated timestamp header', BODY, headers(good, [String(NOW_S), String(NOW_S - 1)]), config, 'malformed'],
    ['64 KiB signature header', BODY, headers(`v0=${HUGE}`), config, 'malformed'],
    ['64 KiB timestamp header', BODY, headers(good, HUGE), config, 'malformed'],
    ['wrong prefix v1=', BODY, headers(`v1=${digest}`), config, 'malformed'],
    ['wrong prefix V0=', BODY, headers(`V0=${digest}`), config, 'malformed'],
    ['no prefix', BODY, headers(digest), config, 'malformed'],
    ['colon instead of =', BODY, headers(`v0:${digest}`), config, 'malformed'],
    ['not hex', BODY, headers(`v0=${'x'.repeat(64)}`), config, 'malformed'],
    ['odd-length hex', BODY, headers(good.slice(0, -1)), config, 'malformed'],
    ['base64 instead of hex', BODY, headers(`v0=${Buffer.from(digest, 'hex').toString('base64')}`), config, 'malformed'],
    ['timestamp not a number', BODY, headers(good, 'now'), config, 'malformed'],
    ['timestamp in milliseconds (13 digits)', BODY, headers(good, String(NOW_MS)), config, 'malformed'],
    ['timestamp negative', BODY, headers(good, '-5'), config, 'malformed'],
    ['truncated digest (valid hex)', BODY, headers(good.slice(0, -2)), config, 'bad_signature'],
    ['signature of an empty body', BODY, headers(refV0(SECRET, NOW_S, '')), config, 'bad_signature'],
    ['no secret', BODY, headers(good), { secret: [] }, 'invalid_config'],
  ];
  it.each(cases)('%s', (_name, body, h, cfg, reason) => {
    expectFailure(slack.verify(request(body, h), cfg, { now: NOW_MS }), reason as never);
  });

  it('the good request verifies (the table breaks one thing only)', () => {
    expectOk(slack.verify(request(BODY, headers(good)), config, { now: NOW_MS }));
  });

  it('tolerance 0 disables the window', () => {
    for (const ts of [1, NOW_S - 86400 * 30, NOW_S + 86400 * 30]) {
      expectOk(slack.verify(request(BODY, headers(refV0(SECRET, ts, BODY), ts)), { secret: SECRET, toleranceSeconds: 0 }, { now: NOW_MS }));
    }
  });

  it('rotation: the old secret verifies while both are configured', () => {
    const sig = refV0(OLD_SECRET, NOW_S, BODY);
    expect(slack.verify(request(BODY, headers(sig)), { secret: [SECRET, OLD_SECRET] }, { now: NOW_MS })).toMatchObject({ ok: true, timestamp: NOW_S, secretIndex: 1 });
  });

  it('non-UTF-8 body bytes are signed as bytes', () => {
    expectOk(slack.verify(request(NON_UTF8_BODY, headers(refV0(SECRET, NOW_S, NON_UTF8_BODY))), config, { now: NOW_MS }));
  });

  it('the timestamp is signed as sent: a zero-padded timestamp must match byte for byte', () => {
    const padded = `0${NOW_S}`;
    expectOk(slack.verify(request(BODY, headers(refV0(SECRET, padded, BODY), padded)), config, { now: NOW_MS }));
    expectFailure(slack.verify(request(BODY, headers(refV0(SECRET, NOW_S, BODY), padded)), config, { now: NOW_MS }), 'bad_signature');
  });

  it('verifyV0Signature works with other header names (Zoom)', () => {
    const sig = refV0(SECRET, NOW_S, BODY);
    const h = { 'x-zm-signature': sig, 'x-zm-request-timestamp': String(NOW_S) };
    expectOk(verifyV0Signature(request(BODY, h), SECRET, 'x-zm-signature', 'x-zm-request-timestamp', 300, { now: NOW_MS }));
    expectFailure(verifyV0Signature(request(BODY, h), SECRET, 'x-slack-signature', 'x-slack-request-timestamp', 300, { now: NOW_MS }), 'missing_header');
  });

  it.each([
    [{ secret: SECRET }, true],
    [{ secret: SECRET, toleranceSeconds: 0 }, true],
    [{ secret: SECRET, toleranceSeconds: 'five' }, false],
    [{ secret: '' }, false],
  ])('parseConfig(%j) → ok=%s', (raw, ok) => {
    expect(slack.parseConfig(raw).ok).toBe(ok);
  });
});
