import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationKind, DeliveryStatus, TriggerType } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { PUBLISHER } from '@switchyard/api-kit';
import type { MessageToPublish, Publisher } from '@switchyard/publisher';
import { failTimes, OK, Receiver } from '../support/receiver.js';
import { OperationalWebhooks } from '../../src/engine/operational-webhooks/operational-webhooks.js';
import { OperationalWebhooksRepository } from '../../src/engine/operational-webhooks/operational-webhooks.repository.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, insertMessages, publish, startEngine, verifyWith, type Engine } from './support.js';
import { consistently } from '@switchyard/testkit';

describe('DeliveryCommands: the API entry points', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-commands', { RETRY_SCHEDULE: '200ms' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  async function settled(msgId: string, endpointId: string, status: DeliveryStatus) {
    return eventually(async () => {
      const d = await deliveryOf(engine.ds, msgId, endpointId);
      expect(d?.status).toBe(status);
      return d!;
    });
  }

  it('resend: one Manual attempt of a delivered message, same webhook-id', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/resend-ok') });
    const [msgId] = await publish(engine, appId, [{}]);
    await settled(msgId!, ep.id, DeliveryStatus.Success);

    const result = await engine.commands.resend(msgId!, ep.id);
    expect(result).toMatchObject({ outcome: 'queued' });
    await eventually(() => expect(receiver.requestsTo('/resend-ok')).toHaveLength(2));
    const d = await settled(msgId!, ep.id, DeliveryStatus.Success);
    const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempts.map((a) => [a.attemptNumber, a.triggerType, a.responseStatusCode])).toEqual([
      [1, TriggerType.Scheduled, 200],
      [2, TriggerType.Manual, 200],
    ]);
    const [first, second] = receiver.requestsTo('/resend-ok');
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(() => verifyWith(ep.secret, second!)).not.toThrow();
  });

  it('resend of a failed delivery is one attempt, not a new schedule', async () => {
    const appId = await createApp(engine.ds);
    receiver.route('/resend-dead', () => ({ status: 500 }));
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/resend-dead') });
    const [msgId] = await publish(engine, appId, [{}]);
    await settled(msgId!, ep.id, DeliveryStatus.Fail);
    expect(receiver.requestsTo('/resend-dead')).toHaveLength(2);

    await engine.commands.resend(msgId!, ep.id);
    await eventually(() => expect(receiver.requestsTo('/resend-dead')).toHaveLength(3));
    const d = await settled(msgId!, ep.id, DeliveryStatus.Fail);
    await consistently(() => expect(receiver.requestsTo('/resend-dead')).toHaveLength(3), { forMs: 600 });
    const attempts = await attemptsOf(engine.ds, { deliveryId: d.id });
    expect(attempts.at(-1)).toMatchObject({ attemptNumber: 3, triggerType: TriggerType.Manual, responseStatusCode: 500 });
    expect(d.nextAttemptAt).toBeNull();
  });

  it('resend of a delivery still on its schedule brings its next attempt forward (it stays Scheduled)', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/resend-pending') });
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    // As after a first failed attempt, with the retry an hour away.
    await engine.ds.query(`UPDATE messages SET fanned_out_at = now() WHERE id = $1`, [msgId]);
    await engine.ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 1, now() + interval '1 hour')`, [
      'mdst_01JXXXXXXXXXXXXXXXXXXXXXXX',
      msgId,
      ep.id,
      appId,
      DeliveryStatus.Pending,
    ]);
    expect(await engine.commands.resend(msgId!, ep.id)).toEqual({ deliveryId: 'mdst_01JXXXXXXXXXXXXXXXXXXXXXXX', outcome: 'brought-forward' });
    await eventually(() => expect(receiver.requestsTo('/resend-pending')).toHaveLength(1));
    const d = await settled(msgId!, ep.id, DeliveryStatus.Success);
    expect(await attemptsOf(engine.ds, { deliveryId: d.id })).toMatchObject([{ attemptNumber: 2, triggerType: TriggerType.Scheduled }]);
  });

  it('resend creates the delivery when the message never had one for that endpoint', async () => {
    const appId = await createApp(engine.ds);
    const [msgId] = await publish(engine, appId, [{}]);
    await eventually(async () => {
      const [{ fanned }] = await engine.ds.query(`SELECT fanned_out_at IS NOT NULL AS fanned FROM messages WHERE id = $1`, [msgId]);
      expect(fanned).toBe(true);
    });
    const late = await createEndpoint(engine, appId, { url: receiver.url('/late-endpoint') });
    expect(await engine.commands.resend(msgId!, late.id)).toMatchObject({ outcome: 'queued' });
    await eventually(() => expect(receiver.requestsTo('/late-endpoint')).toHaveLength(1));
    const d = await settled(msgId!, late.id, DeliveryStatus.Success);
    expect((await attemptsOf(engine.ds, { deliveryId: d.id }))[0]!.triggerType).toBe(TriggerType.Manual);
  });

  it('resend answers undefined for a message and endpoint of different applications', async () => {
    const a = await createApp(engine.ds);
    const b = await createApp(engine.ds);
    const ep = await createEndpoint(engine, b, { url: receiver.url('/other-app') });
    const [msgId] = await insertMessages(engine.ds, a, [{}]);
    expect(await engine.commands.resend(msgId!, ep.id)).toBeUndefined();
    expect(await engine.commands.resend('msg_01JZZZZZZZZZZZZZZZZZZZZZZZ', ep.id)).toBeUndefined();
  });

  it('recover: re-sends every failed message of the endpoint in [since, until), once each, Manual', async () => {
    const appId = await createApp(engine.ds);
    let healthy = false;
    receiver.route('/recover', () => (healthy ? OK : { status: 503 }));
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/recover') });
    const before = await publish(engine, appId, [{}, {}]);
    for (const id of before) await settled(id, ep.id, DeliveryStatus.Fail);
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    const inRange = await publish(engine, appId, [{}, {}, {}]);
    for (const id of inRange) await settled(id, ep.id, DeliveryStatus.Fail);
    const failedRequests = receiver.requestsTo('/recover').length;

    healthy = true;
    expect(await engine.commands.recover(ep.id, since)).toBe(3);
    for (const id of inRange) await settled(id, ep.id, DeliveryStatus.Success);
    for (const id of before) expect((await deliveryOf(engine.ds, id, ep.id))!.status).toBe(DeliveryStatus.Fail);
    expect(receiver.requestsTo('/recover').length - failedRequests).toBe(3);
    for (const id of inRange) {
      const d = (await deliveryOf(engine.ds, id, ep.id))!;
      expect((await attemptsOf(engine.ds, { deliveryId: d.id })).at(-1)).toMatchObject({ triggerType: TriggerType.Manual, responseStatusCode: 200 });
    }
    // Nothing failed is left in the range.
    expect(await engine.commands.recover(ep.id, since)).toBe(0);
    // `until` bounds the range: the earlier two are recovered only when asked for.
    expect(await engine.commands.recover(ep.id, new Date(since.getTime() - 60_000), since)).toBe(2);
    for (const id of before) await settled(id, ep.id, DeliveryStatus.Success);
  });

  it('sendToEndpoint: delivers to that endpoint only, and the message is never fanned out to others', async () => {
    const appId = await createApp(engine.ds);
    const target = await createEndpoint(engine, appId, { url: receiver.url('/example') });
    await createEndpoint(engine, appId, { url: receiver.url('/bystander') });
    const [msgId] = await insertMessages(engine.ds, appId, [{ eventType: 'user.created', payload: '{"example":true}' }]);
    expect(await engine.commands.sendToEndpoint(msgId!, target.id)).toMatchObject({ created: true });
    expect(await engine.commands.sendToEndpoint(msgId!, target.id)).toMatchObject({ created: false });
    await eventually(() => expect(receiver.requestsTo('/example')).toHaveLength(1));
    expect(receiver.requestsTo('/example')[0]!.body.toString()).toBe('{"example":true}');
    // Longer than the reconciler's grace: it must not fan the message out.
    await engine.reconciler.reconcile();
    await new Promise((r) => setTimeout(r, 1_300));
    await engine.reconciler.reconcile();
    expect(receiver.requestsTo('/bystander')).toHaveLength(0);
    expect(receiver.requestsTo('/example')).toHaveLength(1);
  });

  it('retries a failed send-example on the normal schedule', async () => {
    const appId = await createApp(engine.ds);
    receiver.route('/example-flaky', failTimes(1));
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/example-flaky') });
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    await engine.commands.sendToEndpoint(msgId!, ep.id);
    const d = await settled(msgId!, ep.id, DeliveryStatus.Success);
    expect((await attemptsOf(engine.ds, { deliveryId: d.id })).map((a) => a.triggerType)).toEqual([TriggerType.Scheduled, TriggerType.Scheduled]);
  });

  it('a disabled endpoint gets no attempt; recover sends once it is enabled again', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/paused') });
    const since = new Date(Date.now() - 1_000);
    // Disabled after fan-out, before the attempt (as an operator might).
    await engine.ds.query(`UPDATE endpoints SET disabled = true WHERE id = $1`, [ep.id]);
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    await engine.commands.sendToEndpoint(msgId!, ep.id);
    const d = await settled(msgId!, ep.id, DeliveryStatus.Fail);
    expect(await attemptsOf(engine.ds, { deliveryId: d.id })).toHaveLength(0);
    expect(receiver.requestsTo('/paused')).toHaveLength(0);
    await engine.ds.query(`UPDATE endpoints SET disabled = false WHERE id = $1`, [ep.id]);
    expect(await engine.commands.recover(ep.id, since)).toBe(1);
    await settled(msgId!, ep.id, DeliveryStatus.Success);
    expect(receiver.requestsTo('/paused')).toHaveLength(1);
  });

  it('there is one operational application, whoever asks first', async () => {
    const fresh = [new OperationalWebhooks(new OperationalWebhooksRepository(engine.ds)), new OperationalWebhooks(new OperationalWebhooksRepository(engine.ds)), engine.operational];
    const ids = await Promise.all(fresh.map((o) => o.appId()));
    expect(new Set(ids).size).toBe(1);
    const rows = await engine.ds.query(`SELECT id, kind FROM applications WHERE kind = $1`, [ApplicationKind.Operational]);
    expect(rows).toEqual([{ id: ids[0], kind: 'operational' }]);
  });
});

describe('Publisher.publishMessage: deliveries in the publish statement, or the fan-out queue', () => {
  let engine: Engine;
  let receiver: Receiver;
  const INLINE_MAX = 2;

  beforeAll(async () => {
    engine = await startEngine('engine-publish', { FAN_OUT_INLINE_MAX: String(INLINE_MAX) });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  const publish = async (app: { by: 'id' | 'uid'; value: string }, m: MessageToPublish) => (await engine.t.app.get<Publisher>(PUBLISHER).publishMessage(app, m)).inserted;
  const message = (fields: Partial<MessageToPublish> = {}): MessageToPublish => {
    const id = newId(IdPrefix.message);
    return { id, eventType: 'user.created', eventId: null, payload: JSON.stringify({ id }), channels: null, tags: null, deliverAt: null, createdAt: new Date(), ...fields };
  };

  async function deliveriesOf(msgId: string): Promise<{ endpoint_id: string; status: number; attempts: number }[]> {
    return engine.ds.query(`SELECT endpoint_id, status, attempts FROM deliveries WHERE message_id = $1 ORDER BY endpoint_id`, [msgId]);
  }

  it('a message for at most FAN_OUT_INLINE_MAX endpoints is stored with its routed deliveries and delivered without the fan-out queue', async () => {
    const fanOut = engine.work.fanOutQueue;
    const appId = await createApp(engine.ds, { uid: 'inline-app' });
    const a = await createEndpoint(engine, appId, { url: receiver.url('/inline-a') });
    const b = await createEndpoint(engine, appId, { url: receiver.url('/inline-b'), filterTypes: ['user.*'] });
    await createEndpoint(engine, appId, { url: receiver.url('/inline-other'), filterTypes: ['invoice.*'] });
    await createEndpoint(engine, appId, { url: receiver.url('/inline-off'), disabled: true });
    await fanOut.pause();
    try {
      const byId = message();
      const byUid = message({ channels: ['eu'] });
      expect(await publish({ by: 'id', value: appId }, byId)).toBe(true);
      expect(await publish({ by: 'uid', value: 'inline-app' }, byUid)).toBe(true);
      // The deliveries were committed with the message: they exist when publish returns.
      const stored = await deliveriesOf(byId.id);
      expect(stored.map((d) => d.endpoint_id)).toEqual([a.id, b.id].sort());
      const [{ fanned }] = await engine.ds.query(`SELECT fanned_out_at IS NOT NULL AS fanned FROM messages WHERE id = $1`, [byId.id]);
      expect(fanned).toBe(true);
      // Delivered while the fan-out queue is paused: no fan-out job was needed.
      await eventually(() => {
        expect(receiver.requestsTo('/inline-a')).toHaveLength(2);
        expect(receiver.requestsTo('/inline-b')).toHaveLength(2);
      });
      for (const r of receiver.requestsTo('/inline-a')) expect(() => verifyWith(a.secret, r)).not.toThrow();
      for (const r of receiver.requestsTo('/inline-b')) expect(() => verifyWith(b.secret, r)).not.toThrow();
      expect(
        receiver
          .requestsTo('/inline-b')
          .map((r) => r.headers['webhook-id'])
          .sort(),
      ).toEqual([byId.id, byUid.id].sort());
      expect(receiver.requestsTo('/inline-other')).toHaveLength(0);
      expect(receiver.requestsTo('/inline-off')).toHaveLength(0);
      expect(await fanOut.getJobCounts()).toMatchObject({ waiting: 0, paused: 0, active: 0, delayed: 0 });
    } finally {
      await fanOut.resume();
    }
  });

  it('a message for more endpoints is stored alone and goes through the fan-out queue', async () => {
    const fanOut = engine.work.fanOutQueue;
    const appId = await createApp(engine.ds);
    const endpoints = [];
    for (let i = 0; i <= INLINE_MAX; i++) endpoints.push(await createEndpoint(engine, appId, { url: receiver.url(`/wide-${i}`) }));
    await fanOut.pause();
    const m = message();
    try {
      expect(await publish({ by: 'id', value: appId }, m)).toBe(true);
      expect(await deliveriesOf(m.id)).toEqual([]);
      const [{ fanned }] = await engine.ds.query(`SELECT fanned_out_at IS NOT NULL AS fanned FROM messages WHERE id = $1`, [m.id]);
      expect(fanned).toBe(false);
      expect(await fanOut.getJobCounts()).toMatchObject({ paused: 1 });
    } finally {
      await fanOut.resume();
    }
    await eventually(() => {
      for (let i = 0; i <= INLINE_MAX; i++) expect(receiver.requestsTo(`/wide-${i}`)).toHaveLength(1);
    });
    expect((await deliveriesOf(m.id)).map((d) => d.endpoint_id)).toEqual(endpoints.map((e) => e.id).sort());
  });

  it('a message routed to no endpoint is stored, marked fanned out, and sends nothing', async () => {
    const appId = await createApp(engine.ds);
    await createEndpoint(engine, appId, { url: receiver.url('/nobody'), channels: ['eu'] });
    const m = message({ channels: ['us'] });
    expect(await publish({ by: 'id', value: appId }, m)).toBe(true);
    const [{ fanned }] = await engine.ds.query(`SELECT fanned_out_at IS NOT NULL AS fanned FROM messages WHERE id = $1`, [m.id]);
    expect(fanned).toBe(true);
    expect(await deliveriesOf(m.id)).toEqual([]);
  });

  it('an unknown application, or an internal one, stores nothing', async () => {
    const internal = await createApp(engine.ds, { kind: ApplicationKind.Source, uid: 'internal-app' });
    const m = message();
    expect(await publish({ by: 'id', value: newId(IdPrefix.application) }, m)).toBe(false);
    expect(await publish({ by: 'uid', value: 'no-such-app' }, m)).toBe(false);
    expect(await publish({ by: 'id', value: internal }, m)).toBe(false);
    expect(await publish({ by: 'uid', value: 'internal-app' }, m)).toBe(false);
    expect(await engine.ds.query(`SELECT id FROM messages WHERE id = $1`, [m.id])).toEqual([]);
  });

  it('a scheduled message (deliverAt) gets deliveries due at that time', async () => {
    const appId = await createApp(engine.ds);
    await createEndpoint(engine, appId, { url: receiver.url('/later') });
    const deliverAt = new Date(Date.now() + 1_500);
    const m = message({ deliverAt });
    expect(await publish({ by: 'id', value: appId }, m)).toBe(true);
    const [{ next_attempt_at }] = await engine.ds.query(`SELECT next_attempt_at FROM deliveries WHERE message_id = $1`, [m.id]);
    expect((next_attempt_at as Date).getTime()).toBe(deliverAt.getTime());
    await consistently(() => expect(receiver.requestsTo('/later')).toHaveLength(0), { forMs: 500 });
    const r = await eventually(() => {
      const [req] = receiver.requestsTo('/later');
      expect(req).toBeDefined();
      return req!;
    });
    expect(r.receivedAt).toBeGreaterThanOrEqual(deliverAt.getTime() - 50);
  });
});
