import { describe, expect, it } from '@jest/globals';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { shopify, type ShopifyConfig } from './sut.js';
import { HUGE, NON_UTF8_BODY, b64, expectFailure, expectOk, flipByte, refHmac, request, sha256Hex } from './helpers.js';

const SECRET = 'shpss_0123456789abcdef0123456789abcdef';
const OLD_SECRET = 'shpss_previous_secret_fedcba9876543210';
const BODY = JSON.stringify({
  id: 820982911946154500,
  email: 'jon@example.com',
  total_price: '199.65',
  line_items: [{ id: 866550311766439000, title: 'IPod Nano - 8GB', quantity: 1, price: '199.00' }],
  note: 'Geschenkverpackung — bitte 🎁',
});
const config: ShopifyConfig = { secret: SECRET };

/** The documented bytes: base64 HMAC-SHA256 of the raw body with the client secret. */
function refSig(secret: string, body: string | Uint8Array): string {
  return b64(refHmac('sha256', secret, body));
}

const classicHeaders = (hmac: string): Record<string, string> => ({
  'x-shopify-hmac-sha256': hmac,
  'x-shopify-topic': 'orders/create',
  'x-shopify-shop-domain': 'example.myshopify.com',
  'x-shopify-api-version': '2025-07',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  'x-shopify-triggered-at': '2025-07-01T12:00:00.000Z',
});

const eventsHeaders = (hmac: string): Record<string, string> => ({
  'shopify-hmac-sha256': hmac,
  'shopify-topic': 'orders/create',
  'shopify-shop-domain': 'example.myshopify.com',
  'shopify-api-version': '2025-07',
  'shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
});

/** Runs @shopify/shopify-api's own webhook validation over a Node request carrying the headers. */
async function shopifyValidates(body: string, headers: Record<string, string>, secret = SECRET): Promise<boolean> {
  const api = shopifyApi({
    apiKey: 'test-api-key',
    apiSecretKey: secret,
    apiVersion: ApiVersion.July25,
    hostName: 'app.test',
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async () => {} },
  });
  const rawRequest = new IncomingMessage(new Socket());
  rawRequest.headers = headers;
  const result = await api.webhooks.validate({ rawBody: body, rawRequest, rawResponse: new ServerResponse(rawRequest) });
  return result.valid;
}

describe('shopify: cross-checked with @shopify/shopify-api', () => {
  it('the test-helper getHmac equals the independent HMAC', () => {
    expect(getHmac(BODY, SECRET)).toBe(refSig(SECRET, BODY));
  });

  it.each([
    ['classic X-Shopify-* headers', classicHeaders],
    ['Events shopify-* headers', eventsHeaders],
  ])('getHmac signs (%s), shopify validate and we accept', async (_name, make) => {
    const headers = make(getHmac(BODY, SECRET));
    await expect(shopifyValidates(BODY, headers)).resolves.toBe(true);
    expect(shopify.verify(request(BODY, headers), config)).toEqual({ ok: true, secretIndex: 0, signed: { headers: {}, body: true, digest: sha256Hex(BODY) } });
  });

  it.each([
    ['classic X-Shopify-* headers', classicHeaders],
    ['Events shopify-* headers', eventsHeaders],
  ])('the documented bytes built independently (%s): shopify validate and we accept', async (_name, make) => {
    const headers = make(refSig(SECRET, BODY));
    await expect(shopifyValidates(BODY, headers)).resolves.toBe(true);
    expectOk(shopify.verify(request(BODY, headers), config));
  });

  it('getHmac signs with another secret: shopify validate and we reject', async () => {
    const headers = classicHeaders(getHmac(BODY, 'shpss_other'));
    await expect(shopifyValidates(BODY, headers)).resolves.toBe(false);
    expectFailure(shopify.verify(request(BODY, headers), config), 'bad_signature');
  });

  it('a flipped body byte: shopify validate and we reject', async () => {
    const headers = classicHeaders(getHmac(BODY, SECRET));
    const mutated = flipByte(BODY, 10).toString('utf8');
    await expect(shopifyValidates(mutated, headers)).resolves.toBe(false);
    expectFailure(shopify.verify(request(mutated, headers), config), 'bad_signature');
  });

  it('a hex digest instead of base64 (valid base64 text, wrong length): shopify validate and we reject', async () => {
    const headers = classicHeaders(Buffer.from(refSig(SECRET, BODY), 'base64').toString('hex'));
    await expect(shopifyValidates(BODY, headers)).resolves.toBe(false);
    expectFailure(shopify.verify(request(BODY, headers), config), 'bad_signature');
  });

  it('rotation: a request signed with the old client secret verifies while both are configured', async () => {
    const headers = classicHeaders(getHmac(BODY, OLD_SECRET));
    await expect(shopifyValidates(BODY, headers, OLD_SECRET)).resolves.toBe(true);
    expect(shopify.verify(request(BODY, headers), { secret: [SECRET, OLD_SECRET] })).toMatchObject({ ok: true, secretIndex: 1 });
    expectFailure(shopify.verify(request(BODY, headers), config), 'bad_signature');
  });
});

