import type { Normalizer } from '../core/normalizer.js';
import { normalizeBatch } from '../shared/batch.js';

/** HubSpot: a JSON array of events; `hubspot.{subscriptionType}` (contact.creation …), dedup on `eventId`. */
export const normalizeHubspot: Normalizer = (request) => normalizeBatch(request, { typeField: 'subscriptionType', idField: 'eventId', subjectField: 'portalId' });
