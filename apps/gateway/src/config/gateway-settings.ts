import { EnvReader, positiveDuration, readCommonSettings, withoutTrailingSlashes, type CommonSettings, type Env } from '@switchyard/platform';

/** Everything the gateway reads from its environment (docs/api.md §2), validated once at boot. */
export interface GatewaySettings extends CommonSettings {
  /** Base of every ingestUrl, without a trailing slash. */
  readonly publicUrl: string;
  /** Largest inbound body; larger gets 413. */
  readonly maxBodyBytes: number;
  /** Largest management-API (`/ingest/api/…`) request body; larger gets 413 before it is parsed. */
  readonly apiMaxBodyBytes: number;
  /**
   * Largest CloudEvent (its JSON) the gateway publishes for an accepted request; a request whose
   * event would be larger gets 413 and is logged as rejected, nothing published. The gateway's
   * counterpart of the dispatcher's MAX_PAYLOAD_BYTES.
   */
  readonly maxEventBytes: number;
  /** Body bytes the request log keeps of a request it did not accept (the full size is recorded beside them). */
  readonly rejectedBodyBytes: number;
  /** How long an ingest token's source (and its opened config) is reused without asking PostgreSQL; 0: always ask. */
  readonly sourceCacheTtlMs: number;
  /** Sources kept in that cache at most (least recently used go first). */
  readonly sourceCacheMax: number;
  /** An accepted event that goes to at most this many ingest endpoints gets its deliveries in the statement that stores it, without a fan-out job. */
  readonly fanOutInlineMax: number;
  /** Longest an enqueue after a commit waits on Redis before the dispatcher's reconciler is left to do it. */
  readonly enqueueTimeoutMs: number;
  /**
   * DEDUP_WINDOW: how long an accepted request's dedup key makes a request with the same key a
   * duplicate (a provider's retry, or a replay). Past it the key may be accepted again.
   */
  readonly dedupWindowMs: number;
  /** REQUEST_LOG_RETENTION: the request log (inbound_requests) keeps a request this long. */
  readonly requestLogRetentionMs: number;
}

/** DEDUP_WINDOW's bounds: at least the 5-minute replay window most signatures have, at most a year. */
const DEDUP_WINDOW_MIN_MS = 5 * 60 * 1000;
const DEDUP_WINDOW_MAX_MS = 365 * 24 * 3600 * 1000;

/**
 * MAX_EVENT_BYTES by default: what a body of MAX_BODY_BYTES can become in an ordinary case, so
 * that every body the ingress takes can be published: a binary body travels base64-encoded
 * (4/3 of its size), plus room for the envelope's attributes. Only bodies that grow when
 * re-encoded as JSON (text full of quotes or control characters, numbers such as 1e9) pass it.
 */
export function defaultMaxEventBytes(maxBodyBytes: number): number {
  return Math.ceil((maxBodyBytes * 4) / 3) + EVENT_ENVELOPE_BYTES;
}

/** Room for a CloudEvent's attributes (id, source, type, time, subject, provider event id, …) around its data. */
const EVENT_ENVELOPE_BYTES = 64 * 1024;

/** Injection token of the settings object. */
export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');

/** Reads and validates the gateway's environment; throws a SettingsError listing every bad key. */
export function loadGatewaySettings(env: Env): GatewaySettings {
  const reader = new EnvReader(env);
  const common = readCommonSettings(reader, { port: 3000, adminPort: 9000 });
  const publicUrl = withoutTrailingSlashes(reader.url('PUBLIC_URL', 'http://localhost:3000', ['http:', 'https:']));
  const maxBodyBytes = reader.integer('MAX_BODY_BYTES', 5 * 1024 * 1024, 1, 256 * 1024 * 1024);
  const settings: GatewaySettings = {
    ...common,
    publicUrl,
    maxBodyBytes,
    apiMaxBodyBytes: reader.integer('API_MAX_BODY_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxEventBytes: reader.integer('MAX_EVENT_BYTES', defaultMaxEventBytes(maxBodyBytes), 1024, 1024 * 1024 * 1024),
    rejectedBodyBytes: reader.integer('REJECTED_BODY_BYTES', 64 * 1024, 0, 256 * 1024 * 1024),
    sourceCacheTtlMs: reader.integer('SOURCE_CACHE_TTL_MS', 1_000, 0, 60_000),
    sourceCacheMax: reader.integer('SOURCE_CACHE_MAX', 10_000, 1, 1_000_000),
    fanOutInlineMax: reader.integer('FAN_OUT_INLINE_MAX', 10, 0, 250),
    enqueueTimeoutMs: reader.integer('ENQUEUE_TIMEOUT_MS', 2_000, 100, 60_000),
    dedupWindowMs: reader.duration('DEDUP_WINDOW', '7d'),
    requestLogRetentionMs: positiveDuration(reader, 'REQUEST_LOG_RETENTION', '30d'),
  };
  if (settings.dedupWindowMs < DEDUP_WINDOW_MIN_MS || settings.dedupWindowMs > DEDUP_WINDOW_MAX_MS) {
    reader.problem('DEDUP_WINDOW must be from 5m to 365d');
  }
  reader.assertValid();
  return settings;
}
