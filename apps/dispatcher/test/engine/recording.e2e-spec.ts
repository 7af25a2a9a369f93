import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationKind, DeliveryStatus, TriggerType } from '@switchyard/db';
import { newId } from '@switchyard/events';
import { DataSource } from 'typeorm';
import { DeliveryRepository, type ClaimedDelivery, type RecordInput } from '../../src/engine/delivery/delivery.repository.js';
import { startTestDispatcher, type TestDispatcher } from '../support/test-app.js';

// `attempts` is partitioned by id (time), so (delivery_id, attempt_number) is no unique key any
// more: recording keeps one row per number itself. Driven through the repository, against
// PostgreSQL, with a delivery no turn will claim (sending, under a lease far ahead).
let t: TestDispatcher;
let ds: DataSource;
let repository: DeliveryRepository;

beforeAll(async () => {
  t = await startTestDispatcher('recording');
  ds = t.app.get(DataSource);
  repository = t.app.get(DeliveryRepository);
});

afterAll(async () => {
  await t?.close();
});

async function sendingDelivery(): Promise<{ claim: (lease: string, attemptsBefore: number) => ClaimedDelivery; id: string }> {
  const appId = newId('app');
  const endpointId = newId('ep');
  const messageId = newId('msg');
  const id = newId('mdst');
  await ds.query(`INSERT INTO applications (id, name) VALUES ($1, 'rec')`, [appId]);
  await ds.query(`INSERT INTO endpoints (id, app_id, url) VALUES ($1, $2, 'http://127.0.0.1:1/hook')`, [endpointId, appId]);
  await ds.query(`INSERT INTO messages (id, app_id, event_type, payload) VALUES ($1, $2, 'user.created', '{}')`, [messageId, appId]);
  await ds.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status) VALUES ($1, $2, $3, $4, ${DeliveryStatus.Pending})`, [id, messageId, endpointId, appId]);
  const claim = (lease: string, attemptsBefore: number): ClaimedDelivery => ({
    id,
    messageId,
    attemptsBefore,
    trigger: TriggerType.Scheduled,
    lease,
    payload: '{}',
    payloadDeferred: false,
    payloadBytes: 2,
    eventId: null,
    trace: null,
    lateMs: 0,
    endpoint: {
      id: endpointId,
      appId,
      url: 'http://127.0.0.1:1/hook',
      headers: {},
      disabled: false,
      uid: null,
      rateLimit: null,
      failingSince: null,
      appUid: null,
      appKind: ApplicationKind.App,
      secrets: [],
    },
  });
  return { claim, id };
}

/** Puts the delivery in `sending` under a new lease (a claim), answering the lease as PostgreSQL wrote it. */
async function lease(id: string, aheadDays: number): Promise<string> {
  const rows = (await ds.query(`UPDATE deliveries SET status = ${DeliveryStatus.Sending}, next_attempt_at = now() + make_interval(days => $2) WHERE id = $1 RETURNING next_attempt_at::text AS lease`, [
    id,
    aheadDays,
  ])) as [{ lease: string }[], number];
  return rows[0][0]!.lease;
}

function input(claim: ClaimedDelivery, attemptNumber: number): RecordInput {
  return {
    claim,
    attempt: {
      id: newId('atmpt'),
      attemptNumber,
      url: claim.endpoint.url,
      status: DeliveryStatus.Fail,
      responseStatusCode: 500,
      responseBody: Buffer.from('no'),
      responseDurationMs: 3,
      trigger: TriggerType.Scheduled,
      requestHeaders: {},
      responseHeaders: {},
      error: null,
      errorDetail: null,
      startedAt: new Date(),
    },
    status: DeliveryStatus.Pending,
    retryDelayMs: 3_600_000,
    failureRun: 'unchanged',
    disable: null,
    events: [],
    operationalAppId: null,
  };
}

async function numbers(id: string): Promise<number[]> {
  const rows = (await ds.query(`SELECT attempt_number FROM attempts WHERE delivery_id = $1 ORDER BY id`, [id])) as { attempt_number: number }[];
  return rows.map((r) => r.attempt_number);
}

describe('recording attempts into the partitioned attempts table', () => {
  for (const via of ['recordMany', 'record'] as const) {
    const run = (i: RecordInput) => (via === 'recordMany' ? repository.recordMany([i]).then((r) => r[0]!) : repository.record(i));

    it(`${via}: the leaseholder's attempt is recorded; a record retried after its lease moved on adds no second row of that number`, async () => {
      const d = await sendingDelivery();
      const first = await lease(d.id, 30);
      expect((await run(input(d.claim(first, 0), 1))).owned).toBe(true);
      expect(await numbers(d.id)).toEqual([1]);
      // the same attempt recorded again (its first commit's answer was lost): not owned, nothing added
      expect((await run(input(d.claim(first, 0), 1))).owned).toBe(false);
      expect(await numbers(d.id)).toEqual([1]);
      // a sender whose lease ran out still records an attempt no one recorded (it was really sent)
      expect((await run(input(d.claim(first, 1), 2))).owned).toBe(false);
      expect(await numbers(d.id)).toEqual([1, 2]);
      // the next leaseholder records its own attempt, whatever came before
      const second = await lease(d.id, 31);
      expect((await run(input(d.claim(second, 2), 3))).owned).toBe(true);
      expect(await numbers(d.id)).toEqual([1, 2, 3]);
      const [row] = (await ds.query(`SELECT attempts, status FROM deliveries WHERE id = $1`, [d.id])) as { attempts: number; status: number }[];
      expect(row).toEqual({ attempts: 3, status: DeliveryStatus.Pending });
    });
  }
});
