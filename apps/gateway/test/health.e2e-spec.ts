import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { loadGatewaySettings } from '../src/config/gateway-settings.js';
import { startTestGateway, type TestGateway } from './support/test-app.js';

describe('gateway boot', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('health');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers GET /api/v1/health with 204 and no auth', async () => {
    const res = await request(t.app.getHttpServer()).get('/api/v1/health');
    expect(res.status).toBe(204);
  });
});

describe('gateway settings', () => {
  it('applies the documented defaults (docs/api.md §2)', () => {
    const s = loadGatewaySettings({ ADMIN_API_KEY: 'x'.repeat(20) });
    expect(s.port).toBe(3000);
    expect(s.publicUrl).toBe('http://localhost:3000');
    expect(s.maxBodyBytes).toBe(5 * 1024 * 1024);
  });

  it('strips a trailing slash from PUBLIC_URL and rejects bad values', () => {
    expect(loadGatewaySettings({ PUBLIC_URL: 'https://hooks.example.com/' }).publicUrl).toBe('https://hooks.example.com');
    expect(() => loadGatewaySettings({ PUBLIC_URL: 'ftp://x', MAX_BODY_BYTES: '0' })).toThrow(/PUBLIC_URL[\s\S]*MAX_BODY_BYTES/);
  });

  it('DEDUP_WINDOW: 7 days by default, a duration from 5m to 365d', () => {
    expect(loadGatewaySettings({}).dedupWindowMs).toBe(7 * 24 * 3600 * 1000);
    expect(loadGatewaySettings({ DEDUP_WINDOW: '30d' }).dedupWindowMs).toBe(30 * 24 * 3600 * 1000);
    expect(loadGatewaySettings({ DEDUP_WINDOW: '5m' }).dedupWindowMs).toBe(300_000);
    expect(() => loadGatewaySettings({ DEDUP_WINDOW: '1m' })).toThrow(/DEDUP_WINDOW must be from 5m to 365d/);
    expect(() => loadGatewaySettings({ DEDUP_WINDOW: 'forever' })).toThrow(/DEDUP_WINDOW must be a duration/);
  });
});
