import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationKind } from '@switchyard/db';
import type { ApplicationOut } from 'svix';
import { AUTH, startApiHarness, statusOf as status, SDKS, only1x, renamedCalls, type ApiHarness } from './harness.js';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('api-apps', {}, sdk);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('health', () => {
    it('answers health.get without a token', async () => {
      await expect(h.svix.health.get()).resolves.toBeUndefined();
      expect((await h.http().get('/api/v1/health')).status).toBe(204);
    });
  });

  describe('application (SDK)', () => {
    it('creates, gets by id and by uid, updates, patches and deletes', async () => {
      const created = await h.svix.application.create({ name: 'Acme', uid: 'acme', metadata: { plan: 'pro' }, throttleRate: 10 });
      expect(created.id).toMatch(/^app_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(created).toMatchObject({ name: 'Acme', uid: 'acme', metadata: { plan: 'pro' }, throttleRate: 10, ...only1x(h, { rateLimit: 10 }) });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.createdAt.getTime()).not.toBeNaN();
      expect(created.updatedAt.getTime()).toBeGreaterThanOrEqual(created.createdAt.getTime());

      expect((await h.svix.application.get(created.id)).id).toBe(created.id);
      expect((await h.svix.application.get('acme')).id).toBe(created.id);

      const updated = await renamedCalls(h).applicationUpdate('acme', { name: 'Acme Inc', uid: 'acme' });
      expect(updated).toMatchObject({ id: created.id, name: 'Acme Inc', uid: 'acme', metadata: {}, throttleRate: null });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

      const patched = await h.svix.application.patch(created.id, { metadata: { plan: 'free' } });
      expect(patched).toMatchObject({ name: 'Acme Inc', uid: 'acme', metadata: { plan: 'free' } });
      const cleared = await h.svix.application.patch('acme', { uid: null });
      expect(cleared.uid).toBeNull();

      await h.svix.application.delete(created.id);
      expect(await status(h.svix.application.get(created.id))).toBe(404);
    });

    it('getOrCreate returns the existing application for a uid and creates otherwise', async () => {
      const first = await h.svix.application.getOrCreate({ name: 'First', uid: 'goc' });
      const again = await h.svix.application.getOrCreate({ name: 'Other name', uid: 'goc' });
      expect(again.id).toBe(first.id);
      expect(again.name).toBe('First');
      const raw = await h.http().post('/api/v1/app?get_if_exists=true').set(AUTH).send({ name: 'x', uid: 'goc' });
      expect(raw.status).toBe(200);
      const fresh = await h.http().post('/api/v1/app?get_if_exists=true').set(AUTH).send({ name: 'x', uid: 'goc-new' });
      expect(fresh.status).toBe(201);
    });

    it('answers 409 for a duplicate uid', async () => {
      await h.svix.application.create({ name: 'Dup', uid: 'dup' });
      expect(await status(h.svix.application.create({ name: 'Dup 2', uid: 'dup' }))).toBe(409);
      const other = await h.svix.application.create({ name: 'Other' });
      expect(await status(h.svix.application.patch(other.id, { uid: 'dup' }))).toBe(409);
    });

    it('update of a missing application creates it (201), keeping a uid path as its uid', async () => {
      const res = await h.http().put('/api/v1/app/made-by-put').set(AUTH).send({ name: 'Upserted' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'Upserted', uid: 'made-by-put' });
      const again = await renamedCalls(h).applicationUpdate('made-by-put', { name: 'Upserted 2' });
      expect(again.id).toBe(res.body.id);
      expect(again.uid).toBe('made-by-put');
    });

    it('replays an idempotent create instead of creating twice', async () => {
      const a = await h.svix.application.create({ name: 'Idem' }, { idempotencyKey: 'app-idem-1' });
      const b = await h.svix.application.create({ name: 'Idem' }, { idempotencyKey: 'app-idem-1' });
      expect(b.id).toBe(a.id);
      expect(await h.ds.query(`SELECT count(*)::int AS n FROM applications WHERE name = 'Idem'`)).toEqual([{ n: 1 }]);
    });

    it('walks several pages with limit and iterator, forward and back', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await h.svix.application.create({ name: `page-${i}`, metadata: { group: 'paging' } })).id);
      const seen: ApplicationOut[] = [];
      let iterator: string | null | undefined;
      let pages = 0;
      for (;;) {
        const page = await h.svix.application.list({ limit: 3, iterator });
        seen.push(...page.data);
        pages++;
        expect(page.data.length).toBeLessThanOrEqual(3);
        if (page.done) break;
        iterator = page.iterator;
      }
      const all = seen.map((a) => a.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toEqual([...all].sort());
      expect(all).toEqual(expect.arrayContaining(ids));
      expect(pages).toBeGreaterThanOrEqual(3);
      const second = await h.svix.application.list({ limit: 3, iterator: all[2] });
      const back = await h.svix.application.list({ limit: 3, iterator: second.prevIterator });
      expect(back.data.map((a) => a.id)).toEqual(all.slice(0, 3));
      const desc = await h.svix.application.list({ limit: 2, order: 'descending' as never });
      expect(desc.data.map((a) => a.id)).toEqual([...all].reverse().slice(0, 2));
    });

    it('never lists or serves internal applications', async () => {
      await h.ds.query(`INSERT INTO applications (id, uid, name, kind) VALUES ('app_01KZZZZZZZZZZZZZZZZZZZZZZZ', 'internal-src', 'src', $1)`, [ApplicationKind.Source]);
      expect(await status(h.svix.application.get('app_01KZZZZZZZZZZZZZZZZZZZZZZZ'))).toBe(404);
      expect(await status(h.svix.application.get('internal-src'))).toBe(404);
      expect(await status(h.svix.application.delete('internal-src'))).toBe(404);
      expect(await status(h.svix.application.patch('internal-src', { name: 'mine' }))).toBe(404);
      expect(await status(h.svix.application.create({ name: 'steal', uid: 'internal-src' }))).toBe(409);
      expect(await status(h.svix.application.getOrCreate({ name: 'steal', uid: 'internal-src' }))).toBe(409);
      const listed = await h.svix.application.list({ limit: 250 });
      expect(listed.data.map((a) => a.id)).not.toContain('app_01KZZZZZZZZZZZZZZZZZZZZZZZ');
    });
  });
});
