import type { InboundRequest } from '../core/normalizer.js';

/** The method and public URL of the request, for normalizers that read the query (handshakes by GET). */
export function requestTarget(request: InboundRequest): { method: string; query: URLSearchParams } {
  const method = request.method ?? 'POST';
  const url = request.url ?? '';
  const q = url.indexOf('?');
  return { method, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)) };
}

/** The first configured secret of a source config (`secret` may be a list during a rotation). */
export function firstSecret(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const secret = (config as Record<string, unknown>).secret;
  if (typeof secret === 'string') return secret;
  if (Array.isArray(secret) && typeof secret[0] === 'string') return secret[0];
  return undefined;
}