describe('shopify: one broken thing per case', () => {
  const good = refSig(SECRET, BODY);
  type Case = [string, string | Uint8Array, Record<string, string | string[]>, ShopifyConfig, string];
  const cases: Case[] = [
    ['wrong secret', BODY, { 'x-shopify-hmac-sha256': refSig(OLD_SECRET, BODY) }, config, 'bad_signature'],
    ['one flipped body byte', flipByte(BODY), { 'x-shopify-hmac-sha256': good }, config, 'bad_signature'],
    ['missing header', BODY, { 'x-shopify-topic': 'orders/create' }, config, 'missing_header'],
    ['empty header', BODY, { 'x-shopify-hmac-sha256': '' }, config, 'missing_header'],
    ['duplicated header with different values', BODY, { 'x-shopify-hmac-sha256': [good, refSig(OLD_SECRET, BODY)] }, config, 'malformed'],
    ['duplicated Events header', BODY, { 'shopify-hmac-sha256': [good, refSig(OLD_SECRET, BODY)] }, config, 'malformed'],
    ['64 KiB header', BODY, { 'x-shopify-hmac-sha256': HUGE }, config, 'malformed'],
    ['64 KiB Events header', BODY, { 'shopify-hmac-sha256': HUGE }, config, 'malformed'],
    ['64 KiB classic header beside a valid Events header', BODY, { 'x-shopify-hmac-sha256': HUGE, 'shopify-hmac-sha256': good }, config, 'malformed'],
    ['not base64', BODY, { 'x-shopify-hmac-sha256': '!!!not-base64!!!' }, config, 'malformed'],
    ['base64url alphabet', BODY, { 'x-shopify-hmac-sha256': Buffer.from(good, 'base64').toString('base64url') }, config, 'malformed'],
    ['a sha256= prefix', BODY, { 'x-shopify-hmac-sha256': `sha256=${good}` }, config, 'malformed'],
    ['missing padding', BODY, { 'x-shopify-hmac-sha256': good.replace(/=+$/, '') }, config, 'malformed'],
    ['truncated digest (valid base64)', BODY, { 'x-shopify-hmac-sha256': Buffer.from(good, 'base64').subarray(0, 24).toString('base64') }, config, 'bad_signature'],
    ['signature of an empty body', BODY, { 'x-shopify-hmac-sha256': refSig(SECRET, '') }, config, 'bad_signature'],
    ['no secret', BODY, { 'x-shopify-hmac-sha256': good }, { secret: [] }, 'invalid_config'],
  ];
  it.each(cases)('%s', (_name, body, headers, cfg, reason) => {
    expectFailure(shopify.verify(request(body, headers), cfg), reason as never);
  });

  it('the good request verifies with either header spelling and any header-name case', () => {
    for (const name of ['x-shopify-hmac-sha256', 'X-Shopify-Hmac-Sha256', 'shopify-hmac-sha256']) {
      expectOk(shopify.verify(request(BODY, { [name]: good }), config));
    }
  });

  it('the classic header wins over the Events one when both are present', () => {
    expectFailure(shopify.verify(request(BODY, { 'x-shopify-hmac-sha256': refSig(OLD_SECRET, BODY), 'shopify-hmac-sha256': good }), config), 'bad_signature');
  });

  it('an empty body verifies when it is what was signed', () => {
    expectOk(shopify.verify(request('', { 'x-shopify-hmac-sha256': refSig(SECRET, '') }), config));
  });

  it('non-UTF-8 body bytes are signed as bytes', () => {
    expectOk(shopify.verify(request(NON_UTF8_BODY, { 'x-shopify-hmac-sha256': refSig(SECRET, NON_UTF8_BODY) }), config));
  });

  it('there is no timestamp in the scheme: an old delivery still verifies', () => {
    expectOk(shopify.verify(request(BODY, { 'x-shopify-hmac-sha256': good, 'x-shopify-triggered-at': '2001-01-01T00:00:00Z' }), config, { now: Date.now() + 1e12 }));
  });

  it.each([
    [{ secret: SECRET }, true],
    [{ secret: [SECRET, OLD_SECRET] }, true],
    [{ secret: null }, false],
    [{ shopifySecret: SECRET }, false],
  ])('parseConfig(%j) → ok=%s', (raw, ok) => {
    expect(shopify.parseConfig(raw).ok).toBe(ok);
  });
});
