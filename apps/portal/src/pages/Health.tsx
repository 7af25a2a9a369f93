import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { unwrap, type Schemas } from '../api/client';
import { Empty, ErrorState, Loading, PageHeader } from '../components/ui';
import { usePortal } from '../portal-context';
import { PAGE, useEndpoints } from '../queries';
import { CircuitBadge } from './EndpointDetail';

export interface Bucket {
  start: number;
  success: number;
  failure: number;
}

export const WINDOWS = {
  '1h': { ms: 3_600_000, bucketMs: 5 * 60_000, label: 'Last hour', bucket: '5 minutes' },
  '24h': { ms: 86_400_000, bucketMs: 3_600_000, label: 'Last 24 hours', bucket: 'one hour' },
  '7d': { ms: 7 * 86_400_000, bucketMs: 86_400_000, label: 'Last 7 days', bucket: 'one day' },
} as const;
export type WindowKey = keyof typeof WINDOWS;

/** Attempts counted into equal time buckets: success (status 0) and failure (status 2); pending ones are left out. */
export function bucketize(attempts: { timestamp: string; status: number }[], now: number, windowMs: number, bucketMs: number): Bucket[] {
  const count = Math.ceil(windowMs / bucketMs);
  const first = now - count * bucketMs;
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({ start: first + i * bucketMs, success: 0, failure: 0 }));
  for (const a of attempts) {
    const t = new Date(a.timestamp).getTime();
    const i = Math.floor((t - first) / bucketMs);
    const bucket = buckets[i];
    if (!bucket) continue;
    if (a.status === 0) bucket.success += 1;
    else if (a.status === 2) bucket.failure += 1;
  }
  return buckets;
}

/** Stacked bars (success, failure) in plain SVG, with the same numbers in a table for screen readers. */
export function HealthChart({ buckets, title, bucketLabel }: { buckets: Bucket[]; title: string; bucketLabel?: string }) {
  const width = 600;
  const height = 120;
  const max = Math.max(1, ...buckets.map((b) => b.success + b.failure));
  const bar = width / buckets.length;
  const total = buckets.reduce((s, b) => ({ success: s.success + b.success, failure: s.failure + b.failure }), { success: 0, failure: 0 });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${total.success} succeeded, ${total.failure} failed`} preserveAspectRatio="none">
        {buckets.map((b, i) => {
          const hs = (b.success / max) * (height - 4);
          const hf = (b.failure / max) * (height - 4);
          return (
            <g key={b.start}>
              <title>{`${new Date(b.start).toLocaleString()}: ${b.success} succeeded, ${b.failure} failed`}</title>
              <rect x={i * bar + 1} y={height - hs} width={Math.max(1, bar - 2)} height={hs} className="bar-ok" />
              <rect x={i * bar + 1} y={height - hs - hf} width={Math.max(1, bar - 2)} height={hf} className="bar-fail" />
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="legend legend-ok">{total.success} succeeded</span> <span className="legend legend-fail">{total.failure} failed</span>
        {buckets[0] && (
          <span className="muted">
            {' '}
            · from {new Date(buckets[0].start).toLocaleString()} to now{bucketLabel ? `, ${bucketLabel} per bar` : ''}
          </span>
        )}
      </figcaption>
    </figure>
  );
}

function EndpointHealth({ endpoint, window: win }: { endpoint: Schemas['EndpointOut']; window: WindowKey }) {
  const { api, session } = usePortal();
  const path = { app_id: session.appId, endpoint_id: endpoint.id };
  const { ms, bucketMs, bucket } = WINDOWS[win];
  const attempts = useQuery({
    queryKey: ['health-attempts', session.appId, endpoint.id, win],
    refetchInterval: 5000,
    queryFn: async () => {
      const after = new Date(Date.now() - ms).toISOString();
      const page = await unwrap(api.GET('/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', { params: { path, query: { limit: PAGE, after } } }));
      return page.data;
    },
  });
  const stats = useQuery({
    queryKey: ['stats', session.appId, endpoint.id],
    refetchInterval: 5000,
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats', { params: { path } })),
  });
  return (
    <article className="card" aria-label={`Health of ${endpoint.url}`}>
      <h2 className="mono">{endpoint.url}</h2>
      <p>
        Circuit: <CircuitBadge state={stats.data?.circuit?.state} />
        {stats.data && (
          <span className="muted">
            {' '}
            · messages: {stats.data.success} succeeded, {stats.data.fail} failed, {stats.data.pending + stats.data.sending} in progress
          </span>
        )}
      </p>
      {attempts.isPending ? (
        <Loading what="attempts" />
      ) : attempts.isError ? (
        <ErrorState error={attempts.error} />
      ) : (
        <HealthChart buckets={bucketize(attempts.data, Date.now(), ms, bucketMs)} title={`Attempts to ${endpoint.url}`} bucketLabel={bucket} />
      )}
    </article>
  );
}

export function HealthPage() {
  const endpoints = useEndpoints();
  const id = useId();
  const [win, setWin] = useState<WindowKey>('24h');
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Health">
        <label htmlFor={`${id}-window`}>Period</label>
        <select id={`${id}-window`} value={win} onChange={(e) => setWin(e.target.value as WindowKey)}>
          {Object.entries(WINDOWS).map(([k, w]) => (
            <option key={k} value={k}>
              {w.label}
            </option>
          ))}
        </select>
      </PageHeader>
      {endpoints.isPending ? (
        <Loading what="endpoints" />
      ) : endpoints.isError ? (
        <ErrorState error={endpoints.error} />
      ) : endpoints.data.data.length === 0 ? (
        <Empty title="No endpoints yet" />
      ) : (
        endpoints.data.data.map((ep) => <EndpointHealth key={ep.id} endpoint={ep} window={win} />)
      )}
    </section>
  );
}
