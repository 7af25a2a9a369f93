import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationKind, DeliveryStatus, TriggerType } from '@switchyard/db';
import { failTimes, OK, Receiver } from '../support/receiver.js';
import { OperationalWebhooks } from '../../src/operational-webhooks/operational-webhooks.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, insertMessages, publish, startEngine, verifyWith, type Engine } from './support.js';

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
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.requestsTo('/resend-dead')).toHaveLength(3);
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
    await engine.ds.query(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 1, now() + interval '1 hour')`,
      ['mdst_01JXXXXXXXXXXXXXXXXXXXXXXX', msgId, ep.id, appId, DeliveryStatus.Pending],
    );
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
    const fresh = [new OperationalWebhooks(engine.ds), new OperationalWebhooks(engine.ds), engine.operational];
    const ids = await Promise.all(fresh.map((o) => o.appId()));
    expect(new Set(ids).size).toBe(1);
    const rows = await engine.ds.query(`SELECT id, kind FROM applications WHERE kind = $1`, [ApplicationKind.Operational]);
    expect(rows).toEqual([{ id: ids[0], kind: 'operational' }]);
  });
});
