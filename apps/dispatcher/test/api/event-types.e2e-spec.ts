import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH, startApiHarness, statusOf, SDKS, renamedCalls, type ApiHarness } from './harness.js';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('api-event-types', {}, sdk);
  });
  afterAll(async () => {
    await h?.close();
  });

  const SCHEMAS = { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'first' }, { id: 'second' }] } };

  describe('eventType (SDK)', () => {
    it('creates, gets, updates, patches, archives and expunges', async () => {
      const created = await h.svix.eventType.create({ name: 'user.signup', description: 'A user signed up', schemas: SCHEMAS, groupName: 'user', featureFlags: ['beta'] });
      expect(created).toMatchObject({
        name: 'user.signup',
        description: 'A user signed up',
        archived: false,
        deprecated: false,
        schemas: SCHEMAS,
        groupName: 'user',
        featureFlags: ['beta'],
        featureFlag: 'beta',
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.updatedAt.getTime()).not.toBeNaN();

      expect(await h.svix.eventType.get('user.signup')).toMatchObject({ name: 'user.signup', schemas: SCHEMAS });

      const updated = await renamedCalls(h).eventTypeUpdate('user.signup', { description: 'Signed up', deprecated: true });
      expect(updated).toMatchObject({ description: 'Signed up', deprecated: true, schemas: null, groupName: null, featureFlags: null });

      const patched = await h.svix.eventType.patch('user.signup', { schemas: SCHEMAS });
      expect(patched).toMatchObject({ description: 'Signed up', deprecated: true, schemas: SCHEMAS });

      await h.svix.eventType.delete('user.signup');
      const archived = await h.svix.eventType.get('user.signup');
      expect(archived.archived).toBe(true);
      expect((await h.svix.eventType.list()).data.map((t) => t.name)).not.toContain('user.signup');
      expect((await h.svix.eventType.list({ includeArchived: true })).data.map((t) => t.name)).toContain('user.signup');

      // Creating an archived name brings it back with the new fields.
      const revived = await h.svix.eventType.create({ name: 'user.signup', description: 'Back' });
      expect(revived).toMatchObject({ archived: false, description: 'Back', schemas: null });

      await h.svix.eventType.delete('user.signup', { expunge: true });
      expect(await statusOf(h.svix.eventType.get('user.signup'))).toBe(404);
    });

    it('answers 409 for an existing name', async () => {
      await h.svix.eventType.create({ name: 'dup.type', description: 'x' });
      const res = await h.http().post('/api/v1/event-type').set(AUTH).send({ name: 'dup.type', description: 'y' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ code: 'event_type_exists', detail: expect.any(String) });
    });

    it('update of a missing name creates it (201)', async () => {
      const res = await h.http().put('/api/v1/event-type/made.by.put').set(AUTH).send({ description: 'upserted' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'made.by.put', description: 'upserted', archived: false });
      const again = await h.http().put('/api/v1/event-type/made.by.put').set(AUTH).send({ description: 'again' });
      expect(again.status).toBe(200);
      const bad = await h.http().put('/api/v1/event-type/bad%20name').set(AUTH).send({ description: 'x' });
      expect(bad.status).toBe(422);
      expect(bad.body.detail[0].loc).toEqual(['path', 'event_type_name']);
    });

    it('lists by name, leaving schemas out unless with_content, across pages', async () => {
      for (const n of ['page.a', 'page.b', 'page.c', 'page.d', 'page.e']) await h.svix.eventType.create({ name: n, description: n, schemas: SCHEMAS });
      const names: string[] = [];
      let iterator: string | null | undefined;
      for (;;) {
        const page = await h.svix.eventType.list({ limit: 2, iterator });
        for (const t of page.data) expect(t.schemas).toBeNull();
        names.push(...page.data.map((t) => t.name));
        if (page.done) break;
        iterator = page.iterator;
      }
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['page.a', 'page.b', 'page.c', 'page.d', 'page.e']));
      const full = await h.svix.eventType.list({ withContent: true, limit: 250 });
      expect(full.data.find((t) => t.name === 'page.a')?.schemas).toEqual(SCHEMAS);
    });

    it('patch and delete of an unknown name are 404', async () => {
      expect(await statusOf(h.svix.eventType.patch('nope.nope', { description: 'x' }))).toBe(404);
      expect(await statusOf(h.svix.eventType.delete('nope.nope'))).toBe(404);
    });
  });
});
