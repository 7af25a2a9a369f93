import { optionalHeader } from '@switchyard/signing';
import { bodyDigestId, idField, stringField } from '../body.js';
import { eventTypeName } from '../event-types.js';
import { dataOf, type Normalizer } from './normalizer.js';

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
 * Generic sources (`hmac`): the type comes from a configured header or the body's `type`,
 * `event_type` or `event`; the id from a configured header or the body's `id`, else a digest of
 * the body, so a byte-identical replay is caught.
 */
export const normalizeGeneric: Normalizer = (request) => {
  const { eventTypeHeader, eventIdHeader } = naming(request.config);
  const body = request.parsed.kind === 'json' ? request.parsed.value : undefined;
  const name =
    (eventTypeHeader ? optionalHeader(request.headers, eventTypeHeader) : undefined) ??
    stringField(body, 'type') ??
    stringField(body, 'event_type') ??
    stringField(body, 'event') ??
    'event';
  const id = (eventIdHeader ? optionalHeader(request.headers, eventIdHeader) : undefined) ?? idField(body, 'id') ?? bodyDigestId(request.body);
  return { kind: 'event', event: { type: eventTypeName(request.sourceType, name), providerEventId: id, ...dataOf(request) } };
};
