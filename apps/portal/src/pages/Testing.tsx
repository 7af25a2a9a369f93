import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { unwrap } from '../api/client';
import { can } from '../capabilities';
import { Empty, InlineError, Json, Loading, PageHeader } from '../components/ui';
import { usePortal } from '../portal-context';
import { exampleOf, useEndpoints, useEventTypes } from '../queries';
import { Link } from '../router';
import { MessageDetailPage } from './MessageDetail';

/** Send an event type's example to an endpoint, and watch its attempt arrive. */
export function TestingPage() {
  const { api, session } = usePortal();
  const endpoints = useEndpoints();
  const eventTypes = useEventTypes();
  const id = useId();
  const [endpointId, setEndpointId] = useState('');
  const [eventType, setEventType] = useState('');
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example', {
          params: { path: { app_id: session.appId, endpoint_id: endpointId } },
          body: { eventType, exampleIndex: 0 },
        }),
      ),
  });
  const withExamples = (eventTypes.data ?? []).filter((t) => exampleOf(t) !== undefined);
  const chosen = withExamples.find((t) => t.name === eventType);
  const maySend = can(session, 'createAttempts');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (endpointId && eventType) send.mutate();
  };

  if (endpoints.isPending || eventTypes.isPending) return <Loading what="endpoints and event types" />;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Testing" />
      {endpoints.data?.data.length === 0 ? (
        <Empty title="No endpoints to test">
          <p>
            <Link to="endpoints">Add an endpoint</Link> first.
          </p>
        </Empty>
      ) : withExamples.length === 0 ? (
        <Empty title="No examples">
          <p>No event type in the catalog has an example to send.</p>
        </Empty>
      ) : (
        <form className="card form" onSubmit={submit} aria-label="Send an example event">
          <p className="hint">Sends the event type's example payload to the endpoint, signed like any other delivery.</p>
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
            <label htmlFor={`${id}-type`}>Event type</label>
            <select id={`${id}-type`} value={eventType} onChange={(e) => setEventType(e.target.value)} required>
              <option value="">Choose an event type</option>
              {withExamples.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          {chosen && (
            <>
              {chosen.description && <p>{chosen.description}</p>}
              <Json value={exampleOf(chosen)} label={`Example of ${chosen.name}`} />
            </>
          )}
          <button type="submit" className="btn btn-primary" disabled={!maySend || send.isPending} title={maySend ? undefined : 'This link may not send test events'}>
            Send example
          </button>
          {!maySend && <p className="hint">This link may not send test events.</p>}
          <InlineError error={send.error} />
        </form>
      )}
      {send.data && (
        <div className="card" aria-live="polite">
          <MessageDetailPage msgId={send.data.id} />
        </div>
      )}
    </section>
  );
}
