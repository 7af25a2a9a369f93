import { describe, expect, it } from '@jest/globals';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { isValidSlackRequest } from '@slack/bolt/dist/receivers/verify-request.js';
import { hmacProvider, parseSignedContentTemplate, type HmacConfig } from './sut.js';
import { HUGE, NON_UTF8_BODY, NOW_MS, NOW_S, expectFailure, expectOk, flipByte, hex, refHmac, request, sha256Hex } from './helpers.js';

const SECRET = 'generic-hmac-secret-0123456789';
const OLD_SECRET = 'generic-hmac-secret-old';
const BODY = JSON.stringify({ event: 'order.shipped', id: 'ord_81273', items: [{ sku: 'A-1', qty: 2 }], note: 'naïve café' });

type Alg = 'sha1' | 'sha256' | 'sha512';
type Enc = 'hex' | 'base64' | 'base64url';

/** Independent digest text in the given encoding (@noble/hashes). */
function refDigest(algorithm: Alg, encoding: Enc, key: string | Uint8Array, ...parts: (string | Uint8Array)[]): string {
  return Buffer.from(refHmac(algorithm, key, ...parts)).toString(encoding);
}

function parse(raw: Record<string, unknown>): HmacConfig {
  const result = hmacProvider.parseConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe('hmac: algorithm × encoding, checked against @noble/hashes', () => {
  const combos: [Alg, Enc][] = [];
  for (const a of ['sha1', 'sha256', 'sha512'] as const) for (const e of ['hex', 'base64', 'base64url'] as const) combos.push([a, e]);

  it.each(combos)('%s / %s: an independent signature verifies', (algorithm, encoding) => {
    const config = parse({ secret: SECRET, header: 'X-Signature', algorithm, encoding });
    const sig = refDigest(algorithm, encoding, SECRET, BODY);
    expectOk(hmacProvider.verify(request(BODY, { 'x-signature': sig }), config));
  });

  it.each(combos)('%s / %s: a flipped body byte fails', (algorithm, encoding) => {
    const config = parse({ secret: SECRET, header: 'X-Signature', algorithm, encoding });
    const sig = refDigest(algorithm, encoding, SECRET, BODY);
    expectFailure(hmacProvider.verify(request(flipByte(BODY), { 'x-signature': sig }), config), 'bad_signature');
  });

  it.each(combos)('%s / %s: the wrong secret fails', (algorithm, encoding) => {
    const config = parse({ secret: SECRET, header: 'X-Signature', algorithm, encoding });
    const sig = refDigest(algorithm, encoding, OLD_SECRET, BODY);
    expectFailure(hmacProvider.verify(request(BODY, { 'x-signature': sig }), config), 'bad_signature');
  });

  it.each(combos)('%s / %s: a digest of another algorithm is malformed (wrong length)', (algorithm, encoding) => {
    const other: Alg = algorithm === 'sha256' ? 'sha512' : 'sha256';
    const config = parse({ secret: SECRET, header: 'X-Signature', algorithm, encoding });
    expectFailure(hmacProvider.verify(request(BODY, { 'x-signature': refDigest(other, encoding, SECRET, BODY) }), config), 'malformed');
  });

  it('defaults are sha256 / hex / {body} / no prefix', () => {
    const config = parse({ secret: SECRET, header: 'x-sig' });
    expectOk(hmacProvider.verify(request(BODY, { 'x-sig': refDigest('sha256', 'hex', SECRET, BODY) }), config));
  });
});

describe('hmac: configured as a known provider, judged by that provider’s library', () => {
  it('GitHub scheme: octokit signs, the generic provider accepts', async () => {
    const config = parse({ secret: SECRET, header: 'X-Hub-Signature-256', prefix: 'sha256=' });
    const sig = await octokitSign(SECRET, BODY);
    expectOk(hmacProvider.verify(request(BODY, { 'x-hub-signature-256': sig }), config));
  });

  it('GitHub scheme: the published "Hello, World!" vector', () => {
    const config = parse({ secret: "It's a Secret to Everybody", header: 'X-Hub-Signature-256', prefix: 'sha256=' });
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expectOk(hmacProvider.verify(request('Hello, World!', { 'x-hub-signature-256': sig }), config));
  });

  it('Shopify scheme: getHmac signs, the generic provider accepts', () => {
    const config = parse({ secret: SECRET, header: 'X-Shopify-Hmac-Sha256', encoding: 'base64' });
    expectOk(hmacProvider.verify(request(BODY, { 'x-shopify-hmac-sha256': getHmac(BODY, SECRET) }), config));
  });

  it('Slack scheme with {timestamp}: the Slack docs vector, certified by bolt, is accepted', () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const ts = 1531420618;
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const sig = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    expect(isValidSlackRequest({ signingSecret: secret, body, headers: { 'x-slack-signature': sig, 'x-slack-request-timestamp': ts }, nowMilliseconds: ts * 1000 })).toBe(true);
    const config = parse({
      secret,
      header: 'X-Slack-Signature',
      prefix: 'v0=',
      signedContent: 'v0:{timestamp}:{body}',
      timestampHeader: 'X-Slack-Request-Timestamp',
    });
    const h = { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) };
    expect(hmacProvider.verify(request(body, h), config, { now: ts * 1000 })).toMatchObject({ ok: true, timestamp: ts, secretIndex: 0 });
    expectFailure(hmacProvider.verify(request(body, h), config, { now: (ts + 301) * 1000 }), 'stale_timestamp');
  });
});

