import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { ApplicationEntity, ApplicationKind, EndpointEntity, InboundRequestEntity, reseal, SecretBox, SourceEntity } from '@switchyard/db';
import { ApiException, Svix } from 'svix';
import { ApiException as ApiException2, Svix as Svix2 } from 'svix2';
import { eventually, startTestGateway, TEST_ADMIN_KEY, TEST_PUBLIC_URL, type TestGateway } from './support/test-app.js';

/** The SDK releases this suite runs against (docs/api.md §7): the pinned 1.x and the 2.x `npm i svix` installs today. */
const SDKS = [
  { name: 'svix@1.99.1', major: 1 },
  { name: 'svix@2.5.0', major: 2 },
] as const;

describe.each(SDKS)('$name', (sdk) => {
  let t: TestGateway;
  /** The SDK under test, typed as 1.x: the ingest calls the suite makes are the same in 2.x but for the renamed ones below. */
  let svix: Svix;
  /** 2.x renamed the PUTs `update` → `upsert` and `updateHeaders` → `setHeaders`. */
  let renamed: {
    sourceUpdate: Svix['ingest']['source']['update'];
    endpointUpdate: Svix['ingest']['endpoint']['update'];
    endpointUpdateHeaders: Svix['ingest']['endpoint']['updateHeaders'];
  };

  beforeAll(async () => {
    t = await startTestGateway(sdk.major === 1 ? 'sources' : `sources-v${sdk.major}`, { SECRET_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    if (sdk.major === 1) {
      svix = t.svix;
      renamed = {
        sourceUpdate: (...args) => svix.ingest.source.update(...args),
        endpointUpdate: (...args) => svix.ingest.endpoint.update(...args),
        endpointUpdateHeaders: (...args) => svix.ingest.endpoint.updateHeaders(...args),
      };
    } else {
      const v2 = new Svix2(TEST_ADMIN_KEY, { serverUrl: t.baseUrl });
      svix = v2 as unknown as Svix;
      renamed = {
        sourceUpdate: ((id: string, body: never) => v2.ingest.source.upsert(id, body)) as never,
        endpointUpdate: ((sourceId: string, id: string, body: never) => v2.ingest.endpoint.upsert(sourceId, id, body)) as never,
        endpointUpdateHeaders: ((sourceId: string, id: string, body: never) => v2.ingest.endpoint.setHeaders(sourceId, id, body)) as never,
      };
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function rejection(promise: Promise<unknown>): Promise<ApiException<{ code?: string; detail?: unknown }>> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ApiException || error instanceof ApiException2) return error as ApiException<{ code?: string; detail?: unknown }>;
      throw error;
    }
    throw new Error('expected the SDK call to fail');
  }

  describe('ingest sources through the svix SDK', () => {
    it('creates a source with its own application, answers IngestSourceOut without secrets, and stores the config sealed', async () => {
      const source = await svix.ingest.source.create({ name: 'GitHub org', uid: 'gh-org', type: 'github', config: { secret: 'gh-secret-value' }, metadata: { team: 'core' } });
      expect(source.id).toMatch(/^src_[0-9A-Z]{26}$/);
      expect(source).toMatchObject({ name: 'GitHub org', uid: 'gh-org', type: 'github', config: {}, metadata: { team: 'core' } });
      expect(source.ingestUrl).toMatch(new RegExp(`^${TEST_PUBLIC_URL}/in/[A-Za-z0-9_-]{32}$`));
      expect(source.createdAt).toBeInstanceOf(Date);

      const row = await t.dataSource.getRepository(SourceEntity).findOneByOrFail({ id: source.id });
      expect(row.config).toMatch(/^enc:v2:[0-9a-f]{16}:/);
      expect(row.config).not.toContain('gh-secret-value');
      const app = await t.dataSource.getRepository(ApplicationEntity).findOneByOrFail({ id: row.appId });
      expect(app.kind).toBe(ApplicationKind.Source);

      const raw = await api('GET', `/ingest/api/v1/source/${source.id}`);
      expect(JSON.stringify(raw.body)).not.toContain('gh-secret-value');
    });

    it('gets, lists, updates and deletes by id or uid', async () => {
      const a = await svix.ingest.source.create({ name: 'stripe A', type: 'stripe', config: { secret: 'whsec_a' } });
      const b = await svix.ingest.source.create({ name: 'svix B', uid: 'svix-b', type: 'svix', config: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
      expect((await svix.ingest.source.get('svix-b')).id).toBe(b.id);

      const page1 = await svix.ingest.source.list({ limit: 1 });
      expect(page1.data).toHaveLength(1);
      expect(page1.done).toBe(false);
      const page2 = await svix.ingest.source.list({ limit: 250, iterator: page1.iterator! });
      const ids = [...page1.data, ...page2.data].map((s) => s.id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(new Set(ids).size).toBe(ids.length);

      const updated = await renamed.sourceUpdate(a.id, { name: 'stripe A2', type: 'stripe', config: { secret: 'whsec_b' } });
      expect(updated.name).toBe('stripe A2');
      expect(updated.ingestUrl).toBe(a.ingestUrl);

      await svix.ingest.source.delete('svix-b');
      expect((await rejection(svix.ingest.source.get(b.id))).code).toBe(404);
      const app = await t.dataSource.getRepository(ApplicationEntity).countBy({ kind: ApplicationKind.Source });
      expect(app).toBe(await t.dataSource.getRepository(SourceEntity).count());
    });

    it('rotates the ingest token: the new URL works, the old one answers 404', async () => {
      const source = await svix.ingest.source.create({ name: 'rot', type: 'generic-webhook', config: {} });
      const rotated = await svix.ingest.source.rotateToken(source.id);
      expect(rotated.ingestUrl).not.toBe(source.ingestUrl);
      const old = await fetch(t.localUrl(source.ingestUrl!), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(old.status).toBe(404);
      expect(await old.json()).toMatchObject({ code: 'not_found' });
      const fresh = await fetch(t.localUrl(rotated.ingestUrl), { method: 'POST', body: '{"type":"ping"}', headers: { 'content-type': 'application/json' } });
      expect(fresh.status).toBe(200);
      expect((await svix.ingest.source.get(source.id)).ingestUrl).toBe(rotated.ingestUrl);
    });

    it('manages ingest endpoints: create, list, get, update, secret, rotate, headers, delete', async () => {
      const source = await svix.ingest.source.create({ name: 'eps', type: 'github', config: { secret: 's' } });
      const ep = await svix.ingest.endpoint.create(source.id, { url: 'https://receiver.example.test/hook', uid: 'main', description: 'main', metadata: { a: 'b' }, throttleRate: 5 });
      expect(ep).toMatchObject({ url: 'https://receiver.example.test/hook', uid: 'main', description: 'main', disabled: false, metadata: { a: 'b' }, throttleRate: 5 });
      expect(ep.id).toMatch(/^ep_/);
      const row = await t.dataSource.getRepository(EndpointEntity).findOneByOrFail({ id: ep.id });
      expect(row.appId).toBe((await t.dataSource.getRepository(SourceEntity).findOneByOrFail({ id: source.id })).appId);

      expect((await svix.ingest.endpoint.get(source.id, 'main')).id).toBe(ep.id);
      expect((await svix.ingest.endpoint.list(source.id)).data.map((e) => e.id)).toEqual([ep.id]);

      // PUT replaces, as Svix's IngestEndpointUpdate: what the body leaves out returns to its default.
      const updated = await renamed.endpointUpdate(source.id, ep.id, { url: 'https://receiver.example.test/v2', disabled: true });
      expect(updated).toMatchObject({ url: 'https://receiver.example.test/v2', disabled: true, uid: null, description: '', metadata: {}, throttleRate: null });

      const secret = await svix.ingest.endpoint.getSecret(source.id, ep.id);
      expect(secret.key).toMatch(/^whsec_/);
      await svix.ingest.endpoint.rotateSecret(source.id, ep.id, {});
      const rotated = await svix.ingest.endpoint.getSecret(source.id, ep.id);
      expect(rotated.key).not.toBe(secret.key);
      const chosen = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      await svix.ingest.endpoint.rotateSecret(source.id, ep.id, { key: chosen });
      expect((await svix.ingest.endpoint.getSecret(source.id, ep.id)).key).toBe(chosen);
      // The whsec_ prefix is optional on input, as in Svix.
      await svix.ingest.endpoint.rotateSecret(source.id, ep.id, { key: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=' });
      expect((await svix.ingest.endpoint.getSecret(source.id, ep.id)).key).toBe('whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=');

      await renamed.endpointUpdateHeaders(source.id, ep.id, { headers: { 'x-team': 'core', authorization: 'Bearer hidden' } });
      const headers = await svix.ingest.endpoint.getHeaders(source.id, ep.id);
      expect(headers.headers).toEqual({ 'x-team': 'core' });
      expect(headers.sensitive).toEqual(['authorization']);

      await svix.ingest.endpoint.delete(source.id, ep.id);
      expect((await rejection(svix.ingest.endpoint.get(source.id, ep.id))).code).toBe(404);
    });

    it('never shows one source the endpoints of another', async () => {
      const s1 = await svix.ingest.source.create({ name: 'one', type: 'github', config: { secret: 's' } });
      const s2 = await svix.ingest.source.create({ name: 'two', type: 'github', config: { secret: 's' } });
      const ep = await svix.ingest.endpoint.create(s1.id, { url: 'https://a.example.test/' });
      expect((await rejection(svix.ingest.endpoint.get(s2.id, ep.id))).code).toBe(404);
      expect((await svix.ingest.endpoint.list(s2.id)).data).toEqual([]);
    });
  });

  describe('management API bad input: Svix shapes, nothing changed', () => {
    async function counts() {
      return { sources: await t.dataSource.getRepository(SourceEntity).count(), apps: await t.dataSource.getRepository(ApplicationEntity).count() };
    }

    it('401 without or with a wrong bearer token', async () => {
      const none = await fetch(`${t.baseUrl}/ingest/api/v1/source`);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ code: 'authentication_failed' });
      const wrong = await api('GET', '/ingest/api/v1/source', undefined, { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
    });

    it('malformed JSON is a 400 with a code and creates nothing', async () => {
      const before = await counts();
      const res = await api('POST', '/ingest/api/v1/source', '{"name": "x", "type": ');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'bad_request' });
      expect(await counts()).toEqual(before);
    });

    it('an unknown type is a 422 at body.type', async () => {
      const before = await counts();
      const res = await api('POST', '/ingest/api/v1/source', { name: 'x', type: 'not-a-provider', config: { secret: 's' } });
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'type'] })]);
      expect(await counts()).toEqual(before);
      const sdk = await rejection(svix.ingest.source.create({ name: 'x', type: 'cron', config: { schedule: '* * * * *', payload: '{}' } } as never));
      expect(sdk.code).toBe(422);
    });

    it('a bad config is a 422 listing every bad field', async () => {
      const before = await counts();
      const res = await api('POST', '/ingest/api/v1/source', {
        name: 'x',
        type: 'hmac',
        config: { secret: 42, header: '', algorithm: 'md5', toleranceSeconds: -1 },
      });
      expect(res.status).toBe(422);
      const locs = (res.body.detail as { loc: string[] }[]).map((d) => d.loc.join('.'));
      expect(locs).toEqual(expect.arrayContaining(['body.config.secret', 'body.config.algorithm', 'body.config.toleranceSeconds']));
      expect(locs.length).toBeGreaterThanOrEqual(3);
      const missing = await api('POST', '/ingest/api/v1/source', { name: 'x', type: 'stripe' });
      expect(missing.status).toBe(422);
      expect(missing.body.detail[0].loc).toEqual(['body', 'config', 'secret']);
      expect(await counts()).toEqual(before);
    });

    it('DTO problems are 422 with locations: missing name, unknown field, bad uid, metadata not strings', async () => {
      const res = await api('POST', '/ingest/api/v1/source', { type: 'github', config: { secret: 's' }, uid: 'has space', metadata: { a: 1 }, extra: true });
      expect(res.status).toBe(422);
      const locs = (res.body.detail as { loc: string[] }[]).map((d) => d.loc.join('.'));
      expect(locs).toEqual(expect.arrayContaining(['body.name', 'body.uid', 'body.metadata', 'body.extra']));
    });

    it('a duplicate uid is a 409', async () => {
      await svix.ingest.source.create({ name: 'u1', uid: 'dupe', type: 'github', config: { secret: 's' } });
      const before = await counts();
      expect((await rejection(svix.ingest.source.create({ name: 'u2', uid: 'dupe', type: 'github', config: { secret: 's' } }))).code).toBe(409);
      expect(await counts()).toEqual(before);
    });

    it('unknown ids are 404 everywhere', async () => {
      for (const [method, path] of [
        ['GET', '/ingest/api/v1/source/src_01ARZ3NDEKTSV4RRFFQ69G5FAV'],
        ['GET', '/ingest/api/v1/source/no-such-uid'],
        ['DELETE', '/ingest/api/v1/source/src_01ARZ3NDEKTSV4RRFFQ69G5FAV'],
        ['POST', '/ingest/api/v1/source/src_01ARZ3NDEKTSV4RRFFQ69G5FAV/token/rotate'],
        ['GET', '/ingest/api/v1/source/src_01ARZ3NDEKTSV4RRFFQ69G5FAV/endpoint'],
        ['GET', '/ingest/api/v1/source/src_01ARZ3NDEKTSV4RRFFQ69G5FAV/request'],
      ] as const) {
        const res = await api(method, path);
        expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status: 404, code: 'not_found' });
      }
      const source = await svix.ingest.source.create({ name: 'x', type: 'github', config: { secret: 's' } });
      const res = await api('GET', `/ingest/api/v1/source/${source.id}/endpoint/ep_01ARZ3NDEKTSV4RRFFQ69G5FAV/secret`);
      expect(res.status).toBe(404);
    });

    it('forged iterators and limits out of range are 422', async () => {
      for (const query of ['iterator=%27%3B%20DROP%20TABLE%20sources', 'iterator=src_123', 'limit=0', 'limit=251', 'limit=abc', 'order=sideways']) {
        const res = await api('GET', `/ingest/api/v1/source?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 422 });
        expect(Array.isArray(res.body.detail)).toBe(true);
      }
    });

    it('path ids with NUL or other bytes that name nothing are 422, never 5xx', async () => {
      for (const path of ['/ingest/api/v1/source/%00', '/ingest/api/v1/source/abc%00def/endpoint', '/ingest/api/v1/source/a%20b', `/ingest/api/v1/source/${'x'.repeat(300)}`]) {
        const res = await api('GET', path);
        expect({ path: path.slice(0, 60), status: res.status }).toEqual({ path: path.slice(0, 60), status: 422 });
        expect(res.body.detail[0].loc[0]).toBe('path');
      }
    });

    it('a 256-character uid works in paths (not a 414 from the router)', async () => {
      const uid = 'u'.repeat(256);
      const created = await api('POST', '/ingest/api/v1/source', { name: 'long uid', uid, type: 'github', config: { secret: 's' } });
      expect(created.status).toBe(201);
      const got = await api('GET', `/ingest/api/v1/source/${uid}`);
      expect(got.status).toBe(200);
      expect(got.body.uid).toBe(uid);
    });

    it('strings PostgreSQL cannot store (U+0000, lone surrogates) are 422 and change nothing', async () => {
      const before = await counts();
      for (const body of [
        '{"name":"a\\u0000b","type":"github","config":{"secret":"x"}}',
        '{"name":"ok","type":"github","config":{"secret":"x"},"metadata":{"k":"\\ud800"}}',
        '{"name":"ok","type":"github","config":{"secret":"x\\u0000"}}',
      ]) {
        const res = await api('POST', '/ingest/api/v1/source', body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
      }
      expect(await counts()).toEqual(before);
    });

    it('JSON nested far too deep is a 422, not a stack overflow', async () => {
      const res = await api('POST', '/ingest/api/v1/source', `{"name":"x","type":"github","config":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      expect(res.status).toBe(422);
      expect((await fetch(`${t.baseUrl}/api/v1/health`)).status).toBe(204);
    });

    it('bad ingest endpoint input is 422 and changes nothing', async () => {
      const source = await svix.ingest.source.create({ name: 'bad-ep', type: 'github', config: { secret: 's' } });
      for (const body of [{ url: 'ftp://x.example.test' }, { url: 'not a url' }, { url: 'https://x.example.test', secret: 'nope' }, { url: 'https://x.example.test', throttleRate: 0 }, {}]) {
        const res = await api('POST', `/ingest/api/v1/source/${source.id}/endpoint`, body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
      }
      expect((await svix.ingest.endpoint.list(source.id)).data).toEqual([]);
    });

    it('an idempotency-key replays the first answer and creates one source', async () => {
      const before = await counts();
      const first = await svix.ingest.source.create({ name: 'idem', type: 'github', config: { secret: 's' } }, { idempotencyKey: 'key-1' });
      const second = await svix.ingest.source.create({ name: 'idem', type: 'github', config: { secret: 's' } }, { idempotencyKey: 'key-1' });
      expect(second.id).toBe(first.id);
      expect((await counts()).sources).toBe(before.sources + 1);
    });
  });

  describe('the ingress source cache (SOURCE_CACHE_TTL_MS)', () => {
    let c: TestGateway;
    const TTL_MS = 3_000;

    beforeAll(async () => {
      c = await startTestGateway('source-cache', { SOURCE_CACHE_TTL_MS: String(TTL_MS) });
    });
    afterAll(async () => {
      await c?.close();
    });

    const post = async (gw: TestGateway, ingestUrl: string, body: string, headers: Record<string, string> = {}) =>
      (await fetch(gw.localUrl(ingestUrl), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })).status;

    async function github(secret: string): Promise<{ body: string; headers: Record<string, string> }> {
      const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 7 });
      return {
        body,
        headers: { 'x-github-event': 'ping', 'x-github-delivery': `guid-${randomUUID()}`, 'x-github-hook-id': '7', 'x-hub-signature-256': await octokitSign(secret, body) },
      };
    }

    it('changes made through this gateway take effect at once, even for a source the ingress has just used', async () => {
      // Rotate: the old URL answers 404 straight after a request warmed the cache.
      const rotating = await c.svix.ingest.source.create({ name: 'cache rot', type: 'generic-webhook', config: {} });
      expect(await post(c, rotating.ingestUrl!, '{"n":1}')).toBe(200);
      const rotated = await c.svix.ingest.source.rotateToken(rotating.id);
      expect(await post(c, rotating.ingestUrl!, '{"n":2}')).toBe(404);
      expect(await post(c, rotated.ingestUrl, '{"n":3}')).toBe(200);

      // Update: a new secret replaces the old one at once.
      const gh = await c.svix.ingest.source.create({ name: 'cache gh', type: 'github', config: { secret: 'first-secret' } });
      const first = await github('first-secret');
      expect(await post(c, gh.ingestUrl!, first.body, first.headers)).toBe(200);
      await c.svix.ingest.source.update(gh.id, { name: 'cache gh', type: 'github', config: { secret: 'second-secret' } });
      const stale = await github('first-secret');
      expect(await post(c, gh.ingestUrl!, stale.body, stale.headers)).toBe(401);
      const fresh = await github('second-secret');
      expect(await post(c, gh.ingestUrl!, fresh.body, fresh.headers)).toBe(200);

      // Delete: 404 at once.
      expect(await post(c, rotated.ingestUrl, '{"n":4}')).toBe(200);
      await c.svix.ingest.source.delete(rotating.id);
      expect(await post(c, rotated.ingestUrl, '{"n":5}')).toBe(404);
    });

    it("another replica's change (a row written behind this gateway's back) is seen within the TTL, and the cache saves the lookup until then", async () => {
      const source = await c.svix.ingest.source.create({ name: 'cache replica', type: 'generic-webhook', config: {} });
      expect(await post(c, source.ingestUrl!, '{"n":1}')).toBe(200);
      // Another replica rotates the token: this gateway still knows the source under the old one for a while.
      await c.dataSource.query(`UPDATE sources SET ingest_token = $1 WHERE id = $2`, [randomBytes(24).toString('base64url'), source.id]);
      const changedAt = Date.now();
      expect(await post(c, source.ingestUrl!, '{"n":2}')).toBe(200);
      await eventually(async () => expect(await post(c, source.ingestUrl!, '{"n":3}')).toBe(404), { timeoutMs: TTL_MS + 3_000, intervalMs: 100 });
      expect(Date.now() - changedAt).toBeLessThan(TTL_MS + 3_000);
    });

    it('an unknown token is never cached: a source created elsewhere works at once', async () => {
      const token = randomBytes(24).toString('base64url');
      const url = `${TEST_PUBLIC_URL}/in/${token}`;
      expect(await post(c, url, '{}')).toBe(404);
      const source = await c.svix.ingest.source.create({ name: 'cache late', type: 'generic-webhook', config: {} });
      await c.dataSource.query(`UPDATE sources SET ingest_token = $1 WHERE id = $2`, [token, source.id]);
      expect(await post(c, url, '{}')).toBe(200);
    });
  });

  describe('a source config stored in clear while SECRET_ENCRYPTION_KEYS is set', () => {
    it('is refused (500, logged as config_unreadable, the secret never echoed) until the reseal command seals it', async () => {
      const source = await svix.ingest.source.create({ name: 'planted', type: 'github', config: { secret: 'the-real-secret' } });
      // Someone with write access to the database plants a config of their own, in clear.
      await t.dataSource.query('UPDATE sources SET config = $2 WHERE id = $1', [source.id, JSON.stringify({ secret: 'planted-secret' })]);
      const send = async () => {
        const body = JSON.stringify({ zen: 'planted', hook_id: 7 });
        const res = await fetch(t.localUrl(source.ingestUrl!), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await octokitSign('planted-secret', body) },
          body,
        });
        return { status: res.status, text: await res.text() };
      };
      const refused = await send();
      expect(refused.status).toBe(500);
      expect(JSON.parse(refused.text)).toEqual({ code: 'internal_error', detail: 'this source cannot verify requests right now' });
      const [logged] = await t.dataSource.getRepository(InboundRequestEntity).find({ where: { sourceId: source.id } });
      expect(logged).toMatchObject({ outcome: 'rejected', reason: 'config_unreadable', responseStatus: 500 });
      const shown = await api('GET', `/ingest/api/v1/source/${source.id}`);
      expect(shown.status).toBe(500);
      expect(JSON.stringify(shown.body)).not.toContain('planted-secret');

      // The operator seals it (here: the planted one, as the operator would have to notice it first).
      const [endpoints, configs] = await reseal(t.dataSource, new SecretBox(t.settings.secretEncryptionKeys));
      expect(endpoints!.unreadableIds).toEqual([]);
      expect(configs!.resealed).toBe(1);
      expect((await send()).status).toBe(200);
      expect((await api('GET', `/ingest/api/v1/source/${source.id}`)).status).toBe(200);
    });
  });
});
