import { useQuery } from '@tanstack/react-query';
import { unwrap, type Schemas } from './api/client';
import { usePortal } from './portal-context';

/** The most a list page asks for at once (the API's own maximum). */
export const PAGE = 250;

export function useEndpoints() {
  const { api, session } = usePortal();
  return useQuery({
    queryKey: ['endpoints', session.appId],
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/endpoint', { params: { path: { app_id: session.appId }, query: { limit: PAGE } } })),
  });
}

export function useEndpoint(endpointId: string) {
  const { api, session } = usePortal();
  return useQuery({
    queryKey: ['endpoint', session.appId, endpointId],
    queryFn: () => unwrap(api.GET('/api/v1/app/{app_id}/endpoint/{endpoint_id}', { params: { path: { app_id: session.appId, endpoint_id: endpointId } } })),
  });
}

export function useEventTypes() {
  const { api } = usePortal();
  return useQuery({
    queryKey: ['event-types'],
    queryFn: async (): Promise<Schemas['EventTypeOut'][]> => {
      const page = await unwrap(api.GET('/api/v1/event-type', { params: { query: { limit: PAGE, with_content: true } } }));
      return page.data.filter((t) => !t.archived);
    },
    staleTime: 60_000,
  });
}

/** The first example of an event type's newest schema version (Svix: schemas["1"].examples[0]). */
export function exampleOf(type: Schemas['EventTypeOut']): unknown {
  const schemas = (type.schemas ?? {}) as Record<string, { examples?: unknown[]; example?: unknown }>;
  const versions = Object.keys(schemas).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const s = schemas[v];
    if (s?.examples && s.examples.length > 0) return s.examples[0];
    if (s?.example !== undefined) return s.example;
  }
  return undefined;
}
