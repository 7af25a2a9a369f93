import { bodyDigestId, eventTypeName } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/** Reads a Shopify header in its classic (`X-Shopify-…`) or Events (`shopify-…`) spelling. */
function shopifyHeader(request: Parameters<Normalizer>[0], name: string): string | undefined {
  return optionalHeader(request.headers, `x-shopify-${name}`) ?? optionalHeader(request.headers, `shopify-${name}`);
}

/**
 * Shopify: `shopify.{topic with / as .}`. Shopify signs the body alone; its topic, event id,
 * webhook id and triggered-at headers are not signed. The event id (as Shopify advises for
 * duplicates) is shown; the dedup key is the digest of the signed body, so a replay under a fresh
 * X-Shopify-Event-Id or another X-Shopify-Topic is still a duplicate.
 */
export const normalizeShopify: Normalizer = (request) => {
  const topic = shopifyHeader(request, 'topic');
  if (!topic) return rejected('missing X-Shopify-Topic header');
  if (request.parsed.kind !== 'json') return rejected('Shopify payload must be JSON');
  const triggeredAt = shopifyHeader(request, 'triggered-at');
  const time = triggeredAt ? new Date(triggeredAt) : undefined;
  return {
    kind: 'event',
    event: {
      type: eventTypeName('shopify', topic),
      providerEventId: shopifyHeader(request, 'event-id') ?? shopifyHeader(request, 'webhook-id') ?? bodyDigestId(request.body),
      dedupKey: signedDigestKey(request),
      subject: shopifyHeader(request, 'shop-domain'),
      time: time && !Number.isNaN(time.getTime()) ? time : undefined,
      datacontenttype: 'application/json',
      data: request.parsed.value,
    },
  };
};
