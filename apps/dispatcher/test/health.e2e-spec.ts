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
  it('applies the CONTRACT defaults', () => {
    const s = loadDispatcherSettings({ ADMIN_API_KEY: 'x'.repeat(20) });
    expect(s.port).toBe(3001);
    expect(s.retryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(s.deliveryTimeoutMs).toBe(15_000);
    expect(s.endpointDisableAfterMs).toBe(5 * 86_400_000);
    expect(s.allowPrivateNetworks).toBe(false);
    expect(s.maxPayloadBytes).toBe(1024 * 1024);
  });

  it('rejects a bad RETRY_SCHEDULE, timeout and flag together', () => {
    expect(() => loadDispatcherSettings({ RETRY_SCHEDULE: '5s,banana', DELIVERY_TIMEOUT_MS: '-1', ALLOW_PRIVATE_NETWORKS: 'perhaps' })).toThrow(
      /RETRY_SCHEDULE[\s\S]*DELIVERY_TIMEOUT_MS[\s\S]*ALLOW_PRIVATE_NETWORKS/,
    );
  });
});
