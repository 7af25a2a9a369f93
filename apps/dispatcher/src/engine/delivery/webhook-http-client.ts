import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { parseRetryAfter } from '@switchyard/events';
import { Agent, type Dispatcher } from 'undici';
import { DNS_DEFAULTS, DnsLookupError, DnsResolver, DnsTimeoutError, type DnsResolverOptions } from './dns-resolver.js';
import { addressRange, allowAnyAddress, EgressBlockedError, guardedConnector, isPublicAddress, type AddressPolicy, type Resolver } from './egress-guard.js';

/** Why an attempt got no usable response. Stored in attempts.error; PERSISTED. */
export type AttemptErrorCode =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'blocked_address'
  | 'dns_error'
  | 'dns_timeout'
  | 'tls_error'
  | 'unreachable'
  | 'invalid_response'
  | 'redirect'
  | 'invalid_url'
  | 'network_error'
  | 'no_signing_secret'
  | 'secret_unreadable'
  | 'circuit_open'
  | 'payload_expunged';

/**
 * A large body the client lets go of once it is written: the text lives only here, and the
 * writer empties this holder after its last chunk, so the attempt's wait for the response does
 * not keep the payload alive (see DELIVERY_INLINE_PAYLOAD_BYTES).
 */
export class HeldBody {
  text: string | null;
  readonly bytes: number;
  constructor(text: string) {
    this.text = text;
    this.bytes = Buffer.byteLength(text);
  }
}

/** What an endpoint is sent. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The exact bytes that were signed, as text (sent as its UTF-8), or held to be let go of once written. */
  readonly body: string | HeldBody;
  /** Called when the request's headers are written to the socket (rate pacing counts from then). */
  readonly onSent?: () => void;
}

/** What came of one POST. Never thrown: every failure is an outcome to record. */
export interface AttemptResult {
  /** The HTTP status, or 0 when no response arrived. */
  readonly statusCode: number;
  readonly success: boolean;
  /** The first bytes of the response body (up to the capture limit), exactly as received. */
  readonly body: Buffer;
  readonly responseHeaders: Record<string, string>;
  readonly durationMs: number;
  /** Why there was no usable response (null when the status says what happened). */
  readonly error: AttemptErrorCode | null;
  /** The same in words, or a note on a response that was cut short; null when there is nothing to say. */
  readonly errorDetail: string | null;
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
  /**
   * DNS for endpoint hosts (the DNS_* settings). Unset ones take DNS_DEFAULTS, except the timeout
   * (at most half the connect timeout, which the lookup is part of) and the system fallback
   * (on when private networks are allowed).
   */
  readonly dns?: Partial<DnsResolverOptions>;
  /** Replaces the DnsResolver altogether (tests). */
  readonly resolve?: Resolver;
}

/** Past the capture limit a small remainder is still drained, so the keep-alive connection can be reused. */
const DRAIN_BYTES = 64 * 1024;
/** Response headers larger than this (all of them together) make the response invalid. */
export const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;
/** Longest error detail kept. */
const MAX_DETAIL_CHARS = 500;
/** A body of at least this many characters is written in chunks of as many (see bodyChunks). */
const BODY_CHUNK_CHARS = 64 * 1024;

/**
 * A large text body as UTF-8 chunks, encoded as they are written. Given the whole string, undici
 * would copy it into one Buffer held for the whole attempt, a second copy of every payload in
 * flight beside the string, left for the garbage collector afterwards; chunks live for a write
 * each. A chunk never ends between the two halves of a surrogate pair, which would each be
 * sent as U+FFFD instead of the bytes that were signed.
 */
