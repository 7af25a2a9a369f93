import { describe, expect, it } from '@jest/globals';
import { EnvReader, readCommonSettings, SettingsError } from '../src/index.js';

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  const settings = readCommonSettings(reader, { port: 3001, adminPort: 9001 });
  return { settings, problems: reader.problems };
}

describe('readCommonSettings', () => {
  it('applies the documented defaults (docs/api.md §2)', () => {
    const { settings, problems } = read({});
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/switchyard',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'switchyard',
      port: 3001,
      host: '0.0.0.0',
      adminHost: '127.0.0.1',
      adminPort: 9001,
      logLevel: 'info',
      adminApiKeyGenerated: true,
      secretEncryptionKeys: [],
    });
    expect(settings.adminApiKey).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
  });

  it('reads the admin listener, which must not share the public port', () => {
    expect(read({ ADMIN_HOST: '0.0.0.0', ADMIN_PORT: '0' }).settings).toMatchObject({ adminHost: '0.0.0.0', adminPort: 0 });
    expect(read({ PORT: '0', ADMIN_PORT: '0' }).problems).toEqual([]);
    expect(read({ PORT: '9001' }).problems).toEqual(['ADMIN_PORT must differ from PORT (both are 9001)']);
  });

  it('generates a different key each run when unset', () => {
    expect(read({}).settings.adminApiKey).not.toBe(read({}).settings.adminApiKey);
  });

  it('refuses to run in production without ADMIN_API_KEY or an encryption key, listing both', () => {
    expect(read({ NODE_ENV: 'production' }).problems).toEqual([
      'ADMIN_API_KEY must be set when NODE_ENV=production',
      expect.stringMatching(/^SECRET_ENCRYPTION_KEYS \(or SECRET_ENCRYPTION_KEY\) must be set when NODE_ENV=production/),
    ]);
    const key = 'ab'.repeat(32);
    expect(read({ NODE_ENV: 'production', ADMIN_API_KEY: 'sk_0123456789abcdef', SECRET_ENCRYPTION_KEYS: key }).problems).toEqual([]);
    expect(read({ NODE_ENV: 'production', ADMIN_API_KEY: 'sk_0123456789abcdef', SECRET_ENCRYPTION_KEY: key }).problems).toEqual([]);
  });

  it('reads SECRET_ENCRYPTION_KEYS in order and refuses it beside SECRET_ENCRYPTION_KEY', () => {
    const [a, b] = ['ab'.repeat(32), Buffer.alloc(32, 9).toString('base64')];
    const { settings, problems } = read({ SECRET_ENCRYPTION_KEYS: `${a},${b}` });
    expect(problems).toEqual([]);
    expect(settings.secretEncryptionKeys.map((k) => k.toString('hex'))).toEqual([a, Buffer.alloc(32, 9).toString('hex')]);
    expect(read({ SECRET_ENCRYPTION_KEYS: a, SECRET_ENCRYPTION_KEY: a }).problems).toEqual([expect.stringMatching(/not both/)]);
    // A bad list is its own problem, not also a missing key in production.
    expect(read({ NODE_ENV: 'production', ADMIN_API_KEY: 'sk_0123456789abcdef', SECRET_ENCRYPTION_KEYS: `${a},nope` }).problems).toEqual([
      'SECRET_ENCRYPTION_KEYS entry 2 must be 32 bytes as base64 or 64 hex digits',
    ]);
  });

  it('reads REDIS_CLUSTER_NODES as host:port seeds, and refuses anything else without echoing it', () => {
    expect(read({}).settings.redisClusterNodes).toEqual([]);
    const { settings, problems } = read({ REDIS_CLUSTER_NODES: ' redis-0.redis:6379, 10.0.0.2:7001,[::1]:7002 ' });
    expect(problems).toEqual([]);
    expect(settings.redisClusterNodes).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    for (const bad of ['redis-0', 'host:0', 'host:70000', 'a:1,,b:2', 'redis://:hunter2@host:6379']) {
      const r = read({ REDIS_CLUSTER_NODES: bad });
      expect(r.problems).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES must be comma-separated host:port pairs/)]);
      expect(r.problems.join(' ')).not.toContain('hunter2');
    }
  });

  it('refuses a REDIS_URL naming a database other than 0 beside REDIS_CLUSTER_NODES (a cluster has only 0)', () => {
    expect(read({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://:pw@x/2' }).problems).toEqual([expect.stringMatching(/^REDIS_URL must not name a database other than 0/)]);
    expect(read({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'rediss://user:pw@x/0' }).problems).toEqual([]);
    expect(read({ REDIS_URL: 'redis://x/2' }).problems).toEqual([]);
  });

  it('lists every bad key at once', () => {
    const { problems } = read({
      DATABASE_URL: 'mysql://x/y',
      REDIS_URL: 'not a url',
      PORT: '99999',
      LOG_LEVEL: 'loud',
      SECRET_ENCRYPTION_KEY: 'short',
      QUEUE_PREFIX: 'has spaces',
      ADMIN_API_KEY: 'short',
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/DATABASE_URL.*REDIS_URL|REDIS_URL/s);
  });

  it('never echoes the encryption key or admin key in a problem', () => {
    const { problems } = read({ SECRET_ENCRYPTION_KEY: 'supersecretvalue', ADMIN_API_KEY: 'tiny' });
    expect(problems.join(' ')).not.toContain('supersecretvalue');
    expect(problems.join(' ')).not.toContain('tiny');
  });

  it('reads a hex encryption key', () => {
    const { settings, problems } = read({ SECRET_ENCRYPTION_KEY: 'ab'.repeat(32) });
    expect(problems).toEqual([]);
    expect(settings.secretEncryptionKeys.map((k) => k.length)).toEqual([32]);
  });
});

describe('tracing settings (OTEL_*)', () => {
  it('off unless an OTLP endpoint is set', () => {
    expect(read({}).settings.tracing).toEqual({ enabled: false, tracesUrl: null });
    expect(read({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).settings.tracing.enabled).toBe(false);
  });

  it('OTEL_EXPORTER_OTLP_ENDPOINT is a base (+ /v1/traces); the traces endpoint is used as it is and wins', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).settings.tracing).toEqual({ enabled: true, tracesUrl: 'http://collector:4318/v1/traces' });
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' }).settings.tracing).toEqual({
      enabled: true,
      tracesUrl: 'https://b/otlp/traces',
    });
  });

  it('OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off; bad values are listed', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).settings.tracing.enabled).toBe(false);
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' }).settings.tracing.enabled).toBe(false);
    const { problems } = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_EXPORTER: 'zipkin' });
    expect(problems).toEqual([expect.stringContaining('OTEL_TRACES_EXPORTER'), expect.stringContaining('OTEL_EXPORTER_OTLP_ENDPOINT')]);
  });
});

