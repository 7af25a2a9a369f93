import { createHash } from 'node:crypto';
import { eventTypeName, idField, stringField } from '@switchyard/events';
import { type InboundRequest, type NormalizeOutcome, rejected } from '../core/normalizer.js';

/**
 * Providers that post a JSON array of events (HubSpot, SendGrid): one CloudEvent for the
 * delivery, typed by the events' common name (or `batch` when they differ), deduplicated on
 * their ids together (signed: they are in the body).
 */
export function normalizeBatch(request: InboundRequest, spec: { typeField: string; idField: string; subjectField?: string }): NormalizeOutcome {
  if (request.parsed.kind !== 'json' || !Array.isArray(request.parsed.value)) return rejected('payload must be a JSON array of events');
  const events = request.parsed.value as unknown[];
  if (events.length === 0) return rejected('payload has no events');
  const names = new Set(events.map((e) => stringField(e, spec.typeField) ?? 'unknown'));
  const ids = events.map((e) => idField(e, spec.idField));
  if (ids.some((id) => id === undefined)) return rejected(`every event needs ${spec.idField}`);
  const providerEventId = ids.length === 1 ? ids[0]! : `batch:${createHash('sha256').update(ids.join('\n')).digest('hex')}`;
  const subjects = new Set(events.map((e) => (spec.subjectField ? stringField(e, spec.subjectField) : undefined)));
  return {
    kind: 'event',
    event: {
      type: eventTypeName(request.sourceType, names.size === 1 ? [...names][0] : 'batch'),
      providerEventId,
      dedupKey: providerEventId,
      subject: subjects.size === 1 ? [...subjects][0] : undefined,
      datacontenttype: 'application/json',
      data: events,
    },
  };
}
