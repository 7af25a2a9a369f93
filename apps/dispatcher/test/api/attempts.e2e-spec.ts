import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryEntity, DeliveryStatus, TriggerType } from '@switchyard/db';
import { MessageStatus, type MessageAttemptOut } from 'svix';
import { OK, Receiver } from '../support/receiver.js';
import { AUTH, eventually, startApiHarness, statusOf, verifyDelivery, SDKS, only1x, type ApiHarness } from './harness.js';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  let receiver: Receiver;
  let flakyUp = false;
  let appId: string;
  let okEp: { id: string; secret: string };
  let flakyEp: { id: string; secret: string };

  async function endpoint(uid: string, path: string): Promise<{ id: string; secret: string }> {
    const ep = await h.svix.endpoint.create(appId, { url: receiver.url(path), uid });
    return { id: ep.id, secret: (await h.svix.endpoint.getSecret(appId, ep.id)).key };
  }

  async function deliveryStatus(msgId: string, endpointId: string): Promise<DeliveryStatus | undefined> {
    return (await h.ds.getRepository(DeliveryEntity).findOneBy({ messageId: msgId, endpointId }))?.status;
  }

  async function settled(msgId: string, endpointId: string, status: DeliveryStatus): Promise<void> {
    await eventually(async () => expect(await deliveryStatus(msgId, endpointId)).toBe(status));
  }

  beforeAll(async () => {
    h = await startApiHarness('api-attempts', {}, sdk);
    receiver = await Receiver.start({ script: (req) => (req.url === '/flaky' && !flakyUp ? { status: 500, body: 'down' } : OK) });
    appId = (await h.svix.application.create({ name: 'Attempts', uid: 'att-app' })).id;
    okEp = await endpoint('ok-ep', '/ok');
    flakyEp = await endpoint('flaky-ep', '/flaky');
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  describe('messageAttempt (SDK)', () => {
    let msgId: string;
    beforeAll(async () => {
      flakyUp = false;
      msgId = (await h.svix.message.create(appId, { eventType: 'order.paid', payload: { order: 1 }, eventId: 'order-1', channels: ['shop'] })).id;
      await settled(msgId, okEp.id, DeliveryStatus.Success);
      await settled(msgId, flakyEp.id, DeliveryStatus.Fail);
    });

    it('lists a message’s attempts, newest first, with every field typed', async () => {
      // withContent: the 2.x SDK asks for no bodies unless told (1.x: the server's default, with them)
      const page = await h.svix.messageAttempt.listByMsg(appId, msgId, { withContent: true });
      expect(page.data).toHaveLength(5);
      expect(page.done).toBe(true);
      const ids = page.data.map((a) => a.id);
      expect(ids).toEqual([...ids].sort().reverse());
      const ok = page.data.find((a) => a.endpointId === okEp.id)!;
      expect(ok).toMatchObject({
        msgId,
        url: receiver.url('/ok'),
        response: 'ok',
        responseStatusCode: 200,
        status: MessageStatus.Success,
        statusText: 'success',
        triggerType: TriggerType.Scheduled,
      });
      expect(ok.id).toMatch(/^atmpt_/);
      expect(ok.timestamp).toBeInstanceOf(Date);
      expect(typeof ok.responseDurationMs).toBe('number');
      const failed = page.data.filter((a) => a.endpointId === flakyEp.id);
      expect(failed).toHaveLength(4);
      expect(failed.every((a) => a.status === MessageStatus.Fail && a.statusText === 'fail' && a.responseStatusCode === 500 && a.response === 'down')).toBe(true);
    });

    it('filters attempts by endpoint (id or uid), status, status code class and message fields', async () => {
      expect((await h.svix.messageAttempt.listByMsg(appId, 'order-1', { endpointId: 'flaky-ep' })).data).toHaveLength(4);
      expect((await h.svix.messageAttempt.listByMsg(appId, msgId, { status: MessageStatus.Success })).data.map((a) => a.endpointId)).toEqual([okEp.id]);
      expect((await h.svix.messageAttempt.listByMsg(appId, msgId, { statusCodeClass: 500 })).data).toHaveLength(4);
      expect((await h.svix.messageAttempt.listByMsg(appId, msgId, { statusCodeClass: 200 })).data).toHaveLength(1);
      expect((await h.svix.messageAttempt.listByMsg(appId, msgId, { channel: 'shop', eventTypes: ['order.paid'] })).data).toHaveLength(5);
      expect((await h.svix.messageAttempt.listByMsg(appId, msgId, { channel: 'elsewhere' })).data).toHaveLength(0);
      const bare = await h.svix.messageAttempt.listByMsg(appId, msgId, { withContent: false });
      expect(bare.data.every((a) => a.response === '{}')).toBe(true);
      expect(await statusOf(h.svix.messageAttempt.listByMsg(appId, msgId, { endpointId: 'no-such-endpoint' }))).toBe(404);
    });

    it('lists an endpoint’s attempts over pages, with their messages on request', async () => {
      const seen: MessageAttemptOut[] = [];
      let iterator: string | null | undefined;
      for (;;) {
        const page = await h.svix.messageAttempt.listByEndpoint(appId, 'flaky-ep', { limit: 3, iterator, withMsg: true, withContent: true });
        seen.push(...page.data);
        if (page.done) break;
        iterator = page.iterator;
      }
      expect(seen.length).toBeGreaterThanOrEqual(4);
      expect(seen.every((a) => a.endpointId === flakyEp.id)).toBe(true);
      const mine = seen.find((a) => a.msgId === msgId)!;
      expect(mine.msg).toMatchObject({ id: msgId, eventId: 'order-1', eventType: 'order.paid', payload: { order: 1 }, channels: ['shop'] });
      expect(mine.msg?.timestamp).toBeInstanceOf(Date);
      expect((await h.svix.messageAttempt.listByEndpoint(appId, flakyEp.id, { statusCodeClass: 200 })).data.filter((a) => a.msgId === msgId)).toHaveLength(0);
    });

    it('gets one attempt by message id or eventId', async () => {
      const [first] = (await h.svix.messageAttempt.listByMsg(appId, msgId, { endpointId: okEp.id })).data;
      const got = await h.svix.messageAttempt.get(appId, 'order-1', first!.id);
      expect(got).toMatchObject({ id: first!.id, msgId, endpointId: okEp.id, status: MessageStatus.Success });
      expect(got.timestamp.toISOString()).toBe(first!.timestamp.toISOString());
      expect(await statusOf(h.svix.messageAttempt.get(appId, msgId, 'atmpt_01KZZZZZZZZZZZZZZZZZZZZZZZ'))).toBe(404);
    });

    it('shows the headers each attempt sent (our extension), signatures redacted, as the receiver got them', async () => {
      const [first] = (await h.svix.messageAttempt.listByMsg(appId, msgId, { endpointId: okEp.id })).data;
      const res = await h.http().get(`/api/v1/app/${appId}/msg/${msgId}/attempt/${first!.id}`).set(AUTH);
      expect(res.status).toBe(200);
      const sent = receiver.requestsTo('/ok').find((r) => r.headers['webhook-id'] === msgId)!;
      expect(res.body.requestHeaders).toMatchObject({
        'webhook-id': msgId,
        'webhook-timestamp': sent.headers['webhook-timestamp'],
        'webhook-signature': '[redacted]',
        'content-type': 'application/json',
      });
      expect(JSON.stringify(res.body.requestHeaders)).not.toContain(String(sent.headers['webhook-signature']).slice(3));
    });

    it('lists the messages attempted at an endpoint with their state there, and the destinations of a message', async () => {
      const atFlaky = await h.svix.messageAttempt.listAttemptedMessages(appId, flakyEp.id, { status: MessageStatus.Fail, withContent: true });
      const entry = atFlaky.data.find((m) => m.id === msgId)!;
      expect(entry).toMatchObject({ id: msgId, eventType: 'order.paid', payload: { order: 1 }, status: MessageStatus.Fail, statusText: 'fail', nextAttempt: null });
      expect(entry.timestamp).toBeInstanceOf(Date);
      expect((await h.svix.messageAttempt.listAttemptedMessages(appId, flakyEp.id, { status: MessageStatus.Success })).data.map((m) => m.id)).not.toContain(msgId);

      const destinations = await h.svix.messageAttempt.listAttemptedDestinations(appId, 'order-1');
      expect(destinations.data.map((d) => d.id)).toEqual([okEp.id, flakyEp.id].sort().reverse());
      const ok = destinations.data.find((d) => d.id === okEp.id)!;
      expect(ok).toMatchObject({ uid: 'ok-ep', url: receiver.url('/ok'), status: MessageStatus.Success, statusText: 'success', ...only1x(h, { version: 1 }) });
      expect(ok.createdAt).toBeInstanceOf(Date);
    });

    it('pages attempted messages with message-id iterators', async () => {
      const more: string[] = [];
      for (let i = 0; i < 3; i++) more.push((await h.svix.message.create(appId, { eventType: 'order.paid', payload: { i } })).id);
      for (const id of more) {
        await settled(id, okEp.id, DeliveryStatus.Success);
        await settled(id, flakyEp.id, DeliveryStatus.Fail);
      }
      const seen: string[] = [];
      let iterator: string | null | undefined;
      for (;;) {
        const page = await h.svix.messageAttempt.listAttemptedMessages(appId, okEp.id, { limit: 2, iterator });
        seen.push(...page.data.map((m) => m.id));
        if (page.done) break;
        iterator = page.iterator;
        expect(iterator).toMatch(/^msg_/);
      }
      expect(seen.slice(0, 3)).toEqual([...more].reverse());
      expect(new Set(seen).size).toBe(seen.length);
      const forged = await h.http().get(`/api/v1/app/${appId}/endpoint/${okEp.id}/msg?iterator=msg_01KZZZZZZZZZZZZZZZZZZZZZZZ`).set(AUTH);
      expect(forged.status).toBe(422);
    });

    it('resends a failed message as one Manual attempt, signed for the receiver', async () => {
      flakyUp = true;
      const before = receiver.requestsTo('/flaky').length;
      await expect(h.svix.messageAttempt.resend(appId, 'order-1', 'flaky-ep')).resolves.toEqual({});
      await settled(msgId, flakyEp.id, DeliveryStatus.Success);
      const request = receiver
        .requestsTo('/flaky')
        .slice(before)
        .find((r) => r.headers['webhook-id'] === msgId)!;
      expect(request).toBeDefined();
      expect(verifyDelivery(flakyEp.secret, request)).toEqual({ order: 1 });
      const [latest] = (await h.svix.messageAttempt.listByMsg(appId, msgId, { endpointId: flakyEp.id, limit: 1 })).data;
      expect(latest).toMatchObject({ triggerType: TriggerType.Manual, status: MessageStatus.Success, responseStatusCode: 200 });
      expect(await statusOf(h.svix.messageAttempt.resend(appId, 'no-such-msg', flakyEp.id))).toBe(404);
      expect(await statusOf(h.svix.messageAttempt.resend(appId, msgId, 'no-such-endpoint'))).toBe(404);
    });
  });

  describe('endpoint.recover (SDK)', () => {
    it('re-sends every failed message since a time, and they arrive', async () => {
      flakyUp = false;
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await h.svix.message.create(appId, { eventType: 'order.paid', payload: { recover: i } })).id);
      for (const id of ids) await settled(id, flakyEp.id, DeliveryStatus.Fail);
      flakyUp = true;
      const task = await h.svix.endpoint.recover(appId, 'flaky-ep', { since: new Date(Date.now() - 60_000) });
      expect(task.id).toMatch(/^qtask_/);
      expect(task.task).toBe('endpoint.recover');
      expect(['running', 'finished']).toContain(task.status);
      expect(task.updatedAt).toBeInstanceOf(Date);
      for (const id of ids) await settled(id, flakyEp.id, DeliveryStatus.Success);
      const stats = await h.svix.endpoint.getStats(appId, flakyEp.id);
      expect(stats.fail).toBe(0);
      expect(stats.success).toBeGreaterThanOrEqual(3);
      expect(await statusOf(h.svix.endpoint.recover(appId, flakyEp.id, { since: new Date(Date.now() - 15 * 86_400_000) }))).toBe(422);
    });
  });

  describe('endpoint.sendExample (SDK)', () => {
    beforeAll(async () => {
      await h.svix.eventType.create({
        name: 'invoice.created',
        description: 'An invoice',
        schemas: { '1': { type: 'object', examples: [{ invoice: 'first' }, { invoice: 'second' }] } },
      });
      await h.svix.eventType.create({ name: 'no.examples', description: 'None', schemas: { '1': { type: 'object' } } });
    });

    it('sends the chosen example to that endpoint only, signed', async () => {
      flakyUp = true;
      const flakyBefore = receiver.requestsTo('/flaky').length;
      const msg = await h.svix.endpoint.sendExample(appId, 'ok-ep', { eventType: 'invoice.created', exampleIndex: 1 });
      expect(msg).toMatchObject({ eventType: 'invoice.created', payload: { invoice: 'second' } });
      expect(msg.timestamp).toBeInstanceOf(Date);
      const request = await eventually(() => {
        const got = receiver.requests.find((r) => r.headers['webhook-id'] === msg.id);
        expect(got).toBeDefined();
        return got!;
      });
      expect(request.url).toBe('/ok');
      expect(verifyDelivery(okEp.secret, request)).toEqual({ invoice: 'second' });
      await settled(msg.id, okEp.id, DeliveryStatus.Success);
      expect(
        receiver
          .requestsTo('/flaky')
          .slice(flakyBefore)
          .filter((r) => r.headers['webhook-id'] === msg.id),
      ).toHaveLength(0);
      expect(await deliveryStatus(msg.id, flakyEp.id)).toBeUndefined();
    });

    it('sends svix.ping without an event type', async () => {
      const msg = await h.svix.endpoint.sendExample(appId, okEp.id, { eventType: 'svix.ping' });
      expect(msg.payload).toEqual({ success: true });
      await settled(msg.id, okEp.id, DeliveryStatus.Success);
    });

    it('refuses an unknown event type (404), one without examples (400) and an index out of range (422)', async () => {
      expect(await statusOf(h.svix.endpoint.sendExample(appId, okEp.id, { eventType: 'nope.nope' }))).toBe(404);
      expect(await statusOf(h.svix.endpoint.sendExample(appId, okEp.id, { eventType: 'no.examples' }))).toBe(400);
      expect(await statusOf(h.svix.endpoint.sendExample(appId, okEp.id, { eventType: 'invoice.created', exampleIndex: 5 }))).toBe(422);
    });
  });
});
