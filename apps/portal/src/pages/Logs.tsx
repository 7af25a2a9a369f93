import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { unwrap } from '../api/client';
import { can } from '../capabilities';
import { Empty, ErrorState, InlineError, Loading, PageHeader, StatusBadge, formatTime } from '../components/ui';
import { usePortal } from '../portal-context';
import { useEndpoints, useEventTypes } from '../queries';

/** Messages per page of the log (older ones come with "Load older messages"). */
export const LOG_PAGE = 50;
import { Link } from '../router';

export interface LogFilters {
  endpointId: string;
  eventType: string;
  status: string;
  after: string;
  before: string;
}

/** A datetime-local value (local time) as ISO-8601, or undefined when empty or invalid. */
export function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

interface LogRow {
  id: string;
  eventType: string;
  timestamp: string;
  status: number | undefined;
}

function useMessages(filters: LogFilters) {
  const { api, session } = usePortal();
  const common = {
    limit: LOG_PAGE,
    ...(filters.eventType ? { event_types: [filters.eventType] } : {}),
    ...(toIso(filters.after) ? { after: toIso(filters.after) } : {}),
    ...(toIso(filters.before) ? { before: toIso(filters.before) } : {}),
  };
  return useInfiniteQuery({
    queryKey: ['messages', session.appId, filters],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: { done: boolean; iterator: string | null }) => (last.done || !last.iterator ? undefined : last.iterator),
    refetchInterval: 3000,
    queryFn: async ({ pageParam }): Promise<{ rows: LogRow[]; done: boolean; iterator: string | null }> => {
      const iterator = pageParam ? { iterator: pageParam } : {};
      if (filters.endpointId) {
        // Per endpoint, each message carries its delivery status there, and the list filters by it.
        const page = await unwrap(
          api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg', {
            params: {
              path: { app_id: session.appId, endpoint_id: filters.endpointId },
              query: { ...common, ...iterator, ...(filters.status !== '' ? { status: Number(filters.status) as 0 | 1 | 2 | 3 | 4 } : {}) },
            },
          }),
        );
        return { rows: page.data.map((m) => ({ id: m.id, eventType: m.eventType, timestamp: m.timestamp, status: m.status })), done: page.done, iterator: page.iterator };
      }
      const page = await unwrap(api.GET('/api/v1/app/{app_id}/msg', { params: { path: { app_id: session.appId }, query: { ...common, ...iterator, with_content: false } } }));
      return { rows: page.data.map((m) => ({ id: m.id, eventType: m.eventType, timestamp: m.timestamp, status: undefined })), done: page.done, iterator: page.iterator };
    },
  });
}

function RecoverPanel({ defaultEndpoint }: { defaultEndpoint: string }) {
  const { api, session } = usePortal();
  const endpoints = useEndpoints();
  const id = useId();
  const [endpointId, setEndpointId] = useState(defaultEndpoint);
  const [since, setSince] = useState('');
  const recover = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/app/{app_id}/endpoint/{endpoint_id}/recover', {
          params: { path: { app_id: session.appId, endpoint_id: endpointId } },
          body: { since: toIso(since) ?? new Date(Date.now() - 86_400_000).toISOString() },
        }),
      ),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (endpointId && toIso(since)) recover.mutate();
  };
  return (
    <form className="card form-inline" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Recover failed messages</h2>
      <p className="hint">Sends again every message that failed to this endpoint since the date.</p>
      <div className="field">
        <label htmlFor={`${id}-ep`}>Endpoint</label>
        <select id={`${id}-ep`} value={endpointId} onChange={(e) => setEndpointId(e.target.value)} required>
          <option value="">Choose an endpoint</option>
          {endpoints.data?.data.map((ep) => (
            <option key={ep.id} value={ep.id}>
              {ep.url}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-since`}>Failed since</label>
        <input id={`${id}-since`} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} required />
      </div>
      <button type="submit" className="btn btn-primary" disabled={recover.isPending}>
        Recover
      </button>
      {recover.isSuccess && <p role="status">Recovery started ({recover.data.status}).</p>}
      <InlineError error={recover.error} />
    </form>
  );
}

export function LogsPage({ endpointId = '' }: { endpointId?: string }) {
  const { session } = usePortal();
  const endpoints = useEndpoints();
  const eventTypes = useEventTypes();
  const id = useId();
  const [filters, setFilters] = useState<LogFilters>({ endpointId, eventType: '', status: '', after: '', before: '' });
  const messages = useMessages(filters);
  const set = (key: keyof LogFilters) => (e: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: e.target.value, ...(key === 'endpointId' && e.target.value === '' ? { status: '' } : {}) }));

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Logs" />
      <form className="filters" aria-label="Filter messages" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={`${id}-ep`}>Endpoint</label>
          <select id={`${id}-ep`} value={filters.endpointId} onChange={set('endpointId')}>
            <option value="">All endpoints</option>
            {endpoints.data?.data.map((ep) => (
              <option key={ep.id} value={ep.id}>
                {ep.url}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Event type</label>
          <select id={`${id}-type`} value={filters.eventType} onChange={set('eventType')}>
            <option value="">All event types</option>
            {eventTypes.data?.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={filters.status} onChange={set('status')} disabled={!filters.endpointId} aria-describedby={`${id}-status-hint`}>
            <option value="">Any status</option>
            <option value="0">Succeeded</option>
            <option value="2">Failed</option>
            <option value="1">Pending</option>
            <option value="3">Sending</option>
          </select>
          {!filters.endpointId && (
            <p className="hint" id={`${id}-status-hint`}>
              Choose an endpoint to filter by status.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-after`}>From</label>
          <input id={`${id}-after`} type="datetime-local" value={filters.after} onChange={set('after')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-before`}>Until</label>
          <input id={`${id}-before`} type="datetime-local" value={filters.before} onChange={set('before')} />
        </div>
      </form>
      {messages.isPending ? (
        <Loading what="messages" />
      ) : messages.isError ? (
        <ErrorState error={messages.error} retry={() => void messages.refetch()} />
      ) : messages.data.pages[0]?.rows.length === 0 ? (
        <Empty title="No messages">
          <p>No message matches these filters yet.</p>
        </Empty>
      ) : (
        <table className="table" data-testid="messages">
          <caption className="sr-only">Messages, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event type</th>
              <th scope="col">Message</th>
              {filters.endpointId && <th scope="col">Status</th>}
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {messages.data.pages
              .flatMap((p) => p.rows)
              .map((m) => (
                <tr key={m.id}>
                  <td className="mono">{m.eventType}</td>
                  <td>
                    <Link to={`messages/${m.id}`} className="mono">
                      {m.id}
                    </Link>
                  </td>
                  {filters.endpointId && <td>{m.status !== undefined && <StatusBadge status={m.status} />}</td>}
                  <td>{formatTime(m.timestamp)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {messages.hasNextPage && (
        <button type="button" className="btn" onClick={() => void messages.fetchNextPage()} disabled={messages.isFetchingNextPage}>
          {messages.isFetchingNextPage ? 'Loading…' : 'Load older messages'}
        </button>
      )}
      {can(session, 'recover') && <RecoverPanel defaultEndpoint={filters.endpointId} />}
    </section>
  );
}
