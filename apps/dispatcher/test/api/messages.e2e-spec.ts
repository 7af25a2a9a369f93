import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MessageEntity } from '@switchyard/db';
import type { MessageOut } from 'svix';
import { Receiver } from '../support/receiver.js';
import { AUTH, eventually, startApiHarness, statusOf, verifyDelivery, SDKS, type ApiHarness } from './harness.js';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  let receiver: Receiver;
  let appId: string;
  let secret: string;

  beforeAll(async () => {
    h = await startApiHarness('api-messages', { MAX_PAYLOAD_BYTES: '4096' }, sdk);
    receiver = await Receiver.start();
    appId = (await h.svix.application.create({ name: 'Messages', uid: 'msg-app' })).id;
    const endpoint = await h.svix.endpoint.create(appId, { url: receiver.url('/all') });
    secret = (await h.svix.endpoint.getSecret(appId, endpoint.id)).key;
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  function deliveriesOf(msgId: string) {
    return receiver.requests.filter((r) => r.headers['webhook-id'] === msgId);
  }

  describe('message.create (SDK)', () => {
    it('answers 202 with the message, commits it, and delivers it signed, byte for byte', async () => {
      // withContent: the 2.x SDK asks for the payload back only when told (1.x fills it in itself)
      const msg = await h.svix.message.create('msg-app', { eventType: 'user.signup', payload: { email: 'a@example.com', n: 1 }, channels: ['eu'], tags: ['t1'] }, { withContent: true });
      expect(msg.id).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(msg).toMatchObject({ eventType: 'user.signup', payload: { email: 'a@example.com', n: 1 }, channels: ['eu'], tags: ['t1'], eventId: null, deliverAt: null });
      expect(msg.timestamp).toBeInstanceOf(Date);
      expect(Math.abs(msg.timestamp.getTime() - Date.now())).toBeLessThan(60_000);
      const row = await h.ds.getRepository(MessageEntity).findOneByOrFail({ id: msg.id });
      expect(row.payload).toBe('{"email":"a@example.com","n":1}');

      const [delivery] = await eventually(() => {
        const got = deliveriesOf(msg.id);
        expect(got).toHaveLength(1);
        return got;
      });
      expect(delivery!.body.toString()).toBe(row.payload);
      expect(verifyDelivery(secret, delivery!)).toEqual({ email: 'a@example.com', n: 1 });
    });

    it('keeps the payload exactly as sent: big numbers, key order and escapes survive', async () => {
      const body = '{"eventType":"order.created","payload":{"zeta":1,"id":12345678901234567890123,"price":1.10,"s":"\\u00e9\\n"}}';
      const res = await h.http().post(`/api/v1/app/${appId}/msg`).set(AUTH).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(202);
      const delivery = await eventually(() => {
        const got = deliveriesOf(res.body.id);
        expect(got).toHaveLength(1);
        return got[0]!;
      });
      expect(delivery.body.toString()).toBe('{"zeta":1,"id":12345678901234567890123,"price":1.10,"s":"\\u00e9\\n"}');
      verifyDelivery(secret, delivery);
    });

    it('answers 409 for a repeated eventId, and finds the message by its eventId', async () => {
      const first = await h.svix.message.create(appId, { eventType: 'user.signup', payload: {}, eventId: 'evt-42' });
      expect(first.eventId).toBe('evt-42');
      const again = await h
        .http()
        .post(`/api/v1/app/${appId}/msg`)
        .set(AUTH)
        .send({ eventType: 'user.signup', payload: { other: true }, eventId: 'evt-42' });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ code: 'conflict', detail: expect.any(String) });
      expect(await h.ds.getRepository(MessageEntity).countBy({ eventId: 'evt-42' })).toBe(1);
      expect((await h.svix.message.get(appId, 'evt-42')).id).toBe(first.id);
    });

    it('replays an idempotent create: same answer, one message, one delivery', async () => {
      const a = await h.svix.message.create(appId, { eventType: 'user.signup', payload: { idem: 1 } }, { idempotencyKey: 'msg-idem-1' });
      const b = await h.svix.message.create(appId, { eventType: 'user.signup', payload: { idem: 1 } }, { idempotencyKey: 'msg-idem-1' });
      expect(b.id).toBe(a.id);
      expect(await h.ds.query(`SELECT count(*)::int AS n FROM messages WHERE payload = '{"idem":1}'`)).toEqual([{ n: 1 }]);
      await eventually(() => expect(deliveriesOf(a.id)).toHaveLength(1));
    });

    it('with_content=false answers an empty payload; get reads it back either way', async () => {
      const res = await h
        .http()
        .post(`/api/v1/app/${appId}/msg?with_content=false`)
        .set(AUTH)
        .send({ eventType: 'user.signup', payload: { hidden: true } });
      expect(res.status).toBe(202);
      expect(res.body.payload).toEqual({});
      expect((await h.svix.message.get(appId, res.body.id, { withContent: true })).payload).toEqual({ hidden: true });
      expect((await h.http().get(`/api/v1/app/${appId}/msg/${res.body.id}`).set(AUTH)).body.payload).toEqual({ hidden: true });
      expect((await h.svix.message.get(appId, res.body.id, { withContent: false })).payload).toEqual({});
    });

    it('creates the application inline when the path names a new uid (Svix `application`)', async () => {
      const msg = await h.svix.message.create('inline-app', { eventType: 'user.signup', payload: { a: 1 }, application: { name: 'Inline', metadata: { k: 'v' } } });
      const app = await h.svix.application.get('inline-app');
      expect(app).toMatchObject({ name: 'Inline', uid: 'inline-app', metadata: { k: 'v' } });
      expect((await h.svix.message.get('inline-app', msg.id)).id).toBe(msg.id);
      // Existing application: `application` is ignored.
      await h.svix.message.create('inline-app', { eventType: 'user.signup', payload: { a: 2 }, application: { name: 'Renamed?' } });
      expect((await h.svix.application.get('inline-app')).name).toBe('Inline');
      // Without it, an unknown application is a 404 and nothing is created.
      expect(await statusOf(h.svix.message.create('not-there', { eventType: 'user.signup', payload: {} }))).toBe(404);
      expect(await statusOf(h.svix.application.get('not-there'))).toBe(404);
    });

    it('holds a message with deliverAt until then', async () => {
      const deliverAt = new Date(Date.now() + 1500);
      const msg = await h.svix.message.create(appId, { eventType: 'user.signup', payload: { later: true }, deliverAt });
      expect(msg.deliverAt?.toISOString()).toBe(deliverAt.toISOString());
      const delivery = await eventually(() => {
        const got = deliveriesOf(msg.id);
        expect(got).toHaveLength(1);
        return got[0]!;
      });
      expect(delivery.receivedAt).toBeGreaterThanOrEqual(deliverAt.getTime() - 50);
      expect(await statusOf(h.svix.message.create(appId, { eventType: 'user.signup', payload: {}, deliverAt: new Date(Date.now() + 3 * 86_400_000) }))).toBe(422);
    });

    it('answers 413 for a payload over MAX_PAYLOAD_BYTES and stores nothing', async () => {
      const before = await h.counts();
      const res = await h
        .http()
        .post(`/api/v1/app/${appId}/msg`)
        .set(AUTH)
        .send({ eventType: 'user.signup', payload: { blob: 'x'.repeat(5000) } });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ code: 'payload_too_large', detail: expect.any(String) });
      // Far over the limit, the body parser refuses it before the API sees it.
      const huge = await h
        .http()
        .post(`/api/v1/app/${appId}/msg`)
        .set(AUTH)
        .send({ eventType: 'user.signup', payload: { blob: 'x'.repeat(200_000) } });
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('payload_too_large');
      expect(await h.counts()).toEqual(before);
    });
  });

  describe('message.list and get (SDK)', () => {
    let listApp: string;
    const created: MessageOut[] = [];
    beforeAll(async () => {
      listApp = (await h.svix.application.create({ name: 'Listing' })).id;
      const specs = [
        { eventType: 'a.one', channels: ['red'], tags: ['x'] },
        { eventType: 'a.two', channels: ['blue'] },
        { eventType: 'a.one', tags: ['y'] },
        { eventType: 'b.three', channels: ['red', 'blue'] },
        { eventType: 'a.two' },
      ];
      for (const [i, spec] of specs.entries()) created.push(await h.svix.message.create(listApp, { ...spec, payload: { i } }));
    });

    it('pages newest first with limit and iterator, and back with prevIterator', async () => {
      const seen: MessageOut[] = [];
      let iterator: string | null | undefined;
      for (;;) {
        const page = await h.svix.message.list(listApp, { limit: 2, iterator, withContent: true });
        seen.push(...page.data);
        if (page.done) break;
        iterator = page.iterator;
      }
      expect(seen.map((m) => m.id)).toEqual(created.map((m) => m.id).reverse());
      expect(seen[0]!.payload).toEqual({ i: 4 });
      expect(seen[0]!.timestamp).toBeInstanceOf(Date);
      const second = await h.svix.message.list(listApp, { limit: 2, iterator: seen[1]!.id });
      const back = await h.svix.message.list(listApp, { limit: 2, iterator: second.prevIterator });
      expect(back.data.map((m) => m.id)).toEqual(seen.slice(0, 2).map((m) => m.id));
    });

    it('filters by channel, tag, event types and time, and leaves payloads out on request', async () => {
      const ids = (page: { data: MessageOut[] }) => page.data.map((m) => m.id).reverse();
      expect(ids(await h.svix.message.list(listApp, { channel: 'red' }))).toEqual([created[0]!.id, created[3]!.id]);
      expect(ids(await h.svix.message.list(listApp, { tag: 'y' }))).toEqual([created[2]!.id]);
      expect(ids(await h.svix.message.list(listApp, { eventTypes: ['a.two', 'b.three'] }))).toEqual([created[1]!.id, created[3]!.id, created[4]!.id]);
      // `before` and `after` agree with `timestamp` to the millisecond.
      expect(ids(await h.svix.message.list(listApp, { before: created[0]!.timestamp }))).toEqual([]);
      expect(ids(await h.svix.message.list(listApp, { before: new Date(created[0]!.timestamp.getTime() + 1) }))).toContain(created[0]!.id);
      expect(ids(await h.svix.message.list(listApp, { after: created[4]!.timestamp }))).toEqual([created[4]!.id]);
      expect((await h.svix.message.list(listApp, { after: new Date(Date.now() - 60_000) })).data).toHaveLength(5);
      const bare = await h.svix.message.list(listApp, { withContent: false });
      expect(bare.data.every((m) => JSON.stringify(m.payload) === '{}')).toBe(true);
    });

    it('answers 404 for an unknown message or application', async () => {
      expect(await statusOf(h.svix.message.get(listApp, 'msg_01KZZZZZZZZZZZZZZZZZZZZZZZ'))).toBe(404);
      expect(await statusOf(h.svix.message.get(listApp, 'no-such-event-id'))).toBe(404);
      expect(await statusOf(h.svix.message.get(appId, created[0]!.id))).toBe(404);
      expect(await statusOf(h.svix.message.list('no-such-app'))).toBe(404);
    });
  });
});
