import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus, EndpointSecretEntity } from '@switchyard/db';
import { idAtTime, newId } from '@switchyard/events';
import type { EndpointOut } from 'svix';
import { AUTH, startApiHarness, statusOf, SDKS, only1x, renamedCalls, typeFilter, typeFilterOf, type ApiHarness } from './harness.js';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  let appId: string;
  beforeAll(async () => {
    h = await startApiHarness('api-endpoints', {}, sdk);
    appId = (await h.svix.application.create({ name: 'Endpoints', uid: 'ep-app' })).id;
    await h.svix.eventType.create({ name: 'invoice.paid', description: 'paid' });
    await h.svix.eventType.create({ name: 'invoice.void', description: 'void' });
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('endpoint (SDK)', () => {
    it('creates, gets by id and uid (also under the app uid), updates, patches and deletes', async () => {
      const created = await h.svix.endpoint.create(appId, {
        url: 'https://example.com/hooks',
        uid: 'billing',
        description: 'Billing',
        ...typeFilter(h, ['invoice.paid', 'user.*']),
        channels: ['eu'],
        metadata: { team: 'billing' },
        throttleRate: 5,
      });
      expect(created.id).toMatch(/^ep_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(created).toMatchObject({
        url: 'https://example.com/hooks',
        uid: 'billing',
        description: 'Billing',
        ...typeFilter(h, ['invoice.paid', 'user.*']),
        channels: ['eu'],
        metadata: { team: 'billing' },
        throttleRate: 5,
        ...only1x(h, { rateLimit: 5, version: 1 }),
        disabled: false,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.updatedAt.getTime()).not.toBeNaN();
      expect(JSON.stringify(created)).not.toContain('whsec_');

      expect((await h.svix.endpoint.get('ep-app', 'billing')).id).toBe(created.id);
      expect((await h.svix.endpoint.get(appId, created.id)).uid).toBe('billing');

      const updated = await renamedCalls(h).endpointUpdate(appId, 'billing', { url: 'https://example.com/v2', disabled: true });
      expect(updated).toMatchObject({
        id: created.id,
        url: 'https://example.com/v2',
        uid: 'billing',
        description: '',
        ...typeFilter(h, null),
        channels: null,
        metadata: {},
        disabled: true,
        throttleRate: null,
      });

      const patched = await h.svix.endpoint.patch(appId, created.id, { description: 'Patched', channels: ['us', 'eu'], disabled: false });
      expect(patched).toMatchObject({ url: 'https://example.com/v2', description: 'Patched', channels: ['us', 'eu'], disabled: false, uid: 'billing' });
      const cleared = await h.svix.endpoint.patch(appId, created.id, { channels: null, uid: null });
      expect(cleared).toMatchObject({ channels: null, uid: null });

      await h.svix.endpoint.delete(appId, created.id);
      expect(await statusOf(h.svix.endpoint.get(appId, created.id))).toBe(404);
    });

    it('update of a missing endpoint creates it (201), keeping a uid path as its uid', async () => {
      const res = await h.http().put(`/api/v1/app/${appId}/endpoint/made-by-put`).set(AUTH).send({ url: 'https://example.com/put' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ uid: 'made-by-put', url: 'https://example.com/put' });
      const again = await renamedCalls(h).endpointUpdate(appId, 'made-by-put', { url: 'https://example.com/put2' });
      expect(again).toMatchObject({ id: res.body.id, uid: 'made-by-put', url: 'https://example.com/put2' });
      expect((await h.svix.endpoint.getSecret(appId, 'made-by-put')).key).toMatch(/^whsec_/);
    });

    it('refuses filter types that do not exist, but accepts prefix filters', async () => {
      const res = await h
        .http()
        .post(`/api/v1/app/${appId}/endpoint`)
        .set(AUTH)
        .send({ url: 'https://example.com/x', filterTypes: ['invoice.paid', 'no.such.type'] });
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'filterTypes'], msg: expect.stringContaining('no.such.type') });
      const ok = await h.svix.endpoint.create(appId, { url: 'https://example.com/x', ...typeFilter(h, ['invoice.*']) });
      expect(typeFilterOf(h, ok)).toEqual(['invoice.*']);
    });

    it('answers 409 for a duplicate endpoint uid within the app', async () => {
      await h.svix.endpoint.create(appId, { url: 'https://example.com/a', uid: 'same' });
      expect(await statusOf(h.svix.endpoint.create(appId, { url: 'https://example.com/b', uid: 'same' }))).toBe(409);
      const other = await h.svix.application.create({ name: 'Other' });
      expect((await h.svix.endpoint.create(other.id, { url: 'https://example.com/b', uid: 'same' })).uid).toBe('same');
    });

    it('lists newest first over several pages, never showing secrets', async () => {
      const app = await h.svix.application.create({ name: 'Paging' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await h.svix.endpoint.create(app.id, { url: `https://example.com/${i}` })).id);
      const seen: EndpointOut[] = [];
      let iterator: string | null | undefined;
      for (;;) {
        const page = await h.svix.endpoint.list(app.id, { limit: 2, iterator });
        seen.push(...page.data);
        if (page.done) break;
        iterator = page.iterator;
      }
      expect(seen.map((e) => e.id)).toEqual([...ids].reverse());
      const raw = await h.http().get(`/api/v1/app/${app.id}/endpoint`).set(AUTH);
      expect(raw.text).not.toContain('whsec_');
      expect(raw.body).toMatchObject({ done: true, iterator: expect.any(String), prevIterator: expect.any(String) });
    });

    it('gets the secret, rotates it with a grace period, and accepts a secret without the whsec_ prefix', async () => {
      const ep = await h.svix.endpoint.create(appId, { url: 'https://example.com/s', secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
      const first = await h.svix.endpoint.getSecret(appId, ep.id);
      expect(first.key).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      await h.svix.endpoint.rotateSecret(appId, ep.id, {});
      const second = await h.svix.endpoint.getSecret(appId, ep.id);
      expect(second.key).toMatch(/^whsec_/);
      expect(second.key).not.toBe(first.key);
      const rows = await h.ds.getRepository(EndpointSecretEntity).find({ where: { endpointId: ep.id }, order: { id: 'ASC' } });
      expect(rows).toHaveLength(2);
      const graceMs = rows[0]!.expiresAt!.getTime() - Date.now();
      expect(graceMs).toBeGreaterThan(23 * 3600 * 1000);
      expect(graceMs).toBeLessThanOrEqual(24 * 3600 * 1000);
      await h.svix.endpoint.rotateSecret(appId, ep.id, { key: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', gracePeriodSeconds: 0 });
      expect((await h.svix.endpoint.getSecret(appId, ep.id)).key).toBe('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD');
      const bad = await h
        .http()
        .post(`/api/v1/app/${appId}/endpoint/${ep.id}/secret/rotate`)
        .set(AUTH)
        .send({ gracePeriodSeconds: 8 * 24 * 3600 });
      expect(bad.status).toBe(422);
    });

    it('gets, replaces and patches headers, withholding sensitive values', async () => {
      const ep = await h.svix.endpoint.create(appId, { url: 'https://example.com/h', headers: { 'x-tenant': 'a', Authorization: 'Bearer t' } });
      expect(await h.svix.endpoint.getHeaders(appId, ep.id)).toEqual({ headers: { 'x-tenant': 'a' }, sensitive: ['Authorization'] });
      await renamedCalls(h).endpointUpdateHeaders(appId, ep.id, { headers: { 'x-one': '1', 'x-two': '2' } });
      expect(await h.svix.endpoint.getHeaders(appId, ep.id)).toEqual({ headers: { 'x-one': '1', 'x-two': '2' }, sensitive: [] });
      await h.svix.endpoint.patchHeaders(appId, ep.id, { headers: { 'x-three': '3' }, deleteHeaders: ['x-one'] });
      expect((await h.svix.endpoint.getHeaders(appId, ep.id)).headers).toEqual({ 'x-two': '2', 'x-three': '3' });
      const res = await h
        .http()
        .patch(`/api/v1/app/${appId}/endpoint/${ep.id}/headers`)
        .set(AUTH)
        .send({ headers: { 'x-two': null } });
      expect(res.status).toBe(204);
      expect((await h.svix.endpoint.getHeaders(appId, ep.id)).headers).toEqual({ 'x-three': '3' });
      expect(await statusOf(renamedCalls(h).endpointUpdateHeaders(appId, ep.id, { headers: { 'webhook-signature': 'forged' } }))).toBe(422);
    });

    it('counts deliveries by status within a window', async () => {
      const ep = await h.svix.endpoint.create(appId, { url: 'https://example.com/stats' });
      const statuses = [DeliveryStatus.Success, DeliveryStatus.Success, DeliveryStatus.Fail, DeliveryStatus.Pending, DeliveryStatus.Canceled, DeliveryStatus.Sending];
      for (const status of statuses) {
        const msgId = newId('msg');
        await h.ds.query(`INSERT INTO messages (id, app_id, event_type, payload, fanned_out_at) VALUES ($1, $2, 'invoice.paid', '{}', now())`, [msgId, appId]);
        await h.ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status) VALUES ($1, $2, $3, $4, $5)`, [newId('mdst'), msgId, ep.id, appId, status]);
      }
      // One delivery from 40 days ago stays outside the default window.
      const oldMsg = newId('msg');
      await h.ds.query(`INSERT INTO messages (id, app_id, event_type, payload) VALUES ($1, $2, 'invoice.paid', '{}')`, [oldMsg, appId]);
      const oldId = idAtTime('mdst', new Date(Date.now() - 40 * 86_400_000)).replace(/0{16}$/, '0000000000000001');
      await h.ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status) VALUES ($1, $2, $3, $4, 0)`, [oldId, oldMsg, ep.id, appId]);

      expect(await h.svix.endpoint.getStats(appId, ep.id)).toEqual({ success: 2, fail: 1, pending: 1, sending: 1, canceled: 1 });
      const past = await h.svix.endpoint.getStats(appId, ep.id, { since: new Date(Date.now() - 41 * 86_400_000), until: new Date(Date.now() - 39 * 86_400_000) });
      expect(past).toEqual({ success: 1, fail: 0, pending: 0, sending: 0, canceled: 0 });
      expect(await statusOf(h.svix.endpoint.getStats(appId, ep.id, { since: new Date(Date.now() - 60 * 86_400_000) }))).toBe(400);
      expect(await statusOf(h.svix.endpoint.getStats(appId, ep.id, { until: new Date(Date.now() + 86_400_000) }))).toBe(400);
    });

    it('answers 404 for an unknown app or endpoint on every endpoint operation', async () => {
      const unknownEp = newId('ep');
      expect(await statusOf(h.svix.endpoint.list('no-such-app'))).toBe(404);
      expect(await statusOf(h.svix.endpoint.create('no-such-app', { url: 'https://example.com' }))).toBe(404);
      expect(await statusOf(h.svix.endpoint.get(appId, unknownEp))).toBe(404);
      expect(await statusOf(h.svix.endpoint.patch(appId, unknownEp, { description: 'x' }))).toBe(404);
      expect(await statusOf(h.svix.endpoint.delete(appId, unknownEp))).toBe(404);
      expect(await statusOf(h.svix.endpoint.getSecret(appId, unknownEp))).toBe(404);
      expect(await statusOf(h.svix.endpoint.rotateSecret(appId, unknownEp, {}))).toBe(404);
      expect(await statusOf(h.svix.endpoint.getHeaders(appId, unknownEp))).toBe(404);
      expect(await statusOf(renamedCalls(h).endpointUpdateHeaders(appId, unknownEp, { headers: {} }))).toBe(404);
      expect(await statusOf(h.svix.endpoint.patchHeaders(appId, unknownEp, { headers: {} }))).toBe(404);
      expect(await statusOf(h.svix.endpoint.getStats(appId, unknownEp))).toBe(404);
      // An endpoint of another app is not reachable through this one.
      const other = await h.svix.application.create({ name: 'Elsewhere' });
      const foreign = await h.svix.endpoint.create(other.id, { url: 'https://example.com/foreign' });
      expect(await statusOf(h.svix.endpoint.get(appId, foreign.id))).toBe(404);
    });
  });
});
