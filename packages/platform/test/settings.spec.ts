import { describe, expect, it } from '@jest/globals';
import { EnvReader, readCommonSettings, SettingsError } from '../src/index.js';

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  const settings = readCommonSettings(reader, { port: 3001 });
  return { settings, problems: reader.problems };
}

describe('readCommonSettings', () => {
  it('applies the CONTRACT defaults', () => {
    const { settings, problems } = read({});
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/switchyard',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'switchyard',
      port: 3001,
      host: '0.0.0.0',
      logLevel: 'info',
      adminApiKeyGenerated: true,
      secretEncryptionKey: undefined,
    });
    expect(settings.adminApiKey).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
  });

  it('generates a different key each run when unset', () => {
    expect(read({}).settings.adminApiKey).not.toBe(read({}).settings.adminApiKey);
  });

  it('refuses to run in production without ADMIN_API_KEY', () => {
    expect(read({ NODE_ENV: 'production' }).problems).toEqual(['ADMIN_API_KEY must be set when NODE_ENV=production']);
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
    expect(settings.secretEncryptionKey?.length).toBe(32);
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
});
