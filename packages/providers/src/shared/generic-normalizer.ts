import { bodyDigestId, eventTypeName, idField, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { dataOf, type Normalizer, signedDigestKey, signedHeader } from '../core/normalizer.js';

/** Where the generic HMAC source finds an event's name and id, optionally configured. */
interface GenericNaming {
  readonly eventTypeHeader?: string;
  readonly eventIdHeader?: string;
}

function naming(config: unknown): GenericNaming {
  if (typeof config !== 'object' || config === null) return {};
  const c = config as Record<string, unknown>;
  return {
    eventTypeHeader: typeof c.eventTypeHeader === 'string' ? c.eventTypeHeader : undefined,
    eventIdHeader: typeof c.eventIdHeader === 'string' ? c.eventIdHeader : undefined,
  };
}

/**
 * Generic sources (`hmac`, `generic-webhook`): the type comes from a configured header or the
 * body's `type`, `event_type` or `event`; the id from a configured header or the body's `id`,
 * else a digest. For `hmac` a configured id header is the dedup key only when the template signs
 * it; otherwise the key is the body's `id` or the digest of the signed content, so a fresh
 * unsigned id header does not make a replay new. `generic-webhook` signs nothing (its URL is the
 * credential), so its headers are taken as they come.
 */
export const normalizeGeneric: Normalizer = (request) => {
  const { eventTypeHeader, eventIdHeader } = naming(request.config);
  const body = request.parsed.kind === 'json' ? request.parsed.value : undefined;
  const name =
    (eventTypeHeader ? optionalHeader(request.headers, eventTypeHeader) : undefined) ?? stringField(body, 'type') ?? stringField(body, 'event_type') ?? stringField(body, 'event') ?? 'event';
  const headerId = eventIdHeader ? optionalHeader(request.headers, eventIdHeader) : undefined;
  const bodyId = idField(body, 'id');
  const id = headerId ?? bodyId ?? bodyDigestId(request.body);
  const signsSomething = request.verified?.signed !== undefined;
  const signedId = signsSomething ? (eventIdHeader ? signedHeader(request, eventIdHeader) : undefined) : headerId;
  const dedupKey = signedId ?? bodyId ?? signedDigestKey(request);
  return { kind: 'event', event: { type: eventTypeName(request.sourceType, name), providerEventId: id, dedupKey, ...dataOf(request) } };
};
