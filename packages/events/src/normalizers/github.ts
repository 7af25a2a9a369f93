import { optionalHeader } from '@switchyard/signing';
import { parseJson, stringField } from '../body.js';
import { eventTypeName } from '../event-types.js';
import { rejected, type Normalizer } from './normalizer.js';

/**
 * GitHub: `github.{X-GitHub-Event}[.{action}]`. The dedup key is the delivery GUID together with
 * the hook id, because GitHub shares one delivery GUID across every hook an event goes to.
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
  const hookId = optionalHeader(request.headers, 'x-github-hook-id');
  const action = stringField(payload, 'action');
  return {
    kind: 'event',
    event: {
      type: eventTypeName('github', event, action),
      providerEventId: hookId ? `${hookId}:${delivery}` : delivery,
      subject: stringField(payload, 'repository', 'full_name') ?? stringField(payload, 'organization', 'login'),
      datacontenttype: 'application/json',
      data: payload,
    },
  };
};
