import { EnvReader, readCommonSettings, type CommonSettings, type Env } from '@switchyard/platform';

/** Everything the gateway reads from its environment (CONTRACT §2), validated once at boot. */
export interface GatewaySettings extends CommonSettings {
  /** Base of every ingestUrl, without a trailing slash. */
  readonly publicUrl: string;
  /** Largest inbound body; larger gets 413. */
  readonly maxBodyBytes: number;
  /** How long an ingest token's source (and its opened config) is reused without asking PostgreSQL; 0: always ask. */
  readonly sourceCacheTtlMs: number;
  /** Sources kept in that cache at most (least recently used go first). */
  readonly sourceCacheMax: number;
  /** An accepted event that goes to at most this many ingest endpoints gets its deliveries in the statement that stores it, without a fan-out job. */
  readonly fanOutInlineMax: number;
  /** Longest an enqueue after a commit waits on Redis before the dispatcher's reconciler is left to do it. */
  readonly enqueueTimeoutMs: number;
}

/** Injection token of the settings object. */
export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');

/** The URL without trailing `/`s; a loop, since `/\/+$/` is quadratic on a long run of slashes. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

/** Reads and validates the gateway's environment; throws a SettingsError listing every bad key. */
export function loadGatewaySettings(env: Env): GatewaySettings {
  const reader = new EnvReader(env);
  const common = readCommonSettings(reader, { port: 3000 });
  const settings: GatewaySettings = {
    ...common,
    publicUrl: withoutTrailingSlashes(reader.url('PUBLIC_URL', 'http://localhost:3000', ['http:', 'https:'])),
    maxBodyBytes: reader.integer('MAX_BODY_BYTES', 5 * 1024 * 1024, 1, 256 * 1024 * 1024),
    sourceCacheTtlMs: reader.integer('SOURCE_CACHE_TTL_MS', 1_000, 0, 60_000),
    sourceCacheMax: reader.integer('SOURCE_CACHE_MAX', 10_000, 1, 1_000_000),
    fanOutInlineMax: reader.integer('FAN_OUT_INLINE_MAX', 10, 0, 250),
    enqueueTimeoutMs: reader.integer('ENQUEUE_TIMEOUT_MS', 2_000, 100, 60_000),
  };
  reader.assertValid();
  return settings;
}
