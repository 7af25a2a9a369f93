// Every regex and trim in this package that sees provider input, fed adversarial inputs of up to
// and past 1 MiB: the work must grow linearly (issue 12 item 1: `/^_+|_+$/g` took quadratic time
// on `a___…___b`, and one generic-webhook request blocked the gateway's event loop for > 30 s).
import { describe, it } from '@jest/globals';
import { isValidEventTypeName, normalizeBitbucket, normalizeGeneric, normalizeGithub, normalizeShopify, parseBody, type InboundRequest } from './sut.js';
import { assertLinear } from '@switchyard/jest-config/growth';

const enc = (s: string) => new TextEncoder().encode(s);

/** The worst inputs for a trim-and-replace of a name: runs that almost end, runs of separators. */
const _NAME_SHAPES: Record<string, (n: number) => string> = {
  'a + underscores + b': (n) => `a${'_'.repeat(n)}b`,
  'underscores + b': (n) => `${'_'.repeat(n)}b`,
  'a + underscores': (n) => `a${'_'.repeat(n)}`,
  'a + punctuation + b': (n) => `a${'!'.repeat(n)}b`,
  'a + "_!" pairs + b': (n) => `a${'_!'.repeat(n / 2)}b`,
  'a + spaces + b': (n) => `a${' '.repeat(n)}b`,
  'spaces + a + spaces': (n) => `${' '.repeat(n / 2)}a${' '.repeat(n / 2)}`,
  dots: (n) => '.'.repeat(n),
  'a + dots + b': (n) => `a${'.'.repeat(n)}b`,
  '"a." pairs': (n) => 'a.'.repeat(n / 2),
  slashes: (n) => '/'.repeat(n),
  'surrogate pairs': (n) => '😀'.repeat(n / 2),
};

function request(sourceType: string, body: string, headers: Record<string, string> = {}, contentType = 'application/json'): InboundRequest {
  const bytes = enc(body);
  return { sourceType, body: bytes, headers: { 'content-type': contentType, ...headers }, contentType, parsed: parseBody(bytes, contentType) };
}

describe('normalizers: the type comes from untrusted input and costs linear work', () => {
  it('generic-webhook: a body type of a + n underscores + b (no signature needed)', () => {
    assertLinear(
      'generic-webhook type',
      (n) => JSON.stringify({ type: `a${'_'.repeat(n)}b` }),
      (body) => {
        const outcome = normalizeGeneric(request('generic-webhook', body));
        if (outcome.kind !== 'event' || !isValidEventTypeName(outcome.event.type)) throw new Error('not a valid event');
      },
    );
  });

  it('github, shopify and bitbucket read the type from a header (bounded at 8 KiB before any regex)', () => {
    const body = '{"action":"x"}';
    for (const [normalize, type, header] of [
      [normalizeGithub, 'github', 'x-github-event'],
      [normalizeShopify, 'shopify', 'x-shopify-topic'],
      [normalizeBitbucket, 'bitbucket', 'x-event-key'],
    ] as const) {
      assertLinear(
        `${type} ${header}`,
        (n) => `a${'_:/'.repeat(n / 3)}b`,
        (value) => normalize(request(type, body, { [header]: value, 'x-github-delivery': 'd', 'x-request-uuid': 'u' })),
      );
    }
  });
});