describe('hmac: signed-content templates', () => {
  it('{timestamp}.{body} with a timestamp header', () => {
    const config = parse({ secret: SECRET, header: 'x-sig', signedContent: '{timestamp}.{body}', timestampHeader: 'x-ts' });
    const sig = refDigest('sha256', 'hex', SECRET, `${NOW_S}.`, BODY);
    expect(hmacProvider.verify(request(BODY, { 'x-sig': sig, 'x-ts': String(NOW_S) }), config, { now: NOW_MS })).toEqual({
      ok: true,
      timestamp: NOW_S,
      secretIndex: 0,
      // the timestamp's text is left out of the digest; its separator stays
      signed: { headers: { 'x-ts': String(NOW_S) }, body: true, digest: sha256Hex(`.${BODY}`) },
    });
  });

  it('{header:x} takes another header’s value into the signed bytes', () => {
    const config = parse({ secret: SECRET, header: 'x-sig', signedContent: '{header:X-Request-Id}:{body}' });
    const sig = refDigest('sha256', 'hex', SECRET, 'req_123:', BODY);
    expectOk(hmacProvider.verify(request(BODY, { 'x-sig': sig, 'x-request-id': 'req_123' }), config));
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': sig, 'x-request-id': 'req_124' }), config), 'bad_signature');
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': sig }), config), 'missing_header');
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': sig, 'x-request-id': ['req_123', 'req_999'] }), config), 'malformed');
  });

  it('{method} {url} and literal text', () => {
    const config = parse({ secret: SECRET, header: 'x-sig', signedContent: '{method} {url}\n{body}', encoding: 'base64' });
    const url = 'https://hooks.example.com/in/tok_abc?x=1';
    const sig = refDigest('sha256', 'base64', SECRET, `POST ${url}\n`, BODY);
    expectOk(hmacProvider.verify(request(BODY, { 'x-sig': sig }, { method: 'POST', url }), config));
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': sig }, { method: 'PUT', url }), config), 'bad_signature');
  });

  it('{timestamp} and {header:…} together, HubSpot-like', () => {
    const config = parse({
      secret: SECRET,
      header: 'x-sig',
      algorithm: 'sha512',
      encoding: 'base64url',
      signedContent: '{header:x-delivery}|{timestamp}|{body}',
      timestampHeader: 'x-ts',
      prefix: 'v2:',
    });
    const sig = `v2:${refDigest('sha512', 'base64url', SECRET, `dlv_1|${NOW_S}|`, BODY)}`;
    expectOk(hmacProvider.verify(request(BODY, { 'x-sig': sig, 'x-ts': String(NOW_S), 'x-delivery': 'dlv_1' }), config, { now: NOW_MS }));
  });

  it.each([
    ['{body}', [{ kind: 'body' }]],
    ['{timestamp}.{body}', [{ kind: 'timestamp' }, { kind: 'text', text: '.' }, { kind: 'body' }]],
    ['v0:{timestamp}:{body}', [{ kind: 'text', text: 'v0:' }, { kind: 'timestamp' }, { kind: 'text', text: ':' }, { kind: 'body' }]],
    ['{header:X-Id}{body}', [{ kind: 'header', name: 'x-id' }, { kind: 'body' }]],
    ['{method}{url}{body}', [{ kind: 'method' }, { kind: 'url' }, { kind: 'body' }]],
  ])('parseSignedContentTemplate(%j)', (template, parts) => {
    expect(parseSignedContentTemplate(template)).toEqual(parts);
  });

  it.each(['{bogus}', '{body', 'body}', '{header}', '{header:}', '{body:x}', '{Body}', '{{body}}', '{header:bad name}'])('parseSignedContentTemplate(%j) throws RangeError', (template) => {
    expect(() => parseSignedContentTemplate(template)).toThrow(RangeError);
  });
});

