import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { unwrap } from '../api/client';
import { can } from '../capabilities';
import { ErrorState, InlineError, Loading, PageHeader, formatTime } from '../components/ui';
import { usePortal } from '../portal-context';
import { useEndpoint } from '../queries';
import { Link, useRouter } from '../router';
import { EndpointForm } from './EndpointForm';

export function NewEndpointPage() {
  const { navigate } = useRouter();
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="New endpoint" />
      <EndpointForm onDone={(id) => navigate(`endpoints/${id}`)} onCancel={() => navigate('endpoints')} />
    </section>
  );
}

function useHeaders(endpointId: string, enabled: boolean) {
  const { api, session } = usePortal();
  return useQuery({
    queryKey: ['headers', session.appId, endpointId],
    enabled,
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', { params: { path: { app_id: session.appId, endpoint_id: endpointId } } })),
  });
}

export function EditEndpointPage({ endpointId }: { endpointId: string }) {
  const { navigate } = useRouter();
  const endpoint = useEndpoint(endpointId);
  const headers = useHeaders(endpointId, true);
  if (endpoint.isPending || headers.isPending) return <Loading what="the endpoint" />;
  if (endpoint.isError) return <ErrorState error={endpoint.error} />;
  if (headers.isError) return <ErrorState error={headers.error} />;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Edit endpoint" />
      <EndpointForm endpoint={endpoint.data} headers={headers.data.headers} onDone={(id) => navigate(`endpoints/${id}`)} onCancel={() => navigate(`endpoints/${endpointId}`)} />
    </section>
  );
}

function SecretPanel({ endpointId }: { endpointId: string }) {
  const { api, session } = usePortal();
  const path = { app_id: session.appId, endpoint_id: endpointId };
  const [secret, setSecret] = useState<string | null>(null);
  const reveal = useMutation({
    mutationFn: () => unwrap(api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret', { params: { path } })),
    onSuccess: (s) => setSecret(s.key),
  });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate', { params: { path }, body: {} })),
    onSuccess: () => setSecret(null),
  });
  const mayView = can(session, 'revealSecret');
  const mayRotate = can(session, 'rotateSecret');
  if (!mayView && !mayRotate) return null;
  return (
    <section className="card" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      <p className="hint">
        Verify each delivery's <code>webhook-signature</code> with this secret (Standard Webhooks).
      </p>
      <div className="row">
        <code className="secret" aria-live="polite" data-testid="secret">
          {secret ?? 'whsec_••••••••••••••••••••••••'}
        </code>
        {mayView &&
          (secret ? (
            <button type="button" className="btn" onClick={() => setSecret(null)}>
              Hide secret
            </button>
          ) : (
            <button type="button" className="btn" onClick={() => reveal.mutate()} disabled={reveal.isPending}>
              Reveal secret
            </button>
          ))}
        {mayRotate && (
          <button
            type="button"
            className="btn"
            disabled={rotate.isPending}
            onClick={() => {
              if (window.confirm('Rotate the signing secret? The old one keeps signing beside the new one for 24 hours.')) rotate.mutate();
            }}
          >
            Rotate secret
          </button>
        )}
      </div>
      {rotate.isSuccess && <p role="status">The secret was rotated; the old one stays valid for 24 hours.</p>}
      <InlineError error={reveal.error ?? rotate.error} />
    </section>
  );
}

export function CircuitBadge({ state }: { state: string | undefined }) {
  if (!state) return <span className="muted">not reported yet</span>;
  const kind = state === 'closed' ? 'ok' : state === 'open' ? 'fail' : 'pending';
  const text = state === 'closed' ? 'Closed (delivering)' : state === 'open' ? 'Open (paused after failures)' : 'Half-open (probing)';
  return <span className={`badge badge-${kind}`}>{text}</span>;
}

export function EndpointDetailPage({ endpointId }: { endpointId: string }) {
  const { api, session } = usePortal();
  const { navigate } = useRouter();
  const queryClient = useQueryClient();
  const endpoint = useEndpoint(endpointId);
  const mayManage = can(session, 'manageEndpoint');
  const headers = useHeaders(endpointId, true);
  const path = { app_id: session.appId, endpoint_id: endpointId };
  const stats = useQuery({
    queryKey: ['stats', session.appId, endpointId],
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats', { params: { path } })),
  });
  const setDisabled = useMutation({
    mutationFn: (disabled: boolean) => unwrap(api.PATCH('/api/v1/app/{app_id}/endpoint/{endpoint_id}', { params: { path }, body: { disabled } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['endpoint', session.appId, endpointId] });
      await queryClient.invalidateQueries({ queryKey: ['endpoints', session.appId] });
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/app/{app_id}/endpoint/{endpoint_id}', { params: { path } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['endpoints', session.appId] });
      navigate('endpoints');
    },
  });

  if (endpoint.isPending) return <Loading what="the endpoint" />;
  if (endpoint.isError) return <ErrorState error={endpoint.error} retry={() => void endpoint.refetch()} />;
  const ep = endpoint.data;
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="endpoints">← All endpoints</Link>
      </p>
      <PageHeader title={ep.description || 'Endpoint'}>
        {mayManage && (
          <>
            <Link to={`endpoints/${ep.id}/edit`} className="btn">
              Edit
            </Link>
            <button type="button" className="btn" onClick={() => setDisabled.mutate(!ep.disabled)} disabled={setDisabled.isPending}>
              {ep.disabled ? 'Enable' : 'Disable'}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={remove.isPending}
              onClick={() => {
                if (window.confirm(`Delete the endpoint ${ep.url}? Its delivery history goes with it.`)) remove.mutate();
              }}
            >
              Delete
            </button>
          </>
        )}
      </PageHeader>
      <InlineError error={setDisabled.error ?? remove.error} />
      <dl className="facts">
        <dt>URL</dt>
        <dd className="mono" data-testid="endpoint-url">
          {ep.url}
        </dd>
        <dt>State</dt>
        <dd>{ep.disabled ? <span className="badge badge-fail">Disabled</span> : <span className="badge badge-ok">Enabled</span>}</dd>
        <dt>Event types</dt>
        <dd>{ep.filterTypes?.length ? ep.filterTypes.join(', ') : 'all'}</dd>
        <dt>Channels</dt>
        <dd>{ep.channels?.length ? ep.channels.join(', ') : 'all'}</dd>
        <dt>Rate limit</dt>
        <dd>{ep.throttleRate ? `${ep.throttleRate} per second` : 'none'}</dd>
        <dt>Custom headers</dt>
        <dd>
          {headers.data
            ? Object.keys(headers.data.headers).length + headers.data.sensitive.length === 0
              ? 'none'
              : [...Object.entries(headers.data.headers).map(([k, v]) => `${k}: ${v}`), ...headers.data.sensitive.map((k) => `${k}: (hidden)`)].join('; ')
            : '…'}
        </dd>
        <dt>Circuit</dt>
        <dd>{stats.data ? <CircuitBadge state={stats.data.circuit?.state} /> : '…'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(ep.createdAt)}</dd>
      </dl>
      <p>
        <Link to={`logs/endpoint/${ep.id}`}>Delivery log of this endpoint</Link> · <Link to={`health`}>Health</Link>
      </p>
      <SecretPanel endpointId={ep.id} />
    </section>
  );
}