function bodyChunks(source: { text: string | null }): Iterable<Buffer> {
  // An iterator object, not a generator: a finished generator may keep its last locals (the
  // whole text) alive for as long as undici holds it, until the response is in.
  let start = 0;
  const next = (): IteratorResult<Buffer> => {
    const text = source.text;
    if (text === null || start >= text.length) {
      // written: a held body lets go of its text now, not when the response has come
      source.text = null;
      return { done: true, value: undefined };
    }
    let end = Math.min(start + BODY_CHUNK_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    const chunk = Buffer.from(text.slice(start, end), 'utf8');
    start = end;
    if (start >= text.length) source.text = null;
    return { done: false, value: chunk };
  };
  return { [Symbol.iterator]: () => ({ next }) };
}

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

/** The first error of this type in an error's chain (cause, AggregateError members). */
function findError<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  let e = error as { errors?: unknown[]; cause?: unknown } | null | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof type) return e;
    const inner = Array.isArray(e.errors) ? e.errors.find((x) => x instanceof type) : undefined;
    if (inner) return inner as T;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Maps a transport error to the code recorded on the attempt. */
export function classifyTransportError(error: unknown): AttemptErrorCode {
  if (error instanceof AttemptTimeout) return 'timeout';
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError') return 'timeout';
  // undici's parser errors carry no code, only their name
  if (name === 'HTTPParserError') return 'invalid_response';
  const code = errorCode(error) ?? '';
  if (code === 'ERR_EGRESS_BLOCKED') return 'blocked_address';
  // c-ares' own timeout is ETIMEOUT (not ETIMEDOUT); the DnsResolver's deadline is ERR_DNS_TIMEOUT
  if (code === 'ERR_DNS_TIMEOUT' || code === 'ETIMEOUT') return 'dns_timeout';
  if (code === 'ERR_DNS_LOOKUP') return 'dns_error';
  if (['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(code)) return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code)) return 'connection_reset';
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA'].includes(code)) return 'dns_error';
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code)) return 'unreachable';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.startsWith('CERT_') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'tls_error';
  if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'invalid_response';
  return 'network_error';
}

/** Text safe to store: no NUL (PostgreSQL text and jsonb refuse it), bounded. */
export function storableText(text: string, max = MAX_DETAIL_CHARS): string {
  const clean = text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * Says in words why an attempt got no response, for the person reading the attempt log. Names
 * the host and port only: never the URL's path, query or credentials.
 */
export function describeTransportError(code: AttemptErrorCode, error: unknown, url: URL, options: Pick<WebhookHttpClientOptions, 'timeoutMs' | 'connectTimeoutMs'>): string {
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  const raw = errorCode(error);
  const message = (error as Error | undefined)?.message ?? '';
  switch (code) {
    case 'blocked_address': {
      const blocked = findError(error, EgressBlockedError);
      const address = blocked?.address ?? url.hostname.replace(/^\[(.*)\]$/, '$1');
      return `not sent: ${url.hostname} is ${address} (${addressRange(address) ?? 'not a public address'}); the dispatcher does not connect to loopback, private, link-local or other non-public addresses unless ALLOW_PRIVATE_NETWORKS=true`;
    }
    case 'timeout':
      return raw === 'UND_ERR_CONNECT_TIMEOUT'
        ? `could not connect to ${where} within ${Math.min(options.connectTimeoutMs, options.timeoutMs)} ms (CONNECT_TIMEOUT_MS)`
        : `no response from ${where} within ${options.timeoutMs} ms (DELIVERY_TIMEOUT_MS)`;
    case 'connection_refused':
      return `connection refused by ${where}`;
    case 'connection_reset':
      return `the connection to ${where} was closed before a response arrived (${raw ?? 'reset'})`;
    case 'dns_error':
      return `DNS lookup of ${url.hostname} failed (${findError(error, DnsLookupError)?.reason ?? raw ?? 'no address'})`;
    case 'dns_timeout': {
      const timedOut = findError(error, DnsTimeoutError);
      const remembered = timedOut?.ageMs !== undefined ? `; remembered from a lookup that ended ${timedOut.ageMs} ms ago, asked again after DNS_CACHE_ERROR_TTL_MS` : '';
      return `no DNS answer for ${url.hostname} within ${timedOut ? `${timedOut.timeoutMs} ms` : 'the DNS timeout'} (DNS_TIMEOUT_MS${remembered})`;
    }
    case 'unreachable':
      return `${where} is unreachable (${raw ?? 'no route'})`;
    case 'tls_error':
      return `TLS with ${where} failed: ${message || raw}`;
    case 'invalid_response':
      return raw === 'UND_ERR_HEADERS_OVERFLOW'
        ? `the response headers from ${where} exceed ${MAX_RESPONSE_HEADER_BYTES} bytes`
        : `the response from ${where} is not valid HTTP (${raw ?? 'parse error'}${message ? `: ${message}` : ''})`;
    default:
      return `the request to ${where} failed: ${message || raw || 'unknown error'}`;
  }
}

/**
 * When a request is written to its socket, from undici's diagnostics channels: `request:create`
 * fires synchronously inside agent.request(), which ties undici's request object to the caller's
 * callback; `client:sendHeaders` fires when that request's headers are written. Subscribed on
 * first use only.
 */
const sentCallbacks = new WeakMap<object, () => void>();
let creating: (() => void) | null = null;
let watchingWrites = false;

function watchWrites(): void {
  if (watchingWrites) return;
  watchingWrites = true;
  diagnosticsChannel.subscribe('undici:request:create', (message) => {
    if (!creating) return;
    sentCallbacks.set((message as { request: object }).request, creating);
    creating = null;
  });
  diagnosticsChannel.subscribe('undici:client:sendHeaders', (message) => {
    const request = (message as { request: object }).request;
    const callback = sentCallbacks.get(request);
    if (!callback) return;
    sentCallbacks.delete(request);
    callback();
  });
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[storableText(name, 256)] = storableText(Array.isArray(value) ? value.join(', ') : value, MAX_RESPONSE_HEADER_BYTES);
  }
  return out;
}