describe('hmac: one broken thing per case', () => {
  const config = parse({ secret: SECRET, header: 'x-sig', prefix: 'sha256=', signedContent: '{timestamp}.{body}', timestampHeader: 'x-ts' });
  const sigAt = (ts: number | string, body: string | Uint8Array = BODY, secret = SECRET) => `sha256=${refDigest('sha256', 'hex', secret, `${ts}.`, body)}`;
  const good = { 'x-sig': sigAt(NOW_S), 'x-ts': String(NOW_S) };
  type Case = [string, string | Uint8Array, Record<string, string | string[]>, HmacConfig, string];
  const cases: Case[] = [
    ['wrong secret', BODY, { ...good, 'x-sig': sigAt(NOW_S, BODY, OLD_SECRET) }, config, 'bad_signature'],
    ['one flipped body byte', flipByte(BODY), good, config, 'bad_signature'],
    ['stale timestamp', BODY, { 'x-sig': sigAt(NOW_S - 301), 'x-ts': String(NOW_S - 301) }, config, 'stale_timestamp'],
    ['future timestamp', BODY, { 'x-sig': sigAt(NOW_S + 301), 'x-ts': String(NOW_S + 301) }, config, 'future_timestamp'],
    ['timestamp changed after signing', BODY, { ...good, 'x-ts': String(NOW_S - 1) }, config, 'bad_signature'],
    ['missing signature header', BODY, { 'x-ts': String(NOW_S) }, config, 'missing_header'],
    ['missing timestamp header', BODY, { 'x-sig': sigAt(NOW_S) }, config, 'missing_header'],
    ['duplicated signature header', BODY, { ...good, 'x-sig': [sigAt(NOW_S), sigAt(NOW_S, BODY, OLD_SECRET)] }, config, 'malformed'],
    ['duplicated timestamp header', BODY, { ...good, 'x-ts': [String(NOW_S), String(NOW_S + 1)] }, config, 'malformed'],
    ['64 KiB signature header', BODY, { ...good, 'x-sig': `sha256=${HUGE}` }, config, 'malformed'],
    ['timestamp not a number', BODY, { ...good, 'x-ts': 'soon' }, config, 'malformed'],
    ['wrong prefix', BODY, { ...good, 'x-sig': good['x-sig'].replace('sha256=', 'sha1=') }, config, 'malformed'],
    ['missing prefix', BODY, { ...good, 'x-sig': good['x-sig'].slice(7) }, config, 'malformed'],
    ['not hex', BODY, { ...good, 'x-sig': `sha256=${'q'.repeat(64)}` }, config, 'malformed'],
    ['digest too short', BODY, { ...good, 'x-sig': good['x-sig'].slice(0, -2) }, config, 'malformed'],
    ['base64 where hex is configured', BODY, { ...good, 'x-sig': `sha256=${Buffer.from(good['x-sig'].slice(7), 'hex').toString('base64')}` }, config, 'malformed'],
    ['signature over the body alone', BODY, { ...good, 'x-sig': `sha256=${refDigest('sha256', 'hex', SECRET, BODY)}` }, config, 'bad_signature'],
    ['no secret', BODY, good, { ...config, secret: [] }, 'invalid_config'],
    ['no header configured', BODY, good, { ...config, header: '' }, 'invalid_config'],
    ['broken template (bypassing parseConfig)', BODY, good, { ...config, signedContent: '{nope}' }, 'invalid_config'],
    ['{timestamp} without timestampHeader (bypassing parseConfig)', BODY, good, { ...config, timestampHeader: undefined }, 'invalid_config'],
    ['hex secret that is not hex (bypassing parseConfig)', BODY, good, { ...config, secret: 'not-hex', secretEncoding: 'hex' }, 'invalid_config'],
  ];
  it.each(cases)('%s', (_name, body, headers, cfg, reason) => {
    expectFailure(hmacProvider.verify(request(body, headers), cfg, { now: NOW_MS }), reason as never);
  });

  it('the good request verifies (the table breaks one thing only)', () => {
    expectOk(hmacProvider.verify(request(BODY, good), config, { now: NOW_MS }));
  });

  it('tolerance 0 disables the window', () => {
    const lax = { ...config, toleranceSeconds: 0 };
    for (const ts of [1, NOW_S - 86400 * 400, NOW_S + 86400 * 400]) {
      expectOk(hmacProvider.verify(request(BODY, { 'x-sig': sigAt(ts), 'x-ts': String(ts) }), lax, { now: NOW_MS }));
    }
  });

  it('a custom tolerance is honoured', () => {
    const strict = { ...config, toleranceSeconds: 5 };
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': sigAt(NOW_S - 6), 'x-ts': String(NOW_S - 6) }), strict, { now: NOW_MS }), 'stale_timestamp');
    expectOk(hmacProvider.verify(request(BODY, { 'x-sig': sigAt(NOW_S - 5), 'x-ts': String(NOW_S - 5) }), strict, { now: NOW_MS }));
  });

  it('rotation: the old secret verifies while both are configured', () => {
    const both = { ...config, secret: [SECRET, OLD_SECRET] };
    expect(hmacProvider.verify(request(BODY, { ...good, 'x-sig': sigAt(NOW_S, BODY, OLD_SECRET) }), both, { now: NOW_MS })).toMatchObject({
      ok: true,
      timestamp: NOW_S,
      secretIndex: 1,
    });
  });

  it('an empty body verifies when it is what was signed', () => {
    expectOk(hmacProvider.verify(request('', { 'x-sig': sigAt(NOW_S, ''), 'x-ts': String(NOW_S) }), config, { now: NOW_MS }));
  });

  it('non-UTF-8 body bytes are signed as bytes', () => {
    expectOk(hmacProvider.verify(request(NON_UTF8_BODY, { 'x-sig': sigAt(NOW_S, NON_UTF8_BODY), 'x-ts': String(NOW_S) }), config, { now: NOW_MS }));
  });

  it.each([
    ['hex', hex(Buffer.from('binary-key-\x00\x01\xff', 'latin1'))],
    ['base64', Buffer.from('binary-key-\x00\x01\xff', 'latin1').toString('base64')],
  ])('secretEncoding %s decodes the key before use', (secretEncoding, secret) => {
    const cfg = parse({ secret, secretEncoding, header: 'x-sig' });
    const key = Buffer.from('binary-key-\x00\x01\xff', 'latin1');
    expectOk(hmacProvider.verify(request(BODY, { 'x-sig': refDigest('sha256', 'hex', key, BODY) }), cfg));
    // The encoded text used as a UTF-8 key is a different key.
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': refDigest('sha256', 'hex', secret, BODY) }), cfg), 'bad_signature');
  });

  it('a hex secret that does not decode never becomes an empty key (forgery with an empty key fails)', () => {
    const forged = refDigest('sha256', 'hex', new Uint8Array(0), BODY);
    expectFailure(hmacProvider.verify(request(BODY, { 'x-sig': forged }), { secret: 'zz-not-hex', secretEncoding: 'hex', header: 'x-sig' }), 'invalid_config');
  });
});

