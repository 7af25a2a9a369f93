import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus, MessageEntity, reseal, TriggerType } from '@switchyard/db';
import { generateWebhookSecret } from '@switchyard/signing';
import { bullKeyPrefix, turnJobId } from '@switchyard/events';
import { Receiver } from '../support/receiver.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, insertMessages, publish, startEngine, verifyWith, type Engine } from './support.js';
import { consistently } from '@switchyard/testkit';

// Secrets are sealed at rest in this suite, so every delivery also proves decryption.
const ENCRYPTION_KEY = 'a'.repeat(64);

describe('delivery engine: a message reaches its endpoints, signed', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-delivery', { SECRET_ENCRYPTION_KEY: ENCRYPTION_KEY });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    await receiver?.close();
    expect(failures).toEqual([]);
  });

  it('POSTs the stored payload bytes exactly, with Standard Webhooks headers both outside libraries verify', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/basic'), headers: { 'x-tenant': 'acme', 'X-Trace': 't-1' } });
    // Odd whitespace and non-ASCII: a re-serialized body would not match the signature.
    const payload = '{ "type":"user.created",\n  "name": "Zoë ✓", "n": 1.50 }';
    const [msgId] = await publish(engine, appId, [{ payload, eventId: 'evt-basic' }]);

    await eventually(() => expect(receiver.requestsTo('/basic')).toHaveLength(1));
    const req = receiver.requestsTo('/basic')[0]!;
    expect(req.method).toBe('POST');
    expect(req.body.toString('utf8')).toBe(payload);
    expect(req.headers['webhook-id']).toBe(msgId);
    expect(Number(req.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 30);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^Switchyard\/\d+\.\d+\.\d+/);
    expect(req.headers['x-tenant']).toBe('acme');
    expect(req.headers['x-trace']).toBe('t-1');
    expect(() => verifyWith(ep.secret, req)).not.toThrow();
    expect(() => verifyWith(generateWebhookSecret(), req)).toThrow();

    const delivery = await eventually(async () => {
      const d = await deliveryOf(engine.ds, msgId!, ep.id);
      expect(d?.status).toBe(DeliveryStatus.Success);
      return d!;
    });
    expect(delivery.attempts).toBe(1);
    expect(delivery.nextAttemptAt).toBeNull();
    const [attempt] = await attemptsOf(engine.ds, { deliveryId: delivery.id });
    expect(attempt).toMatchObject({
      attemptNumber: 1,
      status: DeliveryStatus.Success,
      responseStatusCode: 200,
      triggerType: TriggerType.Scheduled,
      url: receiver.url('/basic'),
      error: null,
      errorDetail: null,
      messageId: msgId,
      endpointId: ep.id,
      appId,
    });
    // the response body is kept as the bytes received
    expect(attempt!.responseBody).toEqual(Buffer.from('ok'));
    expect(attempt!.id).toMatch(/^atmpt_/);
    expect(attempt!.responseDurationMs).toBeGreaterThanOrEqual(0);
    expect(attempt!.requestHeaders).toMatchObject({ 'webhook-id': msgId, 'webhook-timestamp': req.headers['webhook-timestamp'], 'x-tenant': 'acme' });
    expect(attempt!.requestHeaders['webhook-signature']).toBe('[redacted]');
    expect(attempt!.responseHeaders).toMatchObject({ 'content-type': 'text/plain' });
    const message = await engine.ds.getRepository(MessageEntity).findOneByOrFail({ id: msgId! });
    expect(message.fannedOutAt).toBeInstanceOf(Date);
  });

  it('routes by filterTypes (with .* prefixes) and channels, and skips disabled endpoints', async () => {
    const appId = await createApp(engine.ds);
    const all = await createEndpoint(engine, appId, { url: receiver.url('/r-all') });
    const users = await createEndpoint(engine, appId, { url: receiver.url('/r-users'), filterTypes: ['user.*'] });
    const invoices = await createEndpoint(engine, appId, { url: receiver.url('/r-invoices'), filterTypes: ['invoice.paid'] });
    const eu = await createEndpoint(engine, appId, { url: receiver.url('/r-eu'), channels: ['eu'] });
    await createEndpoint(engine, appId, { url: receiver.url('/r-disabled'), disabled: true });
    const [m1, m2] = await publish(engine, appId, [
      { eventType: 'user.created', channels: ['eu'] },
      { eventType: 'invoice.paid', channels: ['us'] },
    ]);

    await eventually(() => {
      expect(receiver.requestsTo('/r-all')).toHaveLength(2);
      expect(receiver.requestsTo('/r-users')).toHaveLength(1);
      expect(receiver.requestsTo('/r-invoices')).toHaveLength(1);
      expect(receiver.requestsTo('/r-eu')).toHaveLength(1);
    });
    expect(receiver.requestsTo('/r-users')[0]!.headers['webhook-id']).toBe(m1);
    expect(receiver.requestsTo('/r-invoices')[0]!.headers['webhook-id']).toBe(m2);
    expect(receiver.requestsTo('/r-eu')[0]!.headers['webhook-id']).toBe(m1);
    expect(receiver.requestsTo('/r-disabled')).toHaveLength(0);
    for (const [path, ep] of Object.entries({ '/r-all': all, '/r-users': users, '/r-invoices': invoices, '/r-eu': eu })) {
      for (const r of receiver.requestsTo(path)) expect(() => verifyWith(ep.secret, r)).not.toThrow();
    }
    const [{ count }] = await engine.ds.query(`SELECT count(*)::int AS count FROM deliveries WHERE message_id = ANY($1)`, [[m1, m2]]);
    expect(count).toBe(5);
  });

  it('signs with every active secret (rotation), and not with expired ones', async () => {
    const appId = await createApp(engine.ds);
    const old = generateWebhookSecret();
    const expired = generateWebhookSecret();
    const ep = await createEndpoint(engine, appId, {
      url: receiver.url('/rotated'),
      oldSecrets: [
        { secret: old, expiresAt: new Date(Date.now() + 3_600_000) },
        { secret: expired, expiresAt: new Date(Date.now() - 1_000) },
      ],
    });
    await publish(engine, appId, [{}]);
    await eventually(() => expect(receiver.requestsTo('/rotated')).toHaveLength(1));
    const req = receiver.requestsTo('/rotated')[0]!;
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => verifyWith(ep.secret, req)).not.toThrow();
    expect(() => verifyWith(old, req)).not.toThrow();
    expect(() => verifyWith(expired, req)).toThrow();
  });

  it('publishing twice creates one delivery per endpoint and sends once', async () => {
    const appId = await createApp(engine.ds);
    await createEndpoint(engine, appId, { url: receiver.url('/twice') });
    const _ids = await insertMessages(engine.ds, appId, [{}]);
    await Promise.all([engine.work.wakeApps([appId]), engine.work.wakeApps([appId]), engine.work.wakeApps([appId, appId])]);
    await eventually(() => expect(receiver.requestsTo('/twice')).toHaveLength(1));
    // A reconcile pass finds nothing left to do for it.
    await engine.reconciler.reconcile();
    await consistently(() => expect(receiver.requestsTo('/twice')).toHaveLength(1), { forMs: 300 });
  });

  it('honours deliverAt: nothing is sent before it', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/later') });
    const deliverAt = new Date(Date.now() + 1_500);
    const [msgId] = await publish(engine, appId, [{ deliverAt }]);
    // Fanned out at once, due later.
    const d = await eventually(async () => {
      const row = await deliveryOf(engine.ds, msgId!, ep.id);
      expect(row).not.toBeNull();
      return row!;
    });
    expect(d.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(deliverAt.getTime() - 1);
    await eventually(() => expect(receiver.requestsTo('/later')).toHaveLength(1), { timeoutMs: 5_000 });
    expect(receiver.requestsTo('/later')[0]!.receivedAt).toBeGreaterThanOrEqual(deliverAt.getTime());
  });

  it('the reconciler fans out a committed message nobody published', async () => {
    const appId = await createApp(engine.ds);
    await createEndpoint(engine, appId, { url: receiver.url('/orphan') });
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    // No `published` call: as if the API process died right after its commit.
    await eventually(() => expect(receiver.requestsTo('/orphan')).toHaveLength(1), { timeoutMs: 8_000 });
    expect(receiver.requestsTo('/orphan')[0]!.headers['webhook-id']).toBe(msgId);
  });

  it("a turn wedged in Redis (its job's hash left in no list) does not hold the endpoint back for good", async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/wedged') });
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    await engine.ds.query(`UPDATE messages SET fanned_out_at = now() WHERE id = $1`, [msgId]);
    await engine.ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, now() - interval '1200 milliseconds')`, [
      'mdst_01JYYYYYYYYYYYYYYYYYYYYYYY',
      msgId,
      ep.id,
      appId,
      DeliveryStatus.Pending,
    ]);
    // The scheduler says a turn is queued, and what a half-lost keyspace leaves of its job: the hash, in no list.
    const [job] = await engine.scheduler.notify([{ endpointId: ep.id, delayMs: 0 }]);
    const queue = engine.work.turns;
    await queue.client.hset(`${bullKeyPrefix(engine.t.settings.queuePrefix)}:${queue.name}:${turnJobId(ep.id, job!.epoch, job!.gen)}`, 'data', '{}', 'opts', '{}');
    await engine.reconciler.reconcile();
    await consistently(() => expect(receiver.requestsTo('/wedged')).toHaveLength(0), { forMs: 300 });
    // Once the queued state is older than RECONCILE_REQUEUE_AFTER_MS (2 s here), a fresh turn gets it out.
    await eventually(() => expect(receiver.requestsTo('/wedged')).toHaveLength(1), { timeoutMs: 6_000 });
    await eventually(async () => expect((await deliveryOf(engine.ds, msgId!, ep.id))?.status).toBe(DeliveryStatus.Success));
  });

  it('a turn the scheduler promises but Bull lost is started again by the next reconcile pass', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/lost-turn') });
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    await engine.ds.query(`UPDATE messages SET fanned_out_at = now() WHERE id = $1`, [msgId]);
    await engine.ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, now() - interval '1200 milliseconds')`, [
      'mdst_01JXXXXXXXXXXXXXXXXXXXXXXX',
      msgId,
      ep.id,
      appId,
      DeliveryStatus.Pending,
    ]);
    // The state says queued (an add that failed after it, say), and no job exists at all.
    await engine.scheduler.notify([{ endpointId: ep.id, delayMs: 0 }]);
    const report = await engine.reconciler.reconcile();
    expect(report).toMatchObject({ ran: true });
    expect(report.forced).toBeGreaterThanOrEqual(1);
    await eventually(() => expect(receiver.requestsTo('/lost-turn')).toHaveLength(1), { timeoutMs: 3_000 });
  });

  it('refuses an endpoint secret stored in clear (an unsent attempt that names the reseal command) until it is resealed', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/planted') });
    // Someone with write access to the database plants a secret of their own, in clear.
    const planted = generateWebhookSecret();
    await engine.ds.query('UPDATE endpoint_secrets SET secret = $2 WHERE endpoint_id = $1', [ep.id, planted]);
    const [msgId] = await publish(engine, appId, [{ payload: '{"n":1}', eventId: 'evt-planted' }]);
    const [first] = await eventually(async () => {
      const attempts = await attemptsOf(engine.ds, { messageId: msgId!, endpointId: ep.id });
      expect(attempts.length).toBeGreaterThan(0);
      return attempts;
    });
    expect(first).toMatchObject({ error: 'secret_unreadable', responseStatusCode: 0 });
    expect(first!.errorDetail).toMatch(/stored in clear although SECRET_ENCRYPTION_KEYS is set.*pnpm db:reseal/);
    expect(first!.errorDetail).not.toContain(planted);
    expect(receiver.requestsTo('/planted')).toHaveLength(0);

    await reseal(engine.ds, engine.box);
    await eventually(() => expect(receiver.requestsTo('/planted')).toHaveLength(1));
    expect(() => verifyWith(planted, receiver.requestsTo('/planted')[0]!)).not.toThrow();
  });

  it('the reconciler takes over a delivery whose sender died holding its lease', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/orphan-lease') });
    const [msgId] = await insertMessages(engine.ds, appId, [{}]);
    // A sender claimed attempt 1 and died: status Sending, lease already over, no job anywhere.
    await engine.ds.query(`UPDATE messages SET fanned_out_at = now() WHERE id = $1`, [msgId]);
    await engine.ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, now() - interval '1 second')`, [
      'mdst_01JZZZZZZZZZZZZZZZZZZZZZZZ',
      msgId,
      ep.id,
      appId,
      DeliveryStatus.Sending,
    ]);
    await eventually(() => expect(receiver.requestsTo('/orphan-lease')).toHaveLength(1), { timeoutMs: 8_000 });
    await eventually(async () => expect((await deliveryOf(engine.ds, msgId!, ep.id))?.status).toBe(DeliveryStatus.Success));
  });
});
