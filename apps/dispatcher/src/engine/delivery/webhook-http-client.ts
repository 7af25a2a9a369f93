import { performance } from 'node:perf_hooks';
import { parseRetryAfter } from '@switchyard/events';
import { Agent, type Dispatcher } from 'undici';
import { allowAnyAddress, guardedConnector, isPublicAddress, type AddressPolicy, type Resolver } from './egress-guard.js';

/** Why an attempt got no usable response. Stored in attempts.error; PERSISTED. */
export type AttemptErrorCode =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'blocked_address'
  | 'dns_error'
  | 'tls_error'
  | 'unreachable'
  | 'invalid_response'
  | 'redirect'
  | 'invalid_url'
  | 'network_error'
  | 'no_signing_secret'
  | 'secret_unreadable';

/** What an endpoint is sent. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The exact bytes that were signed. */
  readonly body: string;
}

/** What came of one POST. Never thrown: every failure is an outcome to record. */
export interface AttemptResult {
  /** The HTTP status, or 0 when no response arrived. */
  readonly statusCode: number;
  readonly success: boolean;
  /** The first bytes of the response body (up to the capture limit), as text. */
  readonly responseBody: string;
  readonly responseHeaders: Record<string, string>;
  readonly durationMs: number;
  readonly error: AttemptErrorCode | null;
  /** A 429/503 Retry-After, in ms from now. */
  readonly retryAfterMs?: number;
}

export interface WebhookHttpClientOptions {
  /** Budget of the whole attempt: connect, send, headers and the captured body. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly connectionsPerOrigin: number;
  /** Bytes of the response body to keep. */
  readonly captureBytes: number;
  readonly allowPrivateNetworks: boolean;
  /** Overrides the address policy (tests). */
  readonly allow?: AddressPolicy;
  /** Overrides DNS resolution (tests). */
  readonly resolve?: Resolver;
}

/** Past the capture limit a small remainder is still drained, so the keep-alive connection can be reused. */
const DRAIN_BYTES = 64 * 1024;

class AttemptTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: unknown[]; cause?: unknown } | null;
  if (!e) return undefined;
  if (typeof e.code === 'string') return e.code;
  // Happy-eyeballs failures arrive as an AggregateError of the per-address errors.
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  if (e.cause) return errorCode(e.cause);
  return undefined;
}

/** Maps a transport error to the code recorded on the attempt. */
export function classifyTransportError(error: unknown): AttemptErrorCode {
  if (error instanceof AttemptTimeout) return 'timeout';
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError') return 'timeout';
  const code = errorCode(error) ?? '';
  if (code === 'ERR_EGRESS_BLOCKED') return 'blocked_address';
  if (['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(code)) return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code)) return 'connection_reset';
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA'].includes(code)) return 'dns_error';
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code)) return 'unreachable';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.startsWith('CERT_') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'tls_error';
  if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'invalid_response';
  return 'network_error';
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * POSTs signed webhooks through one pooled keep-alive undici Agent: connections per origin
 * capped, no redirects followed, the private-network guard on every new socket, an overall
 * deadline per attempt, and only the first bytes of a response body read (the rest of a large
 * body is never buffered: the stream is destroyed).
 */
export class WebhookHttpClient {
  private readonly agent: Agent;

  constructor(private readonly options: WebhookHttpClientOptions) {
    const allow = options.allow ?? (options.allowPrivateNetworks ? allowAnyAddress : isPublicAddress);
    this.agent = new Agent({
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
      connect: guardedConnector({ allow, connectTimeoutMs: Math.min(options.connectTimeoutMs, options.timeoutMs), resolve: options.resolve }),
    });
  }

  /** Sends one attempt and reports what happened; never throws. */
  async send(request: OutboundRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { statusCode: 0, success: false, responseBody: '', responseHeaders: {}, durationMs: 0, error: 'invalid_url' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { statusCode: 0, success: false, responseBody: '', responseHeaders: {}, durationMs: 0, error: 'invalid_url' };
    }

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeout('attempt timed out')), this.options.timeoutMs);
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal: deadline.signal,
        });
      } catch (error) {
        const cause = deadline.signal.aborted ? deadline.signal.reason : error;
        return { statusCode: 0, success: false, responseBody: '', responseHeaders: {}, durationMs: elapsed(), error: classifyTransportError(cause) };
      }
      const responseBody = await this.capture(response.body);
      const statusCode = response.statusCode;
      const responseHeaders = flattenHeaders(response.headers);
      const success = statusCode >= 200 && statusCode < 300;
      const redirect = statusCode >= 300 && statusCode < 400;
      const retryAfterMs = statusCode === 429 || statusCode === 503 ? parseRetryAfter(responseHeaders['retry-after']) : undefined;
      return {
        statusCode,
        success,
        responseBody,
        responseHeaders,
        durationMs: elapsed(),
        error: redirect ? 'redirect' : null,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads at most the capture limit (plus a small drain) and destroys the rest of the stream. */
  private async capture(body: Dispatcher.ResponseData['body']): Promise<string> {
    const limit = this.options.captureBytes;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let readBytes = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        readBytes += chunk.length;
        if (keptBytes < limit) {
          const take = Math.min(chunk.length, limit - keptBytes);
          kept.push(Buffer.from(chunk.subarray(0, take)));
          keptBytes += take;
        }
        if (readBytes >= limit + DRAIN_BYTES) break;
      }
    } catch {
      // A body cut short (reset, deadline) keeps what arrived; the status already decided the outcome.
    } finally {
      if (!body.destroyed) body.destroy();
    }
    return Buffer.concat(kept, keptBytes).toString('utf8');
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
