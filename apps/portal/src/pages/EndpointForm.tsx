import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { unwrap, type Schemas } from '../api/client';
import { ErrorState, InlineError, Json, Loading } from '../components/ui';
import { usePortal } from '../portal-context';
import { exampleOf, useEventTypes } from '../queries';

/** Header lines `Name: value`, one a line, to an object; throws on a malformed line. */
export function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new Error(`Header line ${i + 1} is not "Name: value"`);
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

export function formatHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface EndpointFormProps {
  endpoint?: Schemas['EndpointOut'];
  headers?: Record<string, string>;
  onDone(endpointId: string): void;
  onCancel(): void;
}

/** Create or edit an endpoint: URL, description, event types from the catalog, channels, rate limit, custom headers. */
export function EndpointForm({ endpoint, headers, onDone, onCancel }: EndpointFormProps) {
  const { api, session } = usePortal();
  const queryClient = useQueryClient();
  const eventTypes = useEventTypes();
  const id = useId();
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [types, setTypes] = useState<string[]>(endpoint?.filterTypes ?? []);
  const [channels, setChannels] = useState((endpoint?.channels ?? []).join(', '));
  const [rateLimit, setRateLimit] = useState(endpoint?.throttleRate ? String(endpoint.throttleRate) : '');
  const [headerText, setHeaderText] = useState(formatHeaders(headers ?? {}));
  const [formError, setFormError] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: async () => {
      const parsedHeaders = parseHeaders(headerText);
      const body = {
        url: url.trim(),
        description: description.trim(),
        filterTypes: types.length > 0 ? types : null,
        channels: list(channels).length > 0 ? list(channels) : null,
        throttleRate: rateLimit.trim() === '' ? null : Number(rateLimit),
      };
      const app_id = session.appId;
      if (!endpoint) {
        const created = await unwrap(api.POST('/api/v1/app/{app_id}/endpoint', { params: { path: { app_id } }, body: { ...body, headers: parsedHeaders } }));
        return created.id;
      }
      const path = { app_id, endpoint_id: endpoint.id };
      await unwrap(api.PUT('/api/v1/app/{app_id}/endpoint/{endpoint_id}', { params: { path }, body: { ...body, disabled: endpoint.disabled } }));
      await unwrap(api.PUT('/api/v1/app/{app_id}/endpoint/{endpoint_id}/headers', { params: { path }, body: { headers: parsedHeaders } }));
      return endpoint.id;
    },
    onSuccess: async (endpointId) => {
      await queryClient.invalidateQueries({ queryKey: ['endpoints', session.appId] });
      await queryClient.invalidateQueries({ queryKey: ['endpoint', session.appId, endpointId] });
      await queryClient.invalidateQueries({ queryKey: ['headers', session.appId, endpointId] });
      onDone(endpointId);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    try {
      parseHeaders(headerText);
    } catch (error) {
      setFormError((error as Error).message);
      return;
    }
    if (rateLimit.trim() !== '' && !(Number.isInteger(Number(rateLimit)) && Number(rateLimit) > 0)) {
      setFormError('Rate limit must be a whole number of messages per second, or empty');
      return;
    }
    save.mutate();
  };

  const toggle = (name: string) => setTypes((t) => (t.includes(name) ? t.filter((x) => x !== name) : [...t, name]));

  return (
    <form className="form" onSubmit={submit} aria-label={endpoint ? 'Edit endpoint' : 'New endpoint'}>
      <div className="field">
        <label htmlFor={`${id}-url`}>Endpoint URL</label>
        <input id={`${id}-url`} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/webhooks" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <input id={`${id}-description`} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <fieldset className="field">
        <legend>Event types</legend>
        <p className="hint">None chosen: the endpoint receives every event type.</p>
        {eventTypes.isPending ? (
          <Loading what="event types" />
        ) : eventTypes.isError ? (
          <ErrorState error={eventTypes.error} retry={() => void eventTypes.refetch()} />
        ) : eventTypes.data.length === 0 ? (
          <p className="muted">The catalog has no event types.</p>
        ) : (
          <ul className="catalog">
            {eventTypes.data.map((t) => {
              const example = exampleOf(t);
              const schema = (t.schemas as Record<string, unknown> | null | undefined) ?? null;
              return (
                <li key={t.name}>
                  <label className="check">
                    <input type="checkbox" checked={types.includes(t.name)} onChange={() => toggle(t.name)} />
                    <span className="mono">{t.name}</span>
                  </label>
                  {t.description && <p className="hint">{t.description}</p>}
                  {(schema && Object.keys(schema).length > 0) || example !== undefined ? (
                    <details>
                      <summary>Schema and example of {t.name}</summary>
                      {schema && Object.keys(schema).length > 0 && <Json value={schema} label={`Schema of ${t.name}`} />}
                      {example !== undefined && <Json value={example} label={`Example of ${t.name}`} />}
                    </details>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-channels`}>Channels</label>
        <input id={`${id}-channels`} value={channels} onChange={(e) => setChannels(e.target.value)} aria-describedby={`${id}-channels-hint`} />
        <p className="hint" id={`${id}-channels-hint`}>
          Comma-separated; empty: every channel.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-rate`}>Rate limit (messages per second)</label>
        <input id={`${id}-rate`} inputMode="numeric" value={rateLimit} onChange={(e) => setRateLimit(e.target.value)} aria-describedby={`${id}-rate-hint`} />
        <p className="hint" id={`${id}-rate-hint`}>
          Empty: no limit.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-headers`}>Custom headers</label>
        <textarea id={`${id}-headers`} rows={3} value={headerText} onChange={(e) => setHeaderText(e.target.value)} aria-describedby={`${id}-headers-hint`} className="mono" />
        <p className="hint" id={`${id}-headers-hint`}>
          One <code>Name: value</code> a line, sent with every delivery.
        </p>
      </div>
      {formError && (
        <p className="inline-error" role="alert">
          {formError}
        </p>
      )}
      <InlineError error={save.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {endpoint ? 'Save endpoint' : 'Create endpoint'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