describe('hmac: parseConfig', () => {
  it('accepts a full valid configuration', () => {
    const result = hmacProvider.parseConfig({
      secret: [SECRET, OLD_SECRET],
      secretEncoding: 'utf8',
      header: 'X-Signature',
      algorithm: 'sha512',
      encoding: 'base64url',
      prefix: 'v1=',
      signedContent: '{timestamp}.{header:x-id}.{body}',
      timestampHeader: 'X-Timestamp',
      toleranceSeconds: 600,
    });
    expect(result.ok).toBe(true);
  });

  it('lists every bad field at once', () => {
    const result = hmacProvider.parseConfig({
      secret: '',
      secretEncoding: 'latin1',
      header: 'not a header!',
      algorithm: 'md5',
      encoding: 'base32',
      prefix: 'p'.repeat(101),
      signedContent: '{timestamp}{nope}',
      timestampHeader: 'bad header',
      toleranceSeconds: -1,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([...new Set(result.issues.map((i) => i.field))].sort()).toEqual(
      ['algorithm', 'encoding', 'header', 'prefix', 'secret', 'secretEncoding', 'signedContent', 'timestampHeader', 'toleranceSeconds'].sort(),
    );
    for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it.each([
    [{ secret: SECRET }, ['header']],
    [{ header: 'x' }, ['secret']],
    [{ secret: SECRET, header: '' }, ['header']],
    [{ secret: SECRET, header: 'x', signedContent: '{timestamp}' }, ['signedContent']],
    [{ secret: SECRET, header: 'x', signedContent: 'no body here' }, ['signedContent']],
    [{ secret: SECRET, header: 'x', signedContent: '{timestamp}.{body}' }, ['signedContent']],
    [{ secret: SECRET, header: 'x', signedContent: 's'.repeat(501) }, ['signedContent']],
    [{ secret: 'xyz', secretEncoding: 'hex', header: 'x' }, ['secret']],
    [{ secret: 'abc', secretEncoding: 'hex', header: 'x' }, ['secret']],
    [{ secret: 'not base64!', secretEncoding: 'base64', header: 'x' }, ['secret']],
    [{ secret: SECRET, header: 'x', toleranceSeconds: 1e9 }, ['toleranceSeconds']],
    [{ secret: SECRET, header: 'x', algorithm: 'SHA256' }, ['algorithm']],
    [{ secret: SECRET, header: 'h'.repeat(101) }, ['header']],
  ])('%j → issues on %j', (raw, fields) => {
    const result = hmacProvider.parseConfig(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect([...new Set(result.issues.map((i) => i.field))]).toEqual(fields);
  });

  it('never echoes the secret in an issue message', () => {
    const secret = 'super-secret-value-do-not-log';
    const result = hmacProvider.parseConfig({ secret, secretEncoding: 'hex', header: 'x' });
    expect(JSON.stringify(result)).not.toContain(`"message":"${secret}`);
    if (!result.ok) for (const issue of result.issues) expect(issue.message).not.toContain(secret);
  });
});
