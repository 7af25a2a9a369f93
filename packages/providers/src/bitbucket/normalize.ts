import { bodyDigestId, eventTypeName, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/**
 * Bitbucket: `bitbucket.{X-Event-Key with : as .}` (repo.push …). Bitbucket signs the body alone:
 * X-Event-Key, X-Request-UUID (Cloud), X-Request-Id (Data Center) and X-Hook-UUID are not signed.
 * The request id is shown; the dedup key is the digest of the signed body, so a replay under a
 * fresh request id or another event key is a duplicate. The body does not name its event, so the
 * type stays the header's.
 */
export const normalizeBitbucket: Normalizer = (request) => {
  const key = optionalHeader(request.headers, 'x-event-key');
  if (!key) return rejected('missing X-Event-Key header');
  if (request.parsed.kind !== 'json') return rejected('Bitbucket payload must be JSON');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('bitbucket', key.replace(/:/g, '.')),
      providerEventId: optionalHeader(request.headers, 'x-request-uuid') ?? optionalHeader(request.headers, 'x-request-id') ?? bodyDigestId(request.body),
      dedupKey: signedDigestKey(request),
      subject: stringField(request.parsed.value, 'repository', 'full_name'),
      datacontenttype: 'application/json',
      data: request.parsed.value,
    },
  };
};
