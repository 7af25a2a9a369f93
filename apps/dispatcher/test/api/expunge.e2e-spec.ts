import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryEntity, DeliveryStatus } from '@switchyard/db';
import { Receiver } from '../support/receiver.js';
import { AUTH, eventually, SDKS, statusOf, startApiHarness, type ApiHarness } from './harness.js';
import { consistently } from '@switchyard/testkit';

// Svix's expunge operations and replay-missing (issue 14), through each SDK, checking PostgreSQL
// directly: an expunged payload or response body is gone from the database, not hidden.

const SECRET = 'card-4242-4242-4242-4242';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  let receiver: Receiver;
  let appId: string;
  let okEp: string;
  beforeAll(async () => {
    // A long retry wait, so that a failed delivery is still waiting when its message is expunged.
    h = await startApiHarness('api-expunge', { RETRY_SCHEDULE: '60s,60s' }, sdk);
    receiver = await Receiver.start();
    receiver.route('/ok', () => ({ status: 200, body: `echo ${SECRET}` }));
    receiver.route('/down', () => ({ status: 500, body: 'down' }));
    appId = (await h.svix.application.create({ name: 'Expunge', uid: 'exp-app' })).id;
    okEp = (await h.svix.endpoint.create(appId, { url: receiver.url('/ok'), uid: 'ok-ep' })).id;
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  async function payloadRow(msgId: string): Promise<string | null> {
    const rows: { payload: string | null }[] = await h.ds.query(`SELECT payload FROM messages WHERE id = $1`, [msgId]);
    expect(rows).toHaveLength(1);
    return rows[0]!.payload;
  }

  async function delivered(msgId: string, endpointId: string, status = DeliveryStatus.Success): Promise<void> {
    await eventually(async () => expect((await h.ds.getRepository(DeliveryEntity).findOneBy({ messageId: msgId, endpointId }))?.status).toBe(status));
  }

  describe('message.expungeContent', () => {
    it('removes the payload from PostgreSQL (and from a remembered idempotent answer), keeps the message, and refuses a resend', async () => {
      const msg = await h.svix.message.create(
        appId,
        { eventType: 'card.saved', eventId: `exp-1-${sdk.major}`, payload: { card: SECRET } },
        { idempotencyKey: `exp-idem-${sdk.major}`, withContent: true },
      );
      await delivered(msg.id, okEp);
      expect(await payloadRow(msg.id)).toContain(SECRET);

      await h.svix.message.expungeContent(appId, msg.id);

      expect(await payloadRow(msg.id)).toBeNull();
      const leftovers: { n: number }[] = await h.ds.query(
        `SELECT (SELECT count(*) FROM messages WHERE payload LIKE $1)::int + (SELECT count(*) FROM idempotency_keys WHERE response_body::text LIKE $1)::int AS n`,
        [`%${SECRET}%`],
      );
      expect(leftovers[0]!.n).toBe(0);
      const got = await h.svix.message.get(appId, msg.id, { withContent: true });
      expect(got).toMatchObject({ id: msg.id, eventType: 'card.saved', payload: { expired: true } });
      // The attempt log stays.
      expect((await h.svix.messageAttempt.listByMsg(appId, msg.id)).data).toHaveLength(1);

      const resend = await h.http().post(`/api/v1/app/${appId}/msg/${msg.id}/endpoint/${okEp}/resend`).set(AUTH);
      expect(resend.status).toBe(410);
      expect(resend.body).toEqual({ code: 'payload_expired', detail: expect.stringContaining('expunged') });
      expect(await statusOf(h.svix.messageAttempt.resend(appId, msg.id, okEp))).toBe(410);
      expect(receiver.requestsTo('/ok').filter((r) => r.headers['webhook-id'] === msg.id)).toHaveLength(1);
      // The remembered answer to an idempotent repeat keeps the message, without its payload.
      const remembered: { response_body: { id: string; payload: unknown } }[] = await h.ds.query(`SELECT response_body FROM idempotency_keys WHERE key = $1`, [`exp-idem-${sdk.major}`]);
      expect(remembered).toEqual([{ response_body: expect.objectContaining({ id: msg.id, payload: {} }) }]);
    });

    it('takes the eventId, is idempotent, and answers 404 for an unknown message', async () => {
      const msg = await h.svix.message.create(appId, { eventType: 'card.saved', eventId: `exp-2-${sdk.major}`, payload: { card: SECRET } });
      await h.svix.message.expungeContent('exp-app', `exp-2-${sdk.major}`);
      await h.svix.message.expungeContent(appId, msg.id);
      expect(await payloadRow(msg.id)).toBeNull();
      expect(await statusOf(h.svix.message.expungeContent(appId, 'msg_01M8Y5NXTTQAWNC3BNBVG3FEPN'))).toBe(404);
      expect(await statusOf(h.svix.message.expungeContent('no-such-app', msg.id))).toBe(404);
    });

    it('fails a delivery still waiting to retry at once, as payload_expunged, without sending anything', async () => {
      const down = await h.svix.endpoint.create(appId, { url: receiver.url('/down'), uid: `down-${sdk.major}` });
      const msg = await h.svix.message.create(appId, { eventType: 'card.saved', payload: { card: SECRET } });
      await eventually(() => expect(receiver.requestsTo('/down').filter((r) => r.headers['webhook-id'] === msg.id)).toHaveLength(1));
      await delivered(msg.id, down.id, DeliveryStatus.Pending);

      await h.svix.message.expungeContent(appId, msg.id);

      await delivered(msg.id, down.id, DeliveryStatus.Fail);
      const attempts = (await h.svix.messageAttempt.listByMsg(appId, msg.id, { endpointId: down.id, withContent: true })).data;
      expect(attempts).toHaveLength(2);
      expect(attempts[0]).toMatchObject({ responseStatusCode: 0, status: 2 });
      expect(await h.ds.query(`SELECT error, error_detail FROM attempts WHERE id = $1`, [attempts[0]!.id])).toEqual([
        { error: 'payload_expunged', error_detail: "not sent: the message's payload was expunged" },
      ]);
      expect(receiver.requestsTo('/down').filter((r) => r.headers['webhook-id'] === msg.id)).toHaveLength(1);
      // recover does not send it again either.
      await h.svix.endpoint.recover(appId, down.id, { since: new Date(Date.now() - 60_000) });
      await consistently(() => expect(receiver.requestsTo('/down').filter((r) => r.headers['webhook-id'] === msg.id)).toHaveLength(1), { forMs: 500 });
      await h.svix.endpoint.delete(appId, down.id);
    });
  });

  describe('messageAttempt.expungeContent', () => {
    it("removes the attempt's response body from PostgreSQL; it reads EXPUNGED", async () => {
      const msg = await h.svix.message.create(appId, { eventType: 'card.saved', payload: { n: 1 } });
      await delivered(msg.id, okEp);
      const [attempt] = (await h.svix.messageAttempt.listByMsg(appId, msg.id, { withContent: true })).data;
      expect(attempt!.response).toBe(`echo ${SECRET}`);

      await h.svix.messageAttempt.expungeContent(appId, msg.id, attempt!.id);

      const rows: { response: string; response_body: Buffer | null }[] = await h.ds.query(`SELECT response, response_body FROM attempts WHERE id = $1`, [attempt!.id]);
      expect(rows).toEqual([{ response: 'EXPUNGED', response_body: null }]);
      expect((await h.svix.messageAttempt.get(appId, msg.id, attempt!.id)).response).toBe('EXPUNGED');
      // The message itself keeps its payload.
      expect(await payloadRow(msg.id)).toBe('{"n":1}');
      expect(await statusOf(h.svix.messageAttempt.expungeContent(appId, msg.id, 'atmpt_01M8Y5NXTTQAWNC3BNBVG3FEPN'))).toBe(404);
    });
  });

  // SDK 1.99.1 has no bulkExpungeContent: the operation is registered for the 2.x run only (not skipped).
  if (sdk.major === 2) {
    describe('message.bulkExpungeContent (2.x only)', () => {
      it('expunges the named messages (ids or eventIds) and answers each one', async () => {
        const a = await h.svix2.message.create(appId, { eventType: 'card.saved', payload: { card: SECRET } });
        const b = await h.svix2.message.create(appId, { eventType: 'card.saved', eventId: 'bulk-b', payload: { card: SECRET } });
        const c = await h.svix2.message.create(appId, { eventType: 'card.saved', payload: { keep: true } });
        const out = await h.svix2.message.bulkExpungeContent(appId, { ids: [a.id, 'bulk-b', 'msg_01M8Y5NXTTQAWNC3BNBVG3FEPN', 'not-there'] });
        expect(out.results).toEqual({ [a.id]: 'expunged', 'bulk-b': 'expunged', msg_01M8Y5NXTTQAWNC3BNBVG3FEPN: 'not-found', 'not-there': 'not-found' });
        expect(await payloadRow(a.id)).toBeNull();
        expect(await payloadRow(b.id)).toBeNull();
        expect(await payloadRow(c.id)).toBe('{"keep":true}');
        expect((await h.svix2.message.bulkExpungeContent(appId, {})).results).toEqual({});
        const tooMany = await h
          .http()
          .post(`/api/v1/app/${appId}/msg/bulk-expunge`)
          .set(AUTH)
          .send({ ids: Array.from({ length: 1001 }, (_, i) => `m${i}`) });
        expect(tooMany.status).toBe(422);
      });
    });
  }

  describe('message.expungeAllContents', () => {
    it("expunges every payload of the application (no other's), as a finished application.purge_content task", async () => {
      const app = await h.svix.application.create({ name: 'Purge', uid: `purge-${sdk.major}` });
      const other = await h.svix.application.create({ name: 'Other' });
      for (let i = 0; i < 3; i++) await h.svix.message.create(app.id, { eventType: 'card.saved', payload: { card: SECRET, i } });
      const kept = await h.svix.message.create(other.id, { eventType: 'card.saved', payload: { card: SECRET } });

      const task = await h.svix.message.expungeAllContents(app.id);
      expect(task).toMatchObject({ status: 'finished', task: 'application.purge_content' });
      expect(task.id).toMatch(/^qtask_/);
      expect(task.updatedAt).toBeInstanceOf(Date);

      const counts: { total: number; left: number }[] = await h.ds.query(`SELECT count(*)::int AS total, count(payload)::int AS left FROM messages WHERE app_id = $1`, [app.id]);
      expect(counts).toEqual([{ total: 3, left: 0 }]);
      expect(await payloadRow(kept.id)).toContain(SECRET);
      const read = await h.svix.backgroundTask.get(task.id);
      expect(read).toMatchObject({ id: task.id, status: 'finished', task: 'application.purge_content', data: { messagesPurged: 3 } });
      expect((await h.svix.message.expungeAllContents(`purge-${sdk.major}`)).status).toBe('finished');
      expect((await h.svix.backgroundTask.list()).data.map((t) => t.id)).toContain(task.id);
      expect(await statusOf(h.svix.backgroundTask.get('qtask_01M8Y5NXTTQAWNC3BNBVG3FEPN'))).toBe(404);
    });
  });

  describe('endpoint.replayMissing', () => {
    it('sends the endpoint the messages routed to it that it never got, once, and no others', async () => {
      const app = await h.svix.application.create({ name: 'Replay', uid: `replay-${sdk.major}` });
      await h.svix.endpoint.create(app.id, { url: receiver.url(`/first-${sdk.major}`) });
      const since = new Date(Date.now() - 1000);
      const wanted = await h.svix.message.create(app.id, { eventType: 'invoice.paid', payload: { n: 1 } });
      const otherType = await h.svix.message.create(app.id, { eventType: 'user.signup', payload: { n: 2 } });
      const expunged = await h.svix.message.create(app.id, { eventType: 'invoice.paid', payload: { n: 3 } });
      // delivered first (an expunge before its send would fail it unsent), then expunged
      await eventually(() => expect(receiver.requestsTo(`/first-${sdk.major}`)).toHaveLength(3));
      await h.svix.message.expungeContent(app.id, expunged.id);
      // Created afterwards, filtering on invoice.*: it never had any of them.
      const late = await h
        .http()
        .post(`/api/v1/app/${app.id}/endpoint`)
        .set(AUTH)
        .send({ url: receiver.url(`/late-${sdk.major}`), filterTypes: ['invoice.*'] });
      expect(late.status).toBe(201);
      const lateEp = late.body.id as string;

      const task = await h.svix.endpoint.replayMissing(app.id, lateEp, { since });
      expect(task).toMatchObject({ status: 'finished', task: 'endpoint.replay' });
      await eventually(() => expect(receiver.requestsTo(`/late-${sdk.major}`).map((r) => r.headers['webhook-id'])).toEqual([wanted.id]));
      expect((await h.svix.backgroundTask.get(task.id)).data).toEqual({ messagesSent: 1 });
      const attempts = await h.svix.messageAttempt.listByMsg(app.id, wanted.id, { endpointId: lateEp });
      expect(attempts.data).toHaveLength(1);

      // Again: nothing is missing any more; the first endpoint gets nothing twice.
      const again = await h.svix.endpoint.replayMissing(app.id, lateEp, { since, until: new Date() });
      expect((await h.svix.backgroundTask.get(again.id)).data).toEqual({ messagesSent: 0 });
      await consistently(
        () => {
          expect(receiver.requestsTo(`/late-${sdk.major}`)).toHaveLength(1);
          expect(receiver.requestsTo(`/first-${sdk.major}`)).toHaveLength(3);
        },
        { forMs: 300 },
      );
      expect(otherType.id).not.toBe(wanted.id);
    });

    it('answers 422 for a bad window and 404 for an unknown endpoint', async () => {
      const bad = await h.http().post(`/api/v1/app/${appId}/endpoint/${okEp}/replay-missing`).set(AUTH).send({ since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' });
      expect(bad.status).toBe(422);
      expect((await h.http().post(`/api/v1/app/${appId}/endpoint/${okEp}/replay-missing`).set(AUTH).send({})).status).toBe(422);
      expect(await statusOf(h.svix.endpoint.replayMissing(appId, 'ep_01M8Y5NXTTQAWNC3BNBVG3FEPN', { since: new Date() }))).toBe(404);
    });
  });
});
