import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createDataSource, DeliveryStatus } from '@switchyard/db';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import { bullKeyPrefix, IdPrefix, newId } from '@switchyard/events';
import { generateWebhookSecret } from '@switchyard/signing';
import type { DataSource } from 'typeorm';
import { Receiver } from '../support/receiver.js';
import { DispatcherProcess, ensureBuilt, QueueClient } from './process.js';
import { eventually, verifyWith } from './support.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = 1_000;
const PATHS = ['/a', '/b'];

/** Settings of the process under test: short everything, so recovery shows within seconds. */
function processEnv(db: TestDatabase, prefix: string): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    ADMIN_API_KEY: 'sk_test_fault_key_0123456789abcdef',
    LOG_LEVEL: 'warn',
    ALLOW_PRIVATE_NETWORKS: 'true',
    RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s',
    DELIVERY_TIMEOUT_MS: '2000',
    DELIVERY_LEASE_MS: '3500',
    DELIVERY_CONCURRENCY: '20',
    RECONCILE_INTERVAL_MS: '300',
    RECONCILE_GRACE_MS: '1000',
    RECONCILE_REQUEUE_AFTER_MS: '3000',
    QUEUE_LOCK_DURATION_MS: '3000',
    QUEUE_STALLED_INTERVAL_MS: '2000',
    // Crash safety, not the circuit breaker (engine/limits covers it): on a loaded box a few
    // timeouts in a row opened it, and its not-sent attempts used up these short retry schedules.
    ENDPOINT_CIRCUIT_FAILURES: '1000',
  };
}

interface Run {
  db: TestDatabase;
  pool: DataSource;
  queue: QueueClient;
  receiver: Receiver;
  dispatcher: DispatcherProcess;
  secrets: Map<string, string>;
  messageIds: string[];
  appId: string;
  /** How long the receiver waits before answering 2xx (0: at once); a test may change it mid-run. */
  replyDelay: { ms: number };
  /** Requests each path holds open now, and the most it held at once. */
  open: Map<string, { now: number; max: number }>;
  /** Another dispatcher on the same database and queue prefix (a replica). */
  replica(extraEnv?: Record<string, string>): DispatcherProcess;
}

/** A database with one application, an endpoint per path, and MESSAGES committed message rows. */
async function prepare(label: string, replyDelayMs = 0, extraEnv: Record<string, string> = {}): Promise<Run> {
  const db = await createTestDatabase(label);
  const prefix = testQueuePrefix(label);
  const pool = createDataSource({ url: db.url, poolSize: 2 });
  await pool.initialize();
  const replyDelay = { ms: replyDelayMs };
  // Every 10th message fails its first attempt, so retries are pending (their endpoints parked until then) mid-run.
  const firstSeen = new Set<string>();
  const open = new Map(PATHS.map((p) => [p, { now: 0, max: 0 }]));
  const receiver = await Receiver.start({
    script: (req) => {
      const key = `${req.url} ${String(req.headers['webhook-id'])}`;
      const first = !firstSeen.has(key);
      firstSeen.add(key);
      if (first && key.endsWith('0')) return { status: 500 };
      if (replyDelay.ms <= 0) return { status: 200, body: 'ok' };
      // held open for the delay: counted, to see the endpoint's in-flight limit from outside
      const o = open.get(req.url);
      if (o) {
        o.now++;
        o.max = Math.max(o.max, o.now);
        setTimeout(() => o.now--, replyDelay.ms);
      }
      return { delayMs: replyDelay.ms, then: { status: 200, body: 'ok' } };
    },
  });
  const appId = newId(IdPrefix.application);
  await pool.query(`INSERT INTO applications (id, name) VALUES ($1, 'fault')`, [appId]);
  const secrets = new Map<string, string>();
  for (const path of PATHS) {
    const id = newId(IdPrefix.endpoint);
    const secret = generateWebhookSecret();
    secrets.set(path, secret);
    await pool.query(`INSERT INTO endpoints (id, app_id, url) VALUES ($1, $2, $3)`, [id, appId, receiver.url(path)]);
    await pool.query(`INSERT INTO endpoint_secrets (endpoint_id, secret) VALUES ($1, $2)`, [id, secret]);
  }
  const messageIds = Array.from({ length: MESSAGES }, () => newId(IdPrefix.message));
  await pool.query(
    `INSERT INTO messages (id, app_id, event_type, payload) SELECT id, $1, 'fault.test', json_build_object('id', id, 'n', n)::text FROM unnest($2::varchar[]) WITH ORDINALITY AS t(id, n)`,
    [appId, messageIds],
  );
  const env = { ...processEnv(db, prefix), ...extraEnv };
  return {
    db,
    pool,
    queue: new QueueClient(REDIS_URL, prefix),
    receiver,
    dispatcher: new DispatcherProcess(env),
    secrets,
    messageIds,
    appId,
    replyDelay,
    open,
    replica: () => new DispatcherProcess(env),
  };
}