/** What capture() read of a body. */
interface Captured {
  readonly body: Buffer;
  /** Why the body stopped before its end, if it did (the bytes that arrived are in body). */
  readonly cut: string | null;
}

/**
 * POSTs signed webhooks through one pooled keep-alive undici Agent: connections per origin
 * capped, no redirects followed, endpoint names looked up by the DnsResolver (c-ares, cached,
 * with its own deadline), the private-network guard on every new socket, one deadline per
 * attempt over connect, headers AND body (a body dripped a byte at a time is cut there),
 * response headers bounded, and only the first bytes of a response body kept (the rest of a
 * large body is never buffered: after a short drain the stream is destroyed). Whatever the bytes
 * are, they come back as bytes.
 */
export class WebhookHttpClient {
  private readonly agent: Agent;
  /** The endpoint-host resolver (null when a test replaced it). */
  private readonly dns: DnsResolver | null;

  constructor(private readonly options: WebhookHttpClientOptions) {
    const allow = options.allow ?? (options.allowPrivateNetworks ? allowAnyAddress : isPublicAddress);
    const connectTimeoutMs = Math.min(options.connectTimeoutMs, options.timeoutMs);
    this.dns = options.resolve
      ? null
      : new DnsResolver({
          ...DNS_DEFAULTS,
          timeoutMs: Math.min(DNS_DEFAULTS.timeoutMs, Math.floor(connectTimeoutMs / 2)),
          systemFallback: options.allowPrivateNetworks,
          ...options.dns,
        });
    const resolve = options.resolve ?? this.dns!.resolve;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
      connect: guardedConnector({ allow, connectTimeoutMs, resolve }),
    });
  }

  /** Sends one attempt and reports what happened; never throws. */
  async send(request: OutboundRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const none = (error: AttemptErrorCode, errorDetail: string): AttemptResult => ({
      statusCode: 0,
      success: false,
      body: Buffer.alloc(0),
      responseHeaders: {},
      durationMs: elapsed(),
      error,
      errorDetail: storableText(errorDetail),
    });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return none('invalid_url', 'the endpoint URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return none('invalid_url', `the endpoint URL's scheme ${url.protocol} is not http or https`);

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeout('attempt timed out')), this.options.timeoutMs);
    try {
      let response: Dispatcher.ResponseData;
      try {
        if (request.onSent) {
          watchWrites();
          creating = request.onSent;
        }
        const { body } = request;
        const chunked = typeof body !== 'string' || body.length >= BODY_CHUNK_CHARS;
        const bytes = typeof body === 'string' ? (chunked ? Buffer.byteLength(body) : 0) : body.bytes;
        let pending: Promise<Dispatcher.ResponseData>;
        try {
          pending = this.agent.request({
            origin: url.origin,
            path: `${url.pathname}${url.search}`,
            method: 'POST',
            // chunks still go with a content-length, never chunked transfer-encoding
            headers: chunked ? { ...request.headers, 'content-length': String(bytes) } : request.headers,
            // undici writes any iterable body; its types name only streams
            body: typeof body === 'string' ? (chunked ? (bodyChunks({ text: body }) as unknown as Readable) : body) : (bodyChunks(body) as unknown as Readable),
            signal: deadline.signal,
          });
        } finally {
          creating = null;
        }
        response = await pending;
      } catch (error) {
        const cause = deadline.signal.aborted ? deadline.signal.reason : error;
        const code = classifyTransportError(cause);
        return none(code, describeTransportError(code, cause, url, this.options));
      }
      const statusCode = response.statusCode;
      const responseHeaders = flattenHeaders(response.headers);
      const captured = await this.capture(response.body, deadline.signal);
      const success = statusCode >= 200 && statusCode < 300;
      const redirect = statusCode >= 300 && statusCode < 400;
      const retryAfterMs = statusCode === 429 || statusCode === 503 ? parseRetryAfter(responseHeaders['retry-after']) : undefined;
      const errorDetail = redirect ? `redirects are not followed${responseHeaders.location ? ` (location: ${responseHeaders.location})` : ''}` : captured.cut;
      return {
        statusCode,
        success,
        body: captured.body,
        responseHeaders,
        durationMs: elapsed(),
        error: redirect ? 'redirect' : null,
        errorDetail: errorDetail === null ? null : storableText(errorDetail),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Reads at most the capture limit (plus a small drain) and destroys the rest of the stream.
   * The attempt's deadline ends the read too: a body that trickles in is cut there.
   */
  private async capture(body: Dispatcher.ResponseData['body'], deadline: AbortSignal): Promise<Captured> {
    const limit = this.options.captureBytes;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let readBytes = 0;
    let cut: string | null = null;
    const onDeadline = () => body.destroy(new AttemptTimeout('attempt timed out'));
    deadline.addEventListener('abort', onDeadline, { once: true });
    try {
      if (deadline.aborted) onDeadline();
      for await (const chunk of body as AsyncIterable<Buffer>) {
        readBytes += chunk.length;
        if (keptBytes < limit) {
          const take = Math.min(chunk.length, limit - keptBytes);
          kept.push(Buffer.from(chunk.subarray(0, take)));
          keptBytes += take;
        }
        if (readBytes >= limit + DRAIN_BYTES) break;
      }
    } catch (error) {
      // The status already decided the outcome: say why the body stopped, keep what arrived.
      cut =
        error instanceof AttemptTimeout || deadline.aborted
          ? `the response body was still arriving when the attempt's ${this.options.timeoutMs} ms ran out (${readBytes} bytes received)`
          : `the response body was cut short after ${readBytes} bytes (${errorCode(error) ?? (error as Error).message})`;
    } finally {
      deadline.removeEventListener('abort', onDeadline);
      if (!body.destroyed) body.destroy();
    }
    return { body: Buffer.concat(kept, keptBytes), cut };
  }

  /** Closes every pooled connection and cancels the DNS queries in flight. */
  async close(): Promise<void> {
    this.dns?.close();
    await this.agent.destroy();
  }
}