describe('EnvReader', () => {
  it('parses booleans, durations and ranges, and throws a SettingsError listing problems', () => {
    const reader = new EnvReader({ A: 'yes', B: '5d', C: 'maybe', D: '7x', E: '12' });
    expect(reader.boolean('A', false)).toBe(true);
    expect(reader.duration('B', '1s')).toBe(5 * 86_400_000);
    expect(reader.boolean('C', false)).toBe(false);
    expect(reader.duration('D', '1s')).toBe(1000);
    expect(reader.integer('E', 0, 0, 10)).toBe(0);
    expect(() => reader.assertValid()).toThrow(SettingsError);
    try {
      reader.assertValid();
    } catch (error) {
      expect((error as SettingsError).problems).toHaveLength(3);
    }
  });

  it('treats blank values as unset', () => {
    const reader = new EnvReader({ PORT: '  ' });
    expect(reader.integer('PORT', 3000, 0, 65535)).toBe(3000);
    expect(reader.problems).toEqual([]);
  });

  it('reads the group commit settings, with their defaults and bounds', () => {
    expect(read({}).settings.commit).toEqual({ batchMax: 128, batchBytes: 4 * 1024 * 1024, inFlight: 2, queueMax: 4096 });
    const set = read({ COMMIT_BATCH_MAX: '16', COMMIT_BATCH_BYTES: '65536', COMMIT_IN_FLIGHT: '4', COMMIT_QUEUE_MAX: '100' });
    expect(set.problems).toEqual([]);
    expect(set.settings.commit).toEqual({ batchMax: 16, batchBytes: 65536, inFlight: 4, queueMax: 100 });
    const bad = read({ COMMIT_BATCH_MAX: '0', COMMIT_BATCH_BYTES: '12', COMMIT_IN_FLIGHT: 'two', COMMIT_QUEUE_MAX: '-1' });
    expect(bad.problems.map((p) => p.split(' ')[0])).toEqual(['COMMIT_BATCH_MAX', 'COMMIT_BATCH_BYTES', 'COMMIT_IN_FLIGHT', 'COMMIT_QUEUE_MAX']);
  });

  it('reads IDEMPOTENCY_TTL and the retention sweep settings, refusing zero and bad durations', () => {
    const defaults = read({}).settings;
    expect(defaults.idempotencyTtlMs).toBe(24 * 3600 * 1000);
    const day = 24 * 3600 * 1000;
    expect(defaults.retention).toEqual({ intervalMs: 60_000, batchSize: 1000, maxBatchesPerPass: 100, partitions: { intervalMs: day, aheadMs: 3 * day, lockTimeoutMs: 2000 } });
    const set = read({ IDEMPOTENCY_TTL: '3s', RETENTION_SWEEP_INTERVAL: '1s', RETENTION_BATCH_SIZE: '20', RETENTION_MAX_BATCHES: '5' });
    expect(set.problems).toEqual([]);
    expect(set.settings.idempotencyTtlMs).toBe(3000);
    expect(set.settings.retention).toEqual({ intervalMs: 1000, batchSize: 20, maxBatchesPerPass: 5, partitions: { intervalMs: day, aheadMs: 3 * day, lockTimeoutMs: 2000 } });
    const bad = read({ IDEMPOTENCY_TTL: '0s', RETENTION_SWEEP_INTERVAL: 'soon', RETENTION_BATCH_SIZE: '0' });
    expect(bad.problems.map((p) => p.split(' ')[0])).toEqual(['IDEMPOTENCY_TTL', 'RETENTION_SWEEP_INTERVAL', 'RETENTION_BATCH_SIZE']);
  });

  it('reads the partition settings, refusing a width under a minute and too many partitions ahead', () => {
    const set = read({ PARTITION_INTERVAL: '1h', PARTITION_AHEAD: '2d', PARTITION_LOCK_TIMEOUT: '500ms' });
    expect(set.problems).toEqual([]);
    expect(set.settings.retention.partitions).toEqual({ intervalMs: 3_600_000, aheadMs: 2 * 86_400_000, lockTimeoutMs: 500 });
    expect(read({ PARTITION_INTERVAL: '30s' }).problems).toEqual(['PARTITION_INTERVAL must be at least 1m']);
    expect(read({ PARTITION_INTERVAL: '1m', PARTITION_AHEAD: '30d' }).problems.map((p) => p.split(' ')[0])).toEqual(['PARTITION_AHEAD']);
    const bad = read({ PARTITION_INTERVAL: '0s', PARTITION_AHEAD: 'later', PARTITION_LOCK_TIMEOUT: '0ms' });
    expect(bad.problems.map((p) => p.split(' ')[0])).toEqual(['PARTITION_INTERVAL', 'PARTITION_AHEAD', 'PARTITION_LOCK_TIMEOUT']);
  });
});
