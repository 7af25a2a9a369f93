import { optionalHeader } from '@switchyard/signing';
import { parseUnixSeconds } from '../time.js';
import { stringField } from '../body.js';
import { eventTypeName } from '../event-types.js';
import { rejected, unixSecondsToDate, type Normalizer } from './normalizer.js';

/** Svix-signed providers (svix, clerk, resend, …): `{source type}.{payload.type}`, dedup on `svix-id`. */
export const normalizeSvix: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('payload must be JSON');
  const id = optionalHeader(request.headers, 'svix-id') ?? optionalHeader(request.headers, 'webhook-id');
  if (!id) return rejected('missing svix-id header');
  const type = stringField(request.parsed.value, 'type');
  const timestamp = optionalHeader(request.headers, 'svix-timestamp') ?? optionalHeader(request.headers, 'webhook-timestamp');
  return {
    kind: 'event',
    event: {
      type: eventTypeName(request.sourceType, type ?? 'event'),
      providerEventId: id,
      subject: stringField(request.parsed.value, 'data', 'id'),
      time: unixSecondsToDate(timestamp === undefined ? undefined : parseUnixSeconds(timestamp)),
      datacontenttype: 'application/json',
      data: request.parsed.value,
    },
  };
};
