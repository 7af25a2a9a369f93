import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { loadDispatcherSettings } from '../src/config/dispatcher-settings.js';
import { defaultPortalDirectory, installPortal, isFrameAncestorsList } from '../src/portal/portal-static.js';
import { startTestDispatcher, type TestDispatcher } from './support/test-app.js';

// The consumer portal as the dispatcher serves it (the built apps/portal: turbo builds it first).
describe('/portal', () => {
  let dispatcher: TestDispatcher;
  beforeAll(async () => {
    dispatcher = await startTestDispatcher('portal', { PORTAL_FRAME_ANCESTORS: "'self' https://app.example.com" });
  });
  afterAll(async () => {
    await dispatcher?.close();
  });
  const get = (url: string) => dispatcher.app.inject({ method: 'GET', url });

  it('serves index.html at /portal with no-cache, a CSP with the configured frame-ancestors and no X-Frame-Options', async () => {
    const res = await get('/portal');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root"></div>');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self' https://app.example.com");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers index.html for client routes (a reload or a deep link), and 404 for a missing file', async () => {
    for (const route of ['/portal/', '/portal/endpoints', '/portal/endpoints/ep_123/edit', '/portal/messages/msg_1']) {
      const res = await get(route);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<div id="root"></div>');
    }
    expect((await get('/portal/assets/missing-abc123.js')).statusCode).toBe(404);
    expect((await get('/portal/nothing.txt')).statusCode).toBe(404);
    expect((await get('/portal/assets/../../package.json')).statusCode).not.toBe(200);
  });

  it('serves the hashed assets for a year, immutable', async () => {
    const index = (await get('/portal')).body;
    const script = /src="(\/portal\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const res = await get(script!);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('needs no token (the portal authenticates its API calls itself)', async () => {
    expect((await get('/portal/logs')).statusCode).toBe(200);
    expect(defaultPortalDirectory()).toMatch(/portal[/\\]dist$/);
  });
});

describe('without a built portal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'no-portal-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps serving and answers /portal with 503 saying how to build it', async () => {
    const fastify = Fastify();
    const result = await installPortal(fastify, { frameAncestors: '*', directory: dir });
    expect(result.directory).toBeUndefined();
    for (const url of ['/portal', '/portal/endpoints']) {
      const res = await fastify.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('pnpm build');
    }
    await fastify.close();
  });
});

describe('PORTAL_FRAME_ANCESTORS', () => {
  it('takes a CSP source list and refuses anything that could add a directive', () => {
    for (const ok of ['*', "'self'", "'none'", "'self' https://app.example.com https://*.example.org:8443", 'https:']) expect(isFrameAncestorsList(ok)).toBe(true);
    for (const bad of ['', "'self'; script-src *", 'https://a.example.com,https://b.example.com', "'unsafe-inline'"]) expect(isFrameAncestorsList(bad)).toBe(false);
  });

  it('is validated with the other settings', () => {
    expect(() => loadDispatcherSettings({ ADMIN_API_KEY: 'x'.repeat(32), PORTAL_FRAME_ANCESTORS: "* ; script-src 'unsafe-inline'" })).toThrow(/PORTAL_FRAME_ANCESTORS/);
    expect(loadDispatcherSettings({ ADMIN_API_KEY: 'x'.repeat(32) }).portalFrameAncestors).toBe('*');
  });
});
