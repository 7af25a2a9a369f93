// Every regex of the signing package that sees provider input (signature headers, the public URL)
// or configuration, fed adversarial inputs up to and past 1 MiB: the work must grow linearly.
// Headers longer than 8 KiB are refused before any regex runs; the helpers are exported and
// reachable with longer text, so they are bounded on their own too.
import { describe, expect, it } from '@jest/globals';
import { assertLinear, ONE_MIB } from '@switchyard/jest-config/growth';
import {
  decodeDigest,
  decodeWebhookSecret,
  ed25519KeyFromHex,
  hubspotUri,
  parseSignedContentTemplate,
  VERIFIERS,
  p256KeyFromBase64,
  twilioUrlVariants,
  verifyStandardWebhook,
  type DigestEncoding,
} from './sut.js';
import { parseUnixSeconds } from './sut.js';
import { CONFIGS } from './provider-fixtures.js';

describe('digest and key decoding', () => {
  const shapes: Record<DigestEncoding, Record<string, (n: number) => string>> = {
    hex: { 'odd hex': (n) => 'a'.repeat(n | 1), 'hex + g': (n) => `${'ab'.repeat(n / 2)}g`, 'g + hex': (n) => `g${'a'.repeat(n)}` },
    base64: { 'A.. + !': (n) => `${'A'.repeat(n)}!`, 'A + ===': (n) => `A${'='.repeat(n)}`, 'A.. + === + A': (n) => `${'A'.repeat(n)}===A` },
    base64url: { 'A.. + !': (n) => `${'A'.repeat(n)}!`, 'A + ===': (n) => `A${'='.repeat(n)}`, '= run + x': (n) => `${'='.repeat(n)}x` },
  };
  for (const [encoding, cases] of Object.entries(shapes) as [DigestEncoding, Record<string, (n: number) => string>][]) {
    it.each(Object.entries(cases))(`decodeDigest ${encoding}: %s`, (label, make) => {
      assertLinear(`${encoding} ${label}`, make, (s) => decodeDigest(s, encoding));
    });
  }

  it('base64url keeps decoding what it did when it stripped "=" with a regex', () => {
    for (const text of ['YWJj', 'YWI=', 'YQ==', 'YQ', '_-8', 'AA==']) {
      expect(decodeDigest(text, 'base64url')).toEqual(Buffer.from(text.replace(/=+$/, ''), 'base64url'));
    }
    expect(decodeDigest('YQ===', 'base64url')).toBeUndefined();
  });

  it('whsec_ secrets and public keys (configuration)', () => {
    assertLinear(
      'decodeWebhookSecret',
      (n) => `whsec_${'A'.repeat(n)}!`,
      (s) => decodeWebhookSecret(s),
    );
    assertLinear(
      'p256KeyFromBase64 spaces',
      (n) => `A${' \n'.repeat(n / 2)}A!`,
      (s) => p256KeyFromBase64(s),
    );
    assertLinear(
      'ed25519KeyFromHex',
      (n) => 'a'.repeat(n),
      (s) => ed25519KeyFromHex(s),
    );
  });

  it('timestamps', () => {
    assertLinear(
      'parseUnixSeconds',
      (n) => `${'1'.repeat(n)}x`,
      (s) => parseUnixSeconds(s),
    );
  });
});

describe('URLs (the public URL carries the provider query)', () => {
  it('twilioUrlVariants: a scheme that never ends, an authority that never ends', () => {
    assertLinear(
      'scheme',
      (n) => 'a'.repeat(n),
      (s) => twilioUrlVariants(s),
    );
    assertLinear(
      'authority',
      (n) => `https://${'a'.repeat(n)}`,
      (s) => twilioUrlVariants(s),
    );
    assertLinear(
      'ports',
      (n) => `https://${':'.repeat(n)}/`,
      (s) => twilioUrlVariants(s),
    );
  });

  it('hubspotUri: escapes that almost match', () => {
    assertLinear(
      'hubspot %3',
      (n) => `https://h.test/?q=${'%3'.repeat(n / 2)}`,
      (s) => hubspotUri(s),
    );
    assertLinear(
      'hubspot %3A',
      (n) => `https://h.test/?q=${'%3A'.repeat(n / 3)}`,
      (s) => hubspotUri(s),
    );
  });
});

describe('signed-content templates (configuration, at most 500 characters there)', () => {
  it('tokens that never close', () => {
    const parse = (s: string) => {
      try {
        parseSignedContentTemplate(s);
      } catch {
        // RangeError names the bad token: expected for these shapes.
      }
    };
    assertLinear('{aaa', (n) => `{${'a'.repeat(n)}`, parse);
    assertLinear('{a:', (n) => '{a:'.repeat(n / 3), parse);
    assertLinear('{header:aaa', (n) => `{header:${'a'.repeat(n)}`, parse);
  });
});

describe('whole verifiers on huge headers and bodies', () => {
  const body = (n: number) => new Uint8Array(n).fill(0x5f);

  it.each([...VERIFIERS.keys()])('%s: every header ~n characters long', (type) => {
    const provider = VERIFIERS.get(type)!;
    const parsed = provider.parseConfig(CONFIGS[type]);
    if (!parsed.ok) throw new Error('config does not parse');
    const headerNames = [
      'x-hub-signature-256',
      'x-hub-signature',
      'stripe-signature',
      'webhook-signature',
      'svix-signature',
      'paddle-signature',
      'x-pagerduty-signature',
      'x-twilio-signature',
      'x-slack-signature',
    ];
    assertLinear(
      type,
      (n) => Object.fromEntries(headerNames.map((h) => [h, `v1=${'a,'.repeat(n / 2)}`])),
      (headers) => provider.verify({ body: new Uint8Array(16), headers, method: 'POST', url: 'https://x.test/in/t' }, parsed.config),
    );
  });

  it.each([...VERIFIERS.keys()])('%s: a body of n underscores', (type) => {
    const provider = VERIFIERS.get(type)!;
    const parsed = provider.parseConfig(CONFIGS[type]);
    if (!parsed.ok) throw new Error('config does not parse');
    const headers = { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'webhook-id': 'm', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' };
    assertLinear(type, body, (b) => provider.verify({ body: b, headers, method: 'POST', url: 'https://x.test/in/t' }, parsed.config, { now: 1000 }), {
      minN: 64 * 1024,
      maxN: 4 * ONE_MIB,
    });
  });

  it('Standard Webhooks: a signature header of 8 KiB of entries is refused, not parsed', () => {
    const headers = { 'webhook-id': 'm', 'webhook-timestamp': '1', 'webhook-signature': 'v1,A '.repeat(1638) };
    const result = verifyStandardWebhook({ body: new Uint8Array(), headers }, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, { now: 1000 });
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
