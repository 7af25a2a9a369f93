import { randomBytes } from 'node:crypto';
import { readEncryptionKeys } from '@switchyard/db';
import { parseDuration } from '@switchyard/events';

/** Environment variables as Node gives them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown at boot when the environment is invalid; lists every bad key at once. */
export class SettingsError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid environment:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Reads typed values out of the environment, collecting a problem per bad key instead of
 * stopping at the first. The one place `process.env` is interpreted.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(key: string): string | undefined {
    const value = this.env[key];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(key: string, fallback: string): string;
  string(key: string): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    return this.raw(key) ?? fallback;
  }

  url(key: string, fallback: string, protocols: readonly string[]): string {
    const value = this.raw(key) ?? fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) this.problems.push(`${key} must be a ${protocols.join(' or ')} URL`);
    } catch {
      this.problems.push(`${key} is not a URL`);
    }
    return value;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      this.problems.push(`${key} must be an integer from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${key} must be true or false (got "${value}")`);
    return fallback;
  }

  oneOf<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.problems.push(`${key} must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }

  /** A duration such as `5s`, `15000ms`, `5d`, in milliseconds. */
  duration(key: string, fallback: string): number {
    const value = this.raw(key) ?? fallback;
    const ms = parseDuration(value);
    if (ms === undefined) {
      this.problems.push(`${key} must be a duration like 500ms, 5s, 5m, 2h or 5d (got "${value}")`);
      return parseDuration(fallback) ?? 0;
    }
    return ms;
  }

  /** Records a problem found by a cross-key check. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a SettingsError listing every problem, if there are any. */
  assertValid(): void {
    if (this.problems.length > 0) throw new SettingsError(this.problems);
  }
}

/** Settings both apps read (docs/api.md §2). */
export interface CommonSettings {
  readonly nodeEnv: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /**
   * REDIS_CLUSTER_NODES: seeds of a Redis Cluster (README "Redis Cluster"). Empty: one Redis at
   * REDIS_URL. Set: both Bull and the scheduler use an ioredis Cluster client, and REDIS_URL gives
   * only the credentials and TLS (`rediss:`) every node is reached with.
   */
  readonly redisClusterNodes: readonly RedisNode[];
  readonly queuePrefix: string;
  readonly port: number;
  readonly host: string;
  /** Where the admin listener (metrics, queue dashboard, detailed readiness) binds; never the public address by default. */
  readonly adminHost: string;
  /** Its port; 0 takes an ephemeral one (tests). */
  readonly adminPort: number;
  /** The bearer token with full access. */
  readonly adminApiKey: string;
  /** True when ADMIN_API_KEY was unset and a key was generated for this run. */
  readonly adminApiKeyGenerated: boolean;
  /**
   * 32-byte keys for secrets at rest (SECRET_ENCRYPTION_KEYS, or SECRET_ENCRYPTION_KEY as a list
   * of one): the first seals, every one opens. Empty: secrets are stored in clear (refused when
   * NODE_ENV=production).
   */
  readonly secretEncryptionKeys: readonly Buffer[];
  readonly logLevel: LogLevel;
  /** Most PostgreSQL connections the process opens. */
  readonly databasePoolSize: number;
  /** How concurrent writes share statements (group commit). */
  readonly commit: CommitSettings;
  /** IDEMPOTENCY_TTL: how long a POST's answer is replayed for a repeated `idempotency-key`; the key is swept after. */
  readonly idempotencyTtlMs: number;
  /** How the retention sweep runs (README "Retention"). */
  readonly retention: RetentionSweepSettings;
  /** OpenTelemetry tracing (the standard OTEL_* variables). */
  readonly tracing: TracingSettings;
}

/** RETENTION_SWEEP_INTERVAL and RETENTION_BATCH_SIZE: how often the sweep runs, and how many rows one statement removes. */
export interface RetentionSweepSettings {
  readonly intervalMs: number;
  readonly batchSize: number;
  /** RETENTION_MAX_BATCHES: batches one kind of row gets per pass, so a pass always ends. */
  readonly maxBatchesPerPass: number;
  /** PARTITION_INTERVAL, PARTITION_AHEAD, PARTITION_LOCK_TIMEOUT: how the time-partitioned tables are kept (README "Retention"). */
  readonly partitions: { readonly intervalMs: number; readonly aheadMs: number; readonly lockTimeoutMs: number };
}

/** Most partitions PARTITION_AHEAD / PARTITION_INTERVAL may ask for ahead of now. */
export const MAX_PARTITIONS_AHEAD = 1000;
/** The shortest PARTITION_INTERVAL. */
export const MIN_PARTITION_INTERVAL_MS = 60_000;

/**
 * Tracing is on only when an OTLP endpoint is set. Only the variables that decide whether and
 * where are read here; the SDK reads the rest of its standard OTEL_* variables (sampler, batch,
 * resource, exporter headers) itself, and only when tracing is on.
 */
export interface TracingSettings {
  readonly enabled: boolean;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`; null when neither is set. */
  readonly tracesUrl: string | null;
}

