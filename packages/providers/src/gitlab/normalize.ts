import { bodyDigestId, eventTypeName, stringField } from '@switchyard/events';
import { optionalHeader } from '@switchyard/signing';
import { type Normalizer, rejected, signedDigestKey, signedHeader } from '../core/normalizer.js';

/**
 * GitLab: `gitlab.{object_kind}[.{object_attributes.action}]` (push, merge_request.open, …).
 * `Idempotency-Key` (stable across retries) is shown. With a signing token its value is also the
 * signed `webhook-id`, the dedup key; with the plain X-Gitlab-Token nothing is signed, and the
 * key is the body's digest (a fresh Idempotency-Key or X-Gitlab-Event-UUID changes nothing).
 */
export const normalizeGitlab: Normalizer = (request) => {
  if (request.parsed.kind !== 'json') return rejected('GitLab payload must be JSON');
  const payload = request.parsed.value;
  const kind = stringField(payload, 'object_kind') ?? stringField(payload, 'event_name') ?? optionalHeader(request.headers, 'x-gitlab-event');
  if (!kind) return rejected('GitLab payload has no object_kind');
  const id =
    optionalHeader(request.headers, 'idempotency-key') ?? optionalHeader(request.headers, 'webhook-id') ?? optionalHeader(request.headers, 'x-gitlab-event-uuid') ?? bodyDigestId(request.body);
  return {
    kind: 'event',
    event: {
      type: eventTypeName('gitlab', kind, stringField(payload, 'object_attributes', 'action')),
      providerEventId: id,
      dedupKey: signedHeader(request, 'webhook-id') ?? signedHeader(request, 'svix-id') ?? signedDigestKey(request),
      subject: stringField(payload, 'project', 'path_with_namespace'),
      datacontenttype: 'application/json',
      data: payload,
    },
  };
};
