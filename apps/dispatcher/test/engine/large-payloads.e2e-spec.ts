// A payload over DELIVERY_INLINE_PAYLOAD_BYTES is left out of its claim and read just before it
// is sent (so a process holds large payloads only while writing them): it still arrives byte
// for byte and signed over those bytes, and one expunged meanwhile is not sent.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { OK, Receiver } from '../support/receiver.js';
import { DeliveryPipeline } from '../../src/engine/delivery/delivery.pipeline.js';
import { DeliveryRepository } from '../../src/engine/delivery/delivery.repository.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, insertMessages, publish, startEngine, verifyWith, type Engine } from './support.js';

const INLINE = 1024;

describe('large payloads are read when they are sent', () => {
  let engine: Engine;
  let receiver: Receiver;
  const repository = () => engine.t.app.get(DeliveryRepository);

  beforeAll(async () => {
    engine = await startEngine('engine-large-payloads', { DELIVERY_INLINE_PAYLOAD_BYTES: String(INLINE) });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await engine?.close();
    await receiver?.close();
  });

  it('a claim carries small payloads and leaves large ones out, with their size', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/claim-only') });
    const small = JSON.stringify({ s: 'x'.repeat(100) });
    const large = JSON.stringify({ s: 'é'.repeat(INLINE) });
    // messages and due deliveries written directly, nothing woken: this claim takes them (well within the reconciler's grace)
    const [smallId, largeId] = await insertMessages(engine.ds, appId, [{ payload: small }, { payload: large }]);
    await engine.ds.query(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
       SELECT t.id, t.message_id, $2, $3, ${DeliveryStatus.Pending}, 0, now(), 0 FROM unnest($1::varchar[], $4::varchar[]) AS t(id, message_id)`,
      [[newId(IdPrefix.delivery), newId(IdPrefix.delivery)], ep.id, appId, [smallId, largeId]],
    );
    const batch = await repository().claim(ep.id, 10, 60_000, INLINE);
    const byMessage = new Map(batch.deliveries.map((d) => [d.messageId, d]));
    expect(byMessage.get(smallId!)).toMatchObject({ payload: small, payloadDeferred: false, payloadBytes: Buffer.byteLength(small) });
    expect(byMessage.get(largeId!)).toMatchObject({ payload: null, payloadDeferred: true, payloadBytes: Buffer.byteLength(large) });
    expect(await repository().payloadOf(largeId!)).toBe(large);
    await repository().giveBack(batch.deliveries);
  });

  it('a large payload arrives byte for byte, signed over those bytes', async () => {
    const appId = await createApp(engine.ds);
    receiver.route('/large', () => OK);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/large') });
    // multi-byte characters and more than one write chunk (64 Ki characters)
    const large = JSON.stringify({ text: 'ü€😀'.repeat(30_000) });
    const [msgId] = await publish(engine, appId, [{ payload: large }]);
    await eventually(() => expect(receiver.requestsTo('/large')).toHaveLength(1));
    const [request] = receiver.requestsTo('/large');
    expect(request!.body.equals(Buffer.from(large, 'utf8'))).toBe(true);
    expect(request!.headers['content-length']).toBe(String(Buffer.byteLength(large)));
    expect(() => verifyWith(ep.secret, request!)).not.toThrow();
    await eventually(async () => expect((await deliveryOf(engine.ds, msgId!, ep.id))?.status).toBe(DeliveryStatus.Success));
  });

  it('a large payload expunged between its claim and its send is not sent: the attempt says why', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/never') });
    const claimed = {
      delivery: {
        id: 'dlv_x',
        messageId: 'msg_x',
        attemptsBefore: 0,
        trigger: 0,
        lease: '',
        payload: null,
        payloadDeferred: true,
        payloadBytes: 5000,
        eventId: null,
        trace: null,
        lateMs: 0,
        endpoint: { id: ep.id, appId, url: receiver.url('/never'), headers: {}, disabled: false, uid: null, rateLimit: null, failingSince: null, appUid: null, appKind: 0, secrets: [] },
      },
      slot: { token: 't', offsetMs: 0 },
      notBefore: 0,
      claimedAt: Date.now(),
    } as unknown as Parameters<DeliveryPipeline['prepare']>[0];
    // held === null: the read found the payload gone
    expect(engine.t.app.get(DeliveryPipeline).prepare(claimed, undefined, null)).toMatchObject({ kind: 'unsent', error: 'payload_expunged' });
    expect(receiver.requestsTo('/never')).toHaveLength(0);
    expect(await attemptsOf(engine.ds, { endpointId: ep.id })).toHaveLength(0);
  });
});
