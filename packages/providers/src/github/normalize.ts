import { eventTypeName, parseJson, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey } from '../core/normalizer.js';

/**
 * GitHub: `github.{X-GitHub-Event}[.{action}]`. GitHub signs the body alone: X-GitHub-Event,
 * X-GitHub-Delivery and X-GitHub-Hook-ID are not signed, so anyone holding one delivery could
 * resend it under a fresh GUID or another event name. The dedup key is therefore the digest of
 * the signed body, and the GUID is only shown (`providereventid`). The event name stays the
 * header's: the body does not name its event, and guessing it from the body's shape would be
 * ambiguous (a pull_request_review body holds a pull_request too). A relabelled replay is still
 * a duplicate, because its body, and so its key, is the same.
 */
export const normalizeGithub: Normalizer = (request) => {
  const event = optionalHeader(request.headers, 'x-github-event');
  const delivery = optionalHeader(request.headers, 'x-github-delivery');
  if (!event) return rejected('missing X-GitHub-Event header');
  if (!delivery) return rejected('missing X-GitHub-Delivery header');
  let payload: unknown;
  if (request.parsed.kind === 'json') {
    payload = request.parsed.value;
  } else if (request.parsed.kind === 'form' && typeof request.parsed.value.payload === 'string') {
    // Hooks configured with content type application/x-www-form-urlencoded send payload=<json>.
    const parsed = parseJson(request.parsed.value.payload);
    if (!parsed.ok) return rejected(parsed.reason);
    payload = parsed.value;
  } else {
    return rejected('GitHub payload must be JSON');
  }
  const action = stringField(payload, 'action');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('github', event, action),
      providerEventId: delivery,
      dedupKey: signedDigestKey(request),
      subject: stringField(payload, 'repository', 'full_name') ?? stringField(payload, 'organization', 'login'),
      datacontenttype: 'application/json',
      data: payload,
    },
  };
};
