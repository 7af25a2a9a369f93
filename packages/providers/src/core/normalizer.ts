import { bodyDigestId, type ParsedBody } from '@switchyard/events';
import type { HeaderBag, VerificationSuccess } from '@switchyard/signing';

/** A verified inbound request, as a normalizer sees it. */
export interface InboundRequest {
  /** The source type (github, stripe, …); Svix-signed providers share one normalizer. */
  readonly sourceType: string;
  readonly body: Uint8Array;
  readonly headers: HeaderBag;
  readonly contentType?: string;
  /** The body parsed once by content type. */
  readonly parsed: ParsedBody;
  /** The source's configuration (some handshakes need the secret). */
  readonly config?: unknown;
  /** Upper-case HTTP method; POST when absent (Meta's handshake comes by GET). */
  readonly method?: string;
  /** The full public URL the provider called, with its query. */
  readonly url?: string;
  /**
   * What the source's verifier established: the signed timestamp and what the signature covers.
   * The gateway always passes it; without it (a normalizer called on its own) nothing is known
   * to be signed, and headers are read as they came.
   */
  readonly verified?: VerificationSuccess;
}

/** The provider-specific part of a CloudEvent. */
export interface NormalizedEvent {
  readonly type: string;
  /**
   * The provider's own id for this event, as shown (CloudEvent `providereventid`, the request
   * log); it may come from a header the provider does not sign. A body digest when there is none.
   */
  readonly providerEventId: string;
  /**
   * What a duplicate is recognized by, taken from signed data only: an id the signature covers
   * (a body field, or a signed header such as Standard Webhooks' `webhook-id`), else the digest
   * of the signed content (`sha256:<hex>`), so that neither a fresh unsigned id header nor a
   * relabelled unsigned event-type header makes a replay new.
   */
  readonly dedupKey: string;
  readonly subject?: string;
  readonly time?: Date;
  readonly datacontenttype: string;
  readonly data?: unknown;
  readonly dataBase64?: string;
}

/** What to answer a provider's handshake with; nothing is published. */
export interface HandshakeResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type NormalizeOutcome =
  | { readonly kind: 'event'; readonly event: NormalizedEvent }
  | { readonly kind: 'handshake'; readonly response: HandshakeResponse }
  | { readonly kind: 'rejected'; readonly reason: string };

/** Turns one verified request into an event, a handshake answer, or a rejection. Never throws. */
export type Normalizer = (request: InboundRequest) => NormalizeOutcome;

/**
 * The dedup key of a delivery whose provider signs no id: `sha256:` and the digest of what its
 * signature covers (the timestamp left out). Without verification facts: the body's digest.
 */
export function signedDigestKey(request: InboundRequest): string {
  const digest = request.verified?.signed?.digest;
  return digest === undefined ? bodyDigestId(request.body) : `sha256:${digest}`;
}

/** A header's value when the verified signature covers it (exactly as verified), else undefined. */
export function signedHeader(request: InboundRequest, name: string): string | undefined {
  const headers = request.verified?.signed?.headers;
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  return Object.hasOwn(headers, lower) ? headers[lower] : undefined;
}

/** Shorthand for a rejection. */
export function rejected(reason: string): NormalizeOutcome {
  return { kind: 'rejected', reason };
}

/** The declared content type, or the fallback when the header is absent or blank (`Content-Type: `). */
function declaredType(contentType: string | undefined, fallback: string): string {
  const trimmed = contentType?.trim();
  return trimmed ? trimmed : fallback;
}

/** The CloudEvent data for a parsed body: JSON as-is, forms as objects, text as a string, else base64. */
export function dataOf(request: InboundRequest): Pick<NormalizedEvent, 'data' | 'dataBase64' | 'datacontenttype'> {
  const parsed = request.parsed;
  switch (parsed.kind) {
    case 'json':
    case 'form':
      return { data: parsed.value, datacontenttype: 'application/json' };
    case 'text':
      return { data: parsed.value, datacontenttype: declaredType(request.contentType, 'text/plain') };
    default:
      return { dataBase64: Buffer.from(request.body).toString('base64'), datacontenttype: declaredType(request.contentType, 'application/octet-stream') };
  }
}

/** Converts unix seconds (number or numeric string) to a Date, or undefined. */
export function unixSecondsToDate(value: number | undefined): Date | undefined {
  if (value === undefined || !Number.isFinite(value) || value <= 0 || value > 1e11) return undefined;
  return new Date(value * 1000);
}