/** The URL without trailing `/`s; a loop, since `/\/+$/` is quadratic on a long run of slashes. */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

/** Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER. */
export function readTracingSettings(reader: EnvReader): TracingSettings {
  const specific = reader.string('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = reader.string('OTEL_EXPORTER_OTLP_ENDPOINT');
  const disabled = reader.boolean('OTEL_SDK_DISABLED', false);
  const exporter = reader.oneOf('OTEL_TRACES_EXPORTER', 'otlp', ['otlp', 'none']);
  let tracesUrl: string | null = null;
  if (specific !== undefined) tracesUrl = reader.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific, ['http:', 'https:']);
  else if (base !== undefined) tracesUrl = `${withoutTrailingSlashes(reader.url('OTEL_EXPORTER_OTLP_ENDPOINT', base, ['http:', 'https:']))}/v1/traces`;
  return { enabled: tracesUrl !== null && !disabled && exporter === 'otlp', tracesUrl };
}

/**
 * Group commit (COMMIT_*): writes made while a statement of their kind is running wait and go
 * together in the next one, with no timer, so an idle process commits each write at once.
 */
export interface CommitSettings {
  /** COMMIT_BATCH_MAX: most rows per statement. */
  readonly batchMax: number;
  /** COMMIT_BATCH_BYTES: most bytes of payloads and bodies per statement (one larger write still goes, alone). */
  readonly batchBytes: number;
  /** COMMIT_IN_FLIGHT: statements of one kind running at once, so one slow statement does not hold up the next. */
  readonly inFlight: number;
  /** COMMIT_QUEUE_MAX: writes waiting at most; past it a request is answered 503 with Retry-After at once. */
  readonly queueMax: number;
}

const QUEUE_PREFIX = /^[A-Za-z0-9_\-:{}]{1,64}$/;

/** A Redis node's address (a cluster seed). */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Seeds a cluster client is given at most (it learns every other node from them). */
const MAX_CLUSTER_SEEDS = 64;

/**
 * Parses REDIS_CLUSTER_NODES: comma-separated `host:port` (an IPv6 address in brackets:
 * `[::1]:7000`). Unset or blank: no cluster.
 */
export function readRedisClusterNodes(reader: EnvReader, key = 'REDIS_CLUSTER_NODES'): RedisNode[] {
  const value = reader.string(key);
  if (value === undefined) return [];
  const nodes: RedisNode[] = [];
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_CLUSTER_SEEDS) {
    reader.problem(`${key} must list at most ${MAX_CLUSTER_SEEDS} nodes`);
    return [];
  }
  for (const [i, entry] of entries.entries()) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[3]) : 0;
    if (!match || port < 1 || port > 65535) {
      // The entry is not echoed: a URL pasted here by mistake may carry a password.
      reader.problem(`${key} must be comma-separated host:port pairs (entry ${i + 1} is not)`);
      continue;
    }
    nodes.push({ host: match[1] ?? match[2]!, port });
  }
  return nodes;
}

/** A duration setting that must be more than zero (a retention of 0 would remove what was just written). */
export function positiveDuration(reader: EnvReader, key: string, fallback: string): number {
  const ms = reader.duration(key, fallback);
  if (ms <= 0) reader.problem(`${key} must be more than zero`);
  return ms;
}

function readPartitionSettings(reader: EnvReader): RetentionSweepSettings['partitions'] {
  const intervalMs = positiveDuration(reader, 'PARTITION_INTERVAL', '1d');
  const aheadMs = positiveDuration(reader, 'PARTITION_AHEAD', '3d');
  const lockTimeoutMs = positiveDuration(reader, 'PARTITION_LOCK_TIMEOUT', '2s');
  if (intervalMs > 0 && intervalMs < MIN_PARTITION_INTERVAL_MS) reader.problem('PARTITION_INTERVAL must be at least 1m');
  if (intervalMs >= MIN_PARTITION_INTERVAL_MS && aheadMs / intervalMs > MAX_PARTITIONS_AHEAD) {
    reader.problem(`PARTITION_AHEAD must be at most ${MAX_PARTITIONS_AHEAD} times PARTITION_INTERVAL (partitions made ahead)`);
  }
  return { intervalMs, aheadMs, lockTimeoutMs };
}

