import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { loadDispatcherSettings } from '../src/config/dispatcher-settings.js';
import { startTestDispatcher, type TestDispatcher } from './support/test-app.js';

describe('dispatcher boot', () => {
  let t: TestDispatcher;
  beforeAll(async () => {
    t = await startTestDispatcher('health');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers GET /api/v1/health with 204 and no auth', async () => {
    const res = await request(t.app.getHttpServer()).get('/api/v1/health');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('answers unknown paths with 404', async () => {
    expect((await request(t.app.getHttpServer()).get('/nope')).status).toBe(404);
  });
});

describe('dispatcher settings', () => {
  it('applies the documented defaults (docs/api.md §2)', () => {
    const s = loadDispatcherSettings({ ADMIN_API_KEY: 'x'.repeat(20) });
    expect(s.port).toBe(3001);
    expect(s.retryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(s.deliveryTimeoutMs).toBe(15_000);
    expect(s.endpointDisableAfterMs).toBe(5 * 86_400_000);
    expect(s.allowPrivateNetworks).toBe(false);
    expect(s.maxPayloadBytes).toBe(1024 * 1024);
  });

  it('reads the DNS settings: defaults, a timeout within the connect timeout, the fallback following ALLOW_PRIVATE_NETWORKS', () => {
    const key = { ADMIN_API_KEY: 'x'.repeat(20) };
    expect(loadDispatcherSettings(key)).toMatchObject({
      dnsTimeoutMs: 2_000,
      dnsTries: 2,
      dnsCacheMax: 1_000,
      dnsCacheMaxTtlMs: 60_000,
      dnsCacheErrorTtlMs: 1_000,
      dnsServers: undefined,
      dnsSystemFallback: false,
    });
    expect(loadDispatcherSettings({ ...key, DELIVERY_TIMEOUT_MS: '1000' }).dnsTimeoutMs).toBe(500);
    expect(loadDispatcherSettings({ ...key, ALLOW_PRIVATE_NETWORKS: 'true' }).dnsSystemFallback).toBe(true);
    expect(loadDispatcherSettings({ ...key, ALLOW_PRIVATE_NETWORKS: 'true', DNS_SYSTEM_FALLBACK: 'false' }).dnsSystemFallback).toBe(false);
    expect(loadDispatcherSettings({ ...key, DNS_SERVERS: ' 127.0.0.1, 127.0.0.1:5353,::1,[::1]:53 ' }).dnsServers).toEqual(['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:53']);
  });

  it('rejects bad DNS settings, listing each', () => {
    expect(() => loadDispatcherSettings({ DNS_SERVERS: '127.0.0.1,resolver.example,127.0.0.1:99999', DNS_TRIES: '0' })).toThrow(/DNS_SERVERS: "resolver\.example"[\s\S]*DNS_TRIES/);
    expect(() => loadDispatcherSettings({ DNS_SERVERS: '127.0.0.1:99999' })).toThrow(/DNS_SERVERS: "127\.0\.0\.1:99999"/);
    expect(() => loadDispatcherSettings({ CONNECT_TIMEOUT_MS: '1000', DNS_TIMEOUT_MS: '1000' })).toThrow(/DNS_TIMEOUT_MS must be less than CONNECT_TIMEOUT_MS/);
  });

  it('rejects a bad RETRY_SCHEDULE, timeout and flag together', () => {
    expect(() => loadDispatcherSettings({ RETRY_SCHEDULE: '5s,banana', DELIVERY_TIMEOUT_MS: '-1', ALLOW_PRIVATE_NETWORKS: 'perhaps' })).toThrow(
      /RETRY_SCHEDULE[\s\S]*DELIVERY_TIMEOUT_MS[\s\S]*ALLOW_PRIVATE_NETWORKS/,
    );
  });
});
