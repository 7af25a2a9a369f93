import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { partitionName, RetentionSweeper } from '@switchyard/db';
import { AUTH, eventually, startApiHarness, type ApiHarness } from './api/harness.js';
import { Receiver } from './support/receiver.js';
import { consistently } from '@switchyard/testkit';

// Retention against the real app: short retentions and a 1 s sweep, so what the defaults do over
// days happens here in seconds. Rows are counted per application, so the tests do not see each other.
const RETENTION_ENV = {
  PAYLOAD_RETENTION: '3s',
  ATTEMPT_RETENTION: '6s',
  IDEMPOTENCY_TTL: '3s',
  PORTAL_TOKEN_RETENTION: '2s',
  RETENTION_SWEEP_INTERVAL: '1s',
  // small batches, so a pass takes several (and the bound per statement is exercised)
  RETENTION_BATCH_SIZE: '20',
};

let h: ApiHarness;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await Receiver.start();
  h = await startApiHarness('retention', RETENTION_ENV);
});

afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

async function createApp(uid?: string): Promise<string> {
  const res = await h.http().post('/api/v1/app').set(AUTH).send({ name: 'retention', uid });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function createEndpoint(appId: string, path = '/hook'): Promise<string> {
  const res = await h
    .http()
    .post(`/api/v1/app/${appId}/endpoint`)
    .set(AUTH)
    .send({ url: receiver.url(path) });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function publish(appId: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await h
    .http()
    .post(`/api/v1/app/${appId}/msg`)
    .set(AUTH)
    .send({ eventType: 'user.created', payload: { hello: 'world' }, ...body });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

/** Row counts of one application's messages, deliveries and attempts. */
async function rowsOf(appId: string): Promise<{ messages: number; payloads: number; deliveries: number; attempts: number }> {
  const [row] = (await h.ds.query(
    `SELECT (SELECT count(*) FROM messages WHERE app_id = $1)::int AS messages,
            (SELECT count(*) FROM messages WHERE app_id = $1 AND payload IS NOT NULL)::int AS payloads,
            (SELECT count(*) FROM deliveries WHERE app_id = $1)::int AS deliveries,
            (SELECT count(*) FROM attempts WHERE app_id = $1)::int AS attempts`,
    [appId],
  )) as { messages: number; payloads: number; deliveries: number; attempts: number }[];
  return row!;
}

describe('retention sweep', () => {
  it('empties payloads, then removes attempts, finished deliveries and messages; a pending delivery keeps its message and payload', async () => {
    const appId = await createApp();
    await createEndpoint(appId);
    const done = await Promise.all([1, 2, 3, 4, 5].map(() => publish(appId)));
    // Not due for a minute: its delivery stays pending through every sweep of this test.
    const deferred = await publish(appId, { deliverAt: new Date(Date.now() + 60_000).toISOString() });
    await eventually(async () => expect((await rowsOf(appId)).attempts).toBe(5));

    // Past PAYLOAD_RETENTION the delivered payloads are gone from PostgreSQL; the deferred one is kept.
    await eventually(async () => expect((await rowsOf(appId)).payloads).toBe(1), { timeoutMs: 15_000, intervalMs: 200 });
    const [kept] = (await h.ds.query(`SELECT payload FROM messages WHERE id = $1`, [deferred])) as { payload: string | null }[];
    expect(JSON.parse(kept!.payload!)).toEqual({ hello: 'world' });

    // Read back as Svix does for a payload that is gone; a resend is refused.
    const got = await h.http().get(`/api/v1/app/${appId}/msg/${done[0]}`).set(AUTH);
    expect(got.status).toBe(200);
    expect(got.body.payload).toEqual({ expired: true });
    const endpoints = await h.http().get(`/api/v1/app/${appId}/endpoint`).set(AUTH);
    const resend = await h.http().post(`/api/v1/app/${appId}/msg/${done[0]}/endpoint/${endpoints.body.data[0].id}/resend`).set(AUTH);
    expect(resend.status).toBe(410);
    expect(resend.body.code).toBe('payload_expired');

    // Past ATTEMPT_RETENTION: attempts, finished deliveries and the emptied messages go; the pending one stays.
    await eventually(async () => expect(await rowsOf(appId)).toEqual({ messages: 1, payloads: 1, deliveries: 1, attempts: 0 }), { timeoutMs: 20_000, intervalMs: 200 });
    const [pending] = (await h.ds.query(`SELECT message_id, status FROM deliveries WHERE app_id = $1`, [appId])) as { message_id: string; status: number }[];
    expect(pending).toEqual({ message_id: deferred, status: 1 });

    const metrics = await (await fetch(`${h.adminUrl}/metrics`)).text();
    for (const table of ['message_payloads', 'attempts', 'deliveries', 'messages']) {
      const line = metrics.split('\n').find((l) => l.startsWith('switchyard_retention_removed_rows_total') && l.includes(`table="${table}"`));
      expect(Number(line?.split(' ').pop())).toBeGreaterThan(0);
    }
  }, 60_000);

  it('keeps a payload for its own retention (payloadRetentionHours) past PAYLOAD_RETENTION, and refuses both fields at once', async () => {
    const appId = await createApp();
    await createEndpoint(appId);
    const own = await publish(appId, { payloadRetentionHours: 1 });
    const byDays = await publish(appId, { payloadRetentionPeriod: 5 });
    const byDefault = await publish(appId);
    const [row] = (await h.ds.query(`SELECT payload_expires_at FROM messages WHERE id = $1`, [own])) as { payload_expires_at: Date }[];
    expect(Math.abs(row!.payload_expires_at.getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);

    await eventually(
      async () => {
        const rows = (await h.ds.query(`SELECT id FROM messages WHERE app_id = $1 AND payload IS NOT NULL ORDER BY id`, [appId])) as { id: string }[];
        expect(rows.map((r) => r.id)).toEqual([own, byDays].sort());
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(byDefault).toBeDefined();
    const got = await h.http().get(`/api/v1/app/${appId}/msg/${own}`).set(AUTH);
    expect(got.body.payload).toEqual({ hello: 'world' });

    const both = await h.http().post(`/api/v1/app/${appId}/msg`).set(AUTH).send({ eventType: 'user.created', payload: {}, payloadRetentionHours: 1, payloadRetentionPeriod: 5 });
    expect(both.status).toBe(422);
    expect(both.body.detail[0].loc).toEqual(['body', 'payloadRetentionHours']);
    const tooShort = await h.http().post(`/api/v1/app/${appId}/msg`).set(AUTH).send({ eventType: 'user.created', payload: {}, payloadRetentionPeriod: 1 });
    expect(tooShort.status).toBe(422);
  }, 60_000);

  it('does not recover a failed delivery whose payload is gone', async () => {
    receiver.route('/down', () => ({ status: 500, body: 'down' }));
    const appId = await createApp();
    const endpointId = await createEndpoint(appId, '/down');
    const msgId = await publish(appId);
    await eventually(async () => expect(await h.ds.query(`SELECT 1 FROM deliveries WHERE message_id = $1 AND status = 2`, [msgId])).toHaveLength(1), { timeoutMs: 10_000 });
    await eventually(async () => expect((await rowsOf(appId)).payloads).toBe(0), { timeoutMs: 10_000, intervalMs: 200 });
    const before = receiver.requestsTo('/down').length;

    const recover = await h
      .http()
      .post(`/api/v1/app/${appId}/endpoint/${endpointId}/recover`)
      .set(AUTH)
      .send({ since: new Date(Date.now() - 60_000).toISOString() });
    expect(recover.status).toBe(202);
    await consistently(() => expect(receiver.requestsTo('/down').length).toBe(before), { forMs: 1_000 });
    expect(await h.ds.query(`SELECT 1 FROM deliveries WHERE message_id = $1 AND status <> 2`, [msgId])).toHaveLength(0);
  }, 30_000);

  it('ends a pending delivery whose payload was removed some other way (an expunge) as fail, without sending', async () => {
    const appId = await createApp();
    await createEndpoint(appId, '/never');
    const msgId = await publish(appId, { deliverAt: new Date(Date.now() + 1_500).toISOString() });
    await h.ds.query(`UPDATE messages SET payload = NULL WHERE id = $1`, [msgId]);
    await eventually(async () => expect(await h.ds.query(`SELECT 1 FROM deliveries WHERE message_id = $1 AND status = 2`, [msgId])).toHaveLength(1), { timeoutMs: 10_000 });
    expect(receiver.requestsTo('/never')).toHaveLength(0);
  }, 30_000);

  it('expires idempotency keys after IDEMPOTENCY_TTL and removes them', async () => {
    const key = `retention-${Date.now()}`;
    const first = await h
      .http()
      .post('/api/v1/app')
      .set({ ...AUTH, 'idempotency-key': key })
      .send({ name: 'once' });
    const repeat = await h
      .http()
      .post('/api/v1/app')
      .set({ ...AUTH, 'idempotency-key': key })
      .send({ name: 'once' });
    expect(first.status).toBe(201);
    expect(repeat.body.id).toBe(first.body.id);
    await eventually(async () => expect(await h.ds.query(`SELECT 1 FROM idempotency_keys WHERE key = $1`, [key])).toHaveLength(0), { timeoutMs: 15_000, intervalMs: 200 });
    const later = await h
      .http()
      .post('/api/v1/app')
      .set({ ...AUTH, 'idempotency-key': key })
      .send({ name: 'once' });
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  }, 30_000);

  it('removes app portal tokens PORTAL_TOKEN_RETENTION after they expired or were revoked, answering token_expired until then', async () => {
    const appId = await createApp('portal-tokens');
    const issue = async (body: object) => (await h.http().post(`/api/v1/auth/app-portal-access/${appId}`).set(AUTH).send(body).expect(200)).body.token as string;
    const [expiring, revoked, live] = [await issue({ expiry: 1 }), await issue({}), await issue({})];
    await h
      .http()
      .post('/api/v1/auth/logout')
      .set({ authorization: `Bearer ${revoked}` })
      .expect(204);
    const tokens = async () => ((await h.ds.query(`SELECT id FROM app_portal_tokens WHERE app_id = $1`, [appId])) as unknown[]).length;
    expect(await tokens()).toBe(3);
    const codeOf = async (token: string) =>
      (
        await h
          .http()
          .get('/api/v1/auth/portal-session')
          .set({ authorization: `Bearer ${token}` })
      ).body.code;
    await eventually(async () => expect(await codeOf(expiring)).toBe('token_expired'), { timeoutMs: 5_000, intervalMs: 100 });
    await eventually(async () => expect(await tokens()).toBe(1), { timeoutMs: 15_000, intervalMs: 200 });
    // Once its row is gone, an old token is just a wrong one; the live token is untouched.
    expect(await codeOf(revoked)).toBe('authentication_failed');
    expect(
      (
        await h
          .http()
          .get('/api/v1/auth/portal-session')
          .set({ authorization: `Bearer ${live}` })
      ).status,
    ).toBe(200);
  }, 30_000);

  it('deletes an application at once for the API and its rows in the background', async () => {
    const appId = await createApp('doomed');
    const endpointId = await createEndpoint(appId);
    await Promise.all([1, 2, 3].map(() => publish(appId)));
    await eventually(async () => expect((await rowsOf(appId)).attempts).toBe(3));

    const del = await h.http().delete(`/api/v1/app/${appId}`).set(AUTH);
    expect(del.status).toBe(204);
    expect((await h.http().get(`/api/v1/app/${appId}`).set(AUTH)).status).toBe(404);
    expect((await h.http().get(`/api/v1/app/${appId}/endpoint/${endpointId}`).set(AUTH)).status).toBe(404);
    expect((await h.http().post(`/api/v1/app/${appId}/msg`).set(AUTH).send({ eventType: 'user.created', payload: {} })).status).toBe(404);
    // Its uid is free at once.
    const again = await createApp('doomed');
    expect(again).not.toBe(appId);

    await eventually(
      async () => {
        expect(await rowsOf(appId)).toEqual({ messages: 0, payloads: 0, deliveries: 0, attempts: 0 });
        expect(await h.ds.query(`SELECT 1 FROM endpoints WHERE app_id = $1 UNION ALL SELECT 1 FROM applications WHERE id = $1`, [appId])).toHaveLength(0);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  }, 30_000);

  it('runs in one replica at a time', async () => {
    // Hold the dispatcher's sweep lock from another session: a pass does nothing until it is free.
    const runner = h.ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock($1, $2)`, [0x73777964, 0x72746e64]);
      expect((await h.app.get(RetentionSweeper).sweep()).ran).toBe(false);
      await runner.query(`SELECT pg_advisory_unlock($1, $2)`, [0x73777964, 0x72746e64]);
      await eventually(async () => expect((await h.app.get(RetentionSweeper).sweep()).ran).toBe(true));
    } finally {
      await runner.release();
    }
  });

  it('keeps table sizes flat under a sustained publish', async () => {
    const appId = await createApp();
    await createEndpoint(appId, '/sustained');
    const ratePerSecond = 20;
    const runMs = 16_000;
    // A row is removed within ATTEMPT_RETENTION (6 s) + a few sweep intervals (1 s) of being
    // written, so at any time the tables hold at most what was published in the last ~10 s.
    const heldMs = 10_000;
    const partitions = async () =>
      ((await h.ds.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'attempts'::regclass ORDER BY 1`)) as { relname: string }[]).map(
        (r) => r.relname,
      );
    const partitionsBefore = await partitions();
    const publishedAt: number[] = [];
    const samples: { rows: number; bound: number }[] = [];
    const started = Date.now();
    while (Date.now() - started < runMs) {
      const tick = Date.now();
      const ids = await Promise.all(Array.from({ length: ratePerSecond / 4 }, () => publish(appId)));
      for (const _ of ids) publishedAt.push(Date.now());
      if (tick - started > 4_000) {
        const rows = await rowsOf(appId);
        // published before the count was taken, within the window a row may still be held
        const bound = publishedAt.filter((at) => at > Date.now() - heldMs).length;
        samples.push({ rows: Math.max(rows.messages, rows.deliveries, rows.attempts), bound });
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 250 - (Date.now() - tick))));
    }
    for (const s of samples) expect(s.rows).toBeLessThanOrEqual(s.bound);
    // The run outlasted the window, and the sweep kept removing rows while it went on.
    const last = samples[samples.length - 1]!;
    expect(publishedAt.length).toBeGreaterThan(last.bound + ratePerSecond * 2);
    expect(last.rows).toBeLessThan(publishedAt.length - ratePerSecond * 2);
    // attempts is partitioned by day (PARTITION_INTERVAL): the sweep keeps today's and the next
    // PARTITION_AHEAD days' partitions and a default one, and the run added none (with a 6 s
    // retention, shorter than a partition, the rows go in batches; packages/db's partition tests
    // run the partition-dropping case)
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const names = await partitions();
    for (const d of [0, 1, 2, 3]) expect(names).toContain(partitionName('attempts', today + d * day));
    expect(names).toContain('attempts_default');
    expect(names.filter((n) => !partitionsBefore.includes(n)).length).toBeLessThanOrEqual(1); // a day may begin during the run
    const [stray] = (await h.ds.query(`SELECT count(*)::int AS n FROM attempts_default`)) as { n: number }[];
    expect(stray!.n).toBe(0);
  }, 60_000);
});