/** Reads the settings every app shares, recording problems on the reader. */
export function readCommonSettings(reader: EnvReader, defaults: { port: number; adminPort: number; databasePoolSize?: number }): CommonSettings {
  const nodeEnv = reader.string('NODE_ENV', 'development');
  const queuePrefix = reader.string('QUEUE_PREFIX', 'switchyard');
  if (!QUEUE_PREFIX.test(queuePrefix)) reader.problem('QUEUE_PREFIX must be 1-64 characters of letters, digits, _ - : { }');
  let adminApiKey = reader.string('ADMIN_API_KEY');
  const adminApiKeyGenerated = adminApiKey === undefined;
  if (adminApiKey === undefined) {
    if (nodeEnv === 'production') reader.problem('ADMIN_API_KEY must be set when NODE_ENV=production');
    adminApiKey = `sk_${randomBytes(24).toString('base64url')}`;
  } else if (adminApiKey.length < 16) {
    reader.problem('ADMIN_API_KEY must be at least 16 characters');
  }
  const encryption = readEncryptionKeys({ SECRET_ENCRYPTION_KEYS: reader.string('SECRET_ENCRYPTION_KEYS'), SECRET_ENCRYPTION_KEY: reader.string('SECRET_ENCRYPTION_KEY') });
  for (const problem of encryption.problems) reader.problem(problem);
  if (encryption.problems.length === 0 && encryption.keys.length === 0 && nodeEnv === 'production') {
    reader.problem('SECRET_ENCRYPTION_KEYS (or SECRET_ENCRYPTION_KEY) must be set when NODE_ENV=production: endpoint and source secrets are encrypted at rest with it (openssl rand -base64 32)');
  }
  const redisUrl = reader.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']);
  const redisClusterNodes = readRedisClusterNodes(reader);
  const redisDb = URL.canParse(redisUrl) ? new URL(redisUrl).pathname.replace(/^\/+/, '') : '';
  if (redisClusterNodes.length > 0 && redisDb !== '' && Number(redisDb) !== 0) {
    reader.problem('REDIS_URL must not name a database other than 0 with REDIS_CLUSTER_NODES (a Redis Cluster has only database 0)');
  }
  const port = reader.integer('PORT', defaults.port, 0, 65535);
  const adminPort = reader.integer('ADMIN_PORT', defaults.adminPort, 0, 65535);
  if (adminPort !== 0 && adminPort === port) reader.problem(`ADMIN_PORT must differ from PORT (both are ${port})`);
  return {
    nodeEnv,
    databaseUrl: reader.url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/switchyard', ['postgres:', 'postgresql:']),
    redisUrl,
    redisClusterNodes,
    queuePrefix,
    port,
    host: reader.string('HOST', '0.0.0.0'),
    adminHost: reader.string('ADMIN_HOST', '127.0.0.1'),
    adminPort,
    adminApiKey,
    adminApiKeyGenerated,
    secretEncryptionKeys: encryption.keys,
    logLevel: reader.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', defaults.databasePoolSize ?? 10, 1, 500),
    commit: {
      batchMax: reader.integer('COMMIT_BATCH_MAX', 128, 1, 4096),
      batchBytes: reader.integer('COMMIT_BATCH_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      inFlight: reader.integer('COMMIT_IN_FLIGHT', 2, 1, 64),
      queueMax: reader.integer('COMMIT_QUEUE_MAX', 4096, 1, 1_000_000),
    },
    idempotencyTtlMs: positiveDuration(reader, 'IDEMPOTENCY_TTL', '24h'),
    retention: {
      intervalMs: positiveDuration(reader, 'RETENTION_SWEEP_INTERVAL', '1m'),
      batchSize: reader.integer('RETENTION_BATCH_SIZE', 1_000, 1, 100_000),
      maxBatchesPerPass: reader.integer('RETENTION_MAX_BATCHES', 100, 1, 100_000),
      partitions: readPartitionSettings(reader),
    },
    tracing: readTracingSettings(reader),
  };
}
