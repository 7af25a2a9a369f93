import type { Normalizer } from '../core/normalizer.js';
import { normalizeBatch } from '../shared/batch.js';

/** SendGrid: a JSON array of events; `sendgrid.{event}` (delivered, open …), dedup on `sg_event_id`. */
export const normalizeSendgrid: Normalizer = (request) => normalizeBatch(request, { typeField: 'event', idField: 'sg_event_id' });