/** Distinct webhook-ids each path received. */
function delivered(run: Run): Map<string, Set<string>> {
  const byPath = new Map(PATHS.map((p) => [p, new Set<string>()]));
  for (const r of run.receiver.requests) byPath.get(r.url)?.add(String(r.headers['webhook-id']));
  return byPath;
}

const deliveredCount = (run: Run) => [...delivered(run).values()].reduce((n, s) => n + s.size, 0);

/** Every message reached every endpoint; every request was ours and verifies; the database agrees. */
async function expectEverythingDelivered(run: Run): Promise<{ requests: number; duplicates: number }> {
  try {
    await eventually(() => expect(deliveredCount(run)).toBe(MESSAGES * PATHS.length), { timeoutMs: 90_000, intervalMs: 200 });
  } catch (error) {
    const rows = await run.pool.query(`SELECT d.*, (SELECT json_agg(a.*) FROM attempts a WHERE a.delivery_id = d.id) AS atts FROM deliveries d WHERE status <> 0`);
    console.log('DEBUG stuck', JSON.stringify(rows, null, 1));
    // the scheduler state of each stuck delivery's endpoint
    for (const endpointId of new Set((rows as { endpoint_id: string }[]).map((r) => r.endpoint_id))) {
      console.log('DEBUG endpoint', endpointId, await run.queue.fanOut.client.hgetall(`${run.queue.prefix}:ep:{${endpointId}}`));
    }
    console.log('DEBUG output', run.dispatcher.output.slice(-3000));
    throw error;
  }
  const expected = new Set(run.messageIds);
  for (const [_path, ids] of delivered(run)) expect(ids).toEqual(expected);
  // Duplicates (at-least-once) carry the same webhook-id as the copy that was already answered 2xx.
  let duplicates = 0;
  const succeeded = new Set<string>();
  for (const r of run.receiver.requests) {
    const key = `${r.url} ${String(r.headers['webhook-id'])}`;
    if (succeeded.has(key)) duplicates++;
    if (r.answered !== undefined && r.answered < 300) succeeded.add(key);
    expect(expected.has(String(r.headers['webhook-id']))).toBe(true);
    expect(() => verifyWith(run.secrets.get(r.url)!, r)).not.toThrow();
  }
  await eventually(
    async () => {
      const rows: { status: number; n: number }[] = await run.pool.query(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`);
      if (rows.length > 1) {
        // what the attempts of the deliveries that did not succeed say, for the failure message
        const why = await run.pool.query(`SELECT a.error, a.response_status_code, count(*)::int AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.status <> $1 GROUP BY 1, 2`, [
          DeliveryStatus.Success,
        ]);
        expect({ rows, why }).toEqual({ rows: [{ status: DeliveryStatus.Success, n: MESSAGES * PATHS.length }], why: [] });
      }
      expect(rows).toEqual([{ status: DeliveryStatus.Success, n: MESSAGES * PATHS.length }]);
    },
    { timeoutMs: 10_000 },
  );
  const rows: { unfanned: number }[] = await run.pool.query(`SELECT count(*)::int AS unfanned FROM messages WHERE fanned_out_at IS NULL`);
  expect(rows[0]!.unfanned).toBe(0);
  return { requests: run.receiver.requests.length, duplicates };
}

async function cleanup(run: Run | undefined): Promise<void> {
  if (!run) return;
  await run.dispatcher.stop('SIGKILL');
  await run.queue.wipe().catch(() => undefined);
  await run.queue.close();
  await run.pool.destroy();
  await run.receiver.close();
  await run.db.drop();
}

describe('crash safety, against the real process (node apps/dispatcher/dist/main.js)', () => {
  let run: Run | undefined;

  beforeAll(() => {
    ensureBuilt();
  });
  afterEach(async () => {
    await cleanup(run);
    run = undefined;
  });

  it(`SIGKILL mid-run of ${MESSAGES} messages × ${PATHS.length} endpoints, then restart: nothing lost, duplicates only with the same webhook-id`, async () => {
    run = await prepare('fault-kill');
    const r = run;
    await r.queue.publish(r.appId);
    const started = Date.now();
    r.dispatcher.start();
    await eventually(() => expect(deliveredCount(r)).toBeGreaterThanOrEqual(0.3 * MESSAGES * PATHS.length), { timeoutMs: 90_000, intervalMs: 20 });
    const beforeKill = deliveredCount(r);
    const rate = Math.round(beforeKill / ((Date.now() - started) / 1000));
    await r.dispatcher.stop('SIGKILL');
    expect(beforeKill).toBeLessThan(MESSAGES * PATHS.length);

    r.dispatcher.start();
    const { requests, duplicates } = await expectEverythingDelivered(r);
    console.log(`fault-kill: ${beforeKill} delivered before SIGKILL (~${rate}/s incl. start-up), ${requests} requests in all, ${duplicates} duplicate(s) after restart`);
  }, 240_000);

  it(`deleting the run's Redis keys mid-run loses nothing (the reconciler rebuilds the work from PostgreSQL)`, async () => {
    run = await prepare('fault-wipe');
    const r = run;
    await r.queue.publish(r.appId);
    r.dispatcher.start();
    await eventually(() => expect(deliveredCount(r)).toBeGreaterThanOrEqual(0.3 * MESSAGES * PATHS.length), { timeoutMs: 90_000, intervalMs: 20 });
    const keys = await r.queue.wipe();
    const atWipe = deliveredCount(r);
    expect(keys).toBeGreaterThan(0);
    expect(atWipe).toBeLessThan(MESSAGES * PATHS.length);
    const { requests, duplicates } = await expectEverythingDelivered(r);
    console.log(`fault-wipe: ${keys} keys deleted with ${atWipe} delivered, ${requests} requests in all, ${duplicates} duplicate(s)`);
    // The process lived through it.
    expect(r.dispatcher.pid).toBeDefined();
  }, 240_000);

  it("two replicas share each endpoint's ENDPOINT_MAX_IN_FLIGHT; one SIGKILLed half-way loses nothing and the other finishes", async () => {
    // Each request held 30 ms: the limit (6 per endpoint, over both processes) is what paces the run.
    run = await prepare('fault-replicas', 30, { ENDPOINT_MAX_IN_FLIGHT: '6', ENDPOINT_INITIAL_IN_FLIGHT: '6' });
    const r = run;
    const other = r.replica();
    try {
      await r.queue.publish(r.appId);
      r.dispatcher.start();
      other.start();
      await eventually(() => expect(deliveredCount(r)).toBeGreaterThanOrEqual(0.3 * MESSAGES * PATHS.length), { timeoutMs: 90_000, intervalMs: 20 });
      await r.dispatcher.stop('SIGKILL');
      const { requests, duplicates } = await expectEverythingDelivered(r);
      // Over both replicas, and through the kill (the dead one's slots free only when their leases end).
      for (const path of PATHS) expect(r.open.get(path)!.max).toBeLessThanOrEqual(6);
      expect(other.exit).toBeUndefined();
      console.log(`fault-replicas: ${requests} requests, ${duplicates} duplicate(s), most open at once per endpoint ${PATHS.map((p) => r.open.get(p)!.max).join(', ')}`);
    } finally {
      await other.stop('SIGKILL');
    }
  }, 240_000);

  it('SIGTERM during a burst: exit 0 after in-flight attempts are recorded, and a restart delivers the rest', async () => {
    // A receiver that takes 300 ms, so attempts are in flight when the signal arrives.
    run = await prepare('fault-term', 300);
    const r = run;
    await r.queue.publish(r.appId);
    r.dispatcher.start();
    await eventually(() => expect(deliveredCount(r)).toBeGreaterThanOrEqual(100), { timeoutMs: 90_000, intervalMs: 20 });
    const inFlight = r.receiver.requests.filter((q) => q.answered === undefined).length;
    await r.dispatcher.stop('SIGTERM');
    if (r.dispatcher.exit?.code !== 0) console.log(r.dispatcher.output.slice(-6000));
    expect(r.dispatcher.exit).toEqual({ code: 0, signal: null });
    // Every attempt that was in flight finished and was recorded: nothing is left claimed.
    const sending: { n: number }[] = await r.pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = $1`, [DeliveryStatus.Sending]);
    expect(sending[0]!.n).toBe(0);
    // Nor anything in Redis that would hold the next process back: every endpoint slot was given back, no queue is paused.
    expect(await r.queue.keys(`${r.queue.prefix}:ep:*:if`)).toEqual([]);
    expect(await r.queue.keys(`${bullKeyPrefix(r.queue.prefix)}:*:meta-paused`)).toEqual([]);
    const atStop = deliveredCount(r);
    expect(atStop).toBeLessThan(MESSAGES * PATHS.length);
    // The slow answers were there to have attempts in flight at the signal. Kept after the restart, they would cap it at
    // DELIVERY_CONCURRENCY / 300 ms ≈ 67 deliveries/s: the ~1,900 deliveries left and their retries need ≥ 29 s of
    // sending alone, which with the process's start-up is over any 30 s budget (measured: 62/s, done 33–35 s after restart).
    r.replyDelay.ms = 0;
    r.dispatcher.start();
    const { requests, duplicates } = await expectEverythingDelivered(r);
    console.log(`fault-term: ${inFlight} in flight at SIGTERM, ${atStop} delivered by exit 0, ${requests} requests in all, ${duplicates} duplicate(s)`);
  }, 240_000);
});
