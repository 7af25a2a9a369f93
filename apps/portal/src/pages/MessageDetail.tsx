import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap, type Schemas } from '../api/client';
import { can } from '../capabilities';
import { Empty, ErrorState, InlineError, Json, Loading, PageHeader, StatusBadge, formatTime } from '../components/ui';
import { usePortal } from '../portal-context';
import { PAGE } from '../queries';
import { Link } from '../router';

/**
 * The headers an attempt sent, as the dispatcher recorded them (signatures and credentials
 * redacted). Attempts recorded before it kept them: the Standard Webhooks set rebuilt, then the
 * endpoint's own headers as they are now.
 */
export function requestHeaders(attempt: Schemas['MessageAttemptOut'], custom: Record<string, string>): Record<string, string> {
  if (attempt.requestHeaders && Object.keys(attempt.requestHeaders).length > 0) return attempt.requestHeaders;
  return {
    'content-type': 'application/json',
    'webhook-id': attempt.msgId,
    'webhook-timestamp': String(Math.floor(new Date(attempt.timestamp).getTime() / 1000)),
    'webhook-signature': 'v1,… (one per active secret)',
    ...custom,
  };
}

function useAttempts(msgId: string) {
  const { api, session } = usePortal();
  return useQuery({
    queryKey: ['attempts', session.appId, msgId],
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/attempt/msg/{msg_id}', { params: { path: { app_id: session.appId, msg_id: msgId }, query: { limit: PAGE } } })),
    refetchInterval: (q) => (q.state.data?.data.some((a) => a.status === 1 || a.status === 3) ? 1000 : 3000),
  });
}

export function AttemptView({ attempt, payload, customHeaders }: { attempt: Schemas['MessageAttemptOut']; payload: unknown; customHeaders: Record<string, string> }) {
  const ok = attempt.status === 0;
  return (
    <li className="attempt" data-testid="attempt">
      <div className="attempt-head">
        <StatusBadge status={attempt.status} />
        <span className="mono">{attempt.responseStatusCode > 0 ? `HTTP ${attempt.responseStatusCode}` : (attempt.error ?? 'no response')}</span>
        <span>{attempt.responseDurationMs} ms</span>
        <span className="muted">{formatTime(attempt.timestamp)}</span>
        <span className="muted">{attempt.triggerType === 1 ? 'manual' : 'scheduled'}</span>
      </div>
      <details open={!ok}>
        <summary>Request and response of attempt {attempt.id}</summary>
        <div className="grid2">
          <div>
            <h4>Request</h4>
            <p className="mono">POST {attempt.url}</p>
            <Json
              value={Object.entries(requestHeaders(attempt, customHeaders))
                .map(([k, v]) => `${k}: ${v}`)
                .join('\n')}
              label={`Request headers of ${attempt.id}`}
            />
            <Json value={payload} label={`Request body of ${attempt.id}`} />
          </div>
          <div>
            <h4>Response</h4>
            <p>
              Status{' '}
              <span className="mono" data-testid="response-status">
                {attempt.responseStatusCode || '—'}
              </span>
              , {attempt.responseDurationMs} ms
            </p>
            {attempt.errorDetail && <p className="inline-error">{attempt.errorDetail}</p>}
            <Json value={attempt.response || '(empty body)'} label={`Response body of ${attempt.id}`} />
          </div>
        </div>
      </details>
    </li>
  );
}

export function MessageDetailPage({ msgId }: { msgId: string }) {
  const { api, session } = usePortal();
  const queryClient = useQueryClient();
  const message = useQuery({
    queryKey: ['message', session.appId, msgId],
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/msg/{msg_id}', { params: { path: { app_id: session.appId, msg_id: msgId }, query: { with_content: true } } })),
  });
  const attempts = useAttempts(msgId);
  const destinations = useQuery({
    queryKey: ['destinations', session.appId, msgId],
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/msg/{msg_id}/endpoint', { params: { path: { app_id: session.appId, msg_id: msgId }, query: { limit: PAGE } } })),
    refetchInterval: 3000,
  });
  const headers = useQuery({
    queryKey: ['all-headers', session.appId, destinations.data?.data.map((d) => d.id).join(',')],
    enabled: destinations.isSuccess,
    queryFn: async () => {
      const out: Record<string, Record<string, string>> = {};
      for (const d of destinations.data?.data ?? []) {
        const h = await unwrap(api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', { params: { path: { app_id: session.appId, endpoint_id: d.id } } })).catch(() => null);
        out[d.id] = h ? { ...h.headers, ...Object.fromEntries(h.sensitive.map((k) => [k, '(hidden)'])) } : {};
      }
      return out;
    },
  });
  const resend = useMutation({
    mutationFn: (endpointId: string) =>
      unwrap(api.POST('/api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend', { params: { path: { app_id: session.appId, msg_id: msgId, endpoint_id: endpointId } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['attempts', session.appId, msgId] });
      await queryClient.invalidateQueries({ queryKey: ['destinations', session.appId, msgId] });
    },
  });
  const mayResend = can(session, 'createAttempts');

  if (message.isPending) return <Loading what="the message" />;
  if (message.isError) return <ErrorState error={message.error} retry={() => void message.refetch()} />;
  const msg = message.data;
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="logs">← All messages</Link>
      </p>
      <PageHeader title={msg.eventType} />
      <dl className="facts">
        <dt>Message</dt>
        <dd className="mono">{msg.id}</dd>
        {msg.eventId && (
          <>
            <dt>Event id</dt>
            <dd className="mono">{msg.eventId}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatTime(msg.timestamp)}</dd>
      </dl>
      <h2>Payload</h2>
      <Json value={msg.payload} label="Message payload" />
      <h2>Endpoints</h2>
      {destinations.isPending ? (
        <Loading what="endpoints" />
      ) : destinations.isError ? (
        <ErrorState error={destinations.error} />
      ) : destinations.data.data.length === 0 ? (
        <Empty title="Not sent to any endpoint" />
      ) : (
        <ul className="plain">
          {destinations.data.data.map((d) => (
            <li key={d.id} className="row">
              <StatusBadge status={d.status} />
              <Link to={`endpoints/${d.id}`} className="mono">
                {d.url}
              </Link>
              {mayResend && (
                <button type="button" className="btn" onClick={() => resend.mutate(d.id)} disabled={resend.isPending} aria-label={`Resend to ${d.url}`}>
                  Resend
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <InlineError error={resend.error} />
      {resend.isSuccess && <p role="status">Resent; the new attempt appears below.</p>}
      <h2>Attempts</h2>
      {attempts.isPending ? (
        <Loading what="attempts" />
      ) : attempts.isError ? (
        <ErrorState error={attempts.error} />
      ) : attempts.data.data.length === 0 ? (
        <Empty title="No attempts yet">
          <p>Attempts appear here as soon as they are made.</p>
        </Empty>
      ) : (
        <ul className="plain" aria-label="Attempts, newest first">
          {attempts.data.data.map((a) => (
            <AttemptView key={a.id} attempt={a} payload={msg.payload} customHeaders={headers.data?.[a.endpointId] ?? {}} />
          ))}
        </ul>
      )}
    </section>
  );
}
