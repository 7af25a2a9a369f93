import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Api = Client<paths>;

/** An answer of the dispatcher other than 2xx, with Svix's `code` (e.g. `token_expired`) and a readable detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /** The token is expired, revoked or unknown: the portal shows its "link expired" page. */
  get isAuth(): boolean {
    return this.status === 401;
  }
}

/** Svix error bodies: `{ code, detail }`, or a 422's `{ detail: [{ loc, msg }] }`. */
export function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && 'detail' in body) {
    const { detail, code } = body as { detail: unknown; code?: unknown };
    if (Array.isArray(detail)) {
      const text = detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).filter((l) => l !== 'body').join('.')}: ${d.msg ?? ''}`).join('; ');
      return new ApiError(status, 'validation', text || 'The request is not valid');
    }
    return new ApiError(status, typeof code === 'string' ? code : 'error', String(detail));
  }
  return new ApiError(status, 'error', `The server answered ${status}`);
}

/** A typed client of the dispatcher's API (types generated from its OpenAPI document), authenticated with the portal token. */
export function createApi(token: string, options: { baseUrl?: string; fetch?: typeof fetch } = {}): Api {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? window.location.origin,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

/** The data of a call, or its error thrown as ApiError (what TanStack Query expects). */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}
