import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { idAtTime, newId, timeOfId } from '@switchyard/events';
import pg from 'pg';
import { DataSource } from 'typeorm';
import {
  attemptRetention,
  createDataSource,
  dataSourceOptions,
  ensureDatabase,
  inboundRequestRetention,
  migrate,
  MIGRATIONS,
  missingRanges,
  partitionName,
  RetentionSweeper,
  type PartitionSettings,
  type RetentionTask,
} from '../src/index.js';
import { quoteIdentifier, splitDatabaseUrl } from '../src/migrate.js';
import { createTestDatabase, testDatabaseBaseUrl, type TestDatabase } from '../src/testing.js';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
/** A ULID-shaped id made at `ms` (unique: the random part is fresh). */
const idAt = (prefix: 'atmpt' | 'req', ms: number) => `${idAtTime(prefix, new Date(ms)).slice(0, prefix.length + 11)}${newId(prefix).slice(-16)}`;

interface Seed {
  deliveryId: string;
  pendingDeliveryId: string;
  messageId: string;
  endpointId: string;
  appId: string;
  sourceId: string;
}

async function seed(q: { query: (sql: string, params?: unknown[]) => Promise<unknown> }): Promise<Seed> {
  const s: Seed = {
    appId: newId('app'),
    endpointId: newId('ep'),
    messageId: newId('msg'),
    deliveryId: newId('mdst'),
    pendingDeliveryId: newId('mdst'),
    sourceId: newId('src'),
  };
  const endpoint2 = newId('ep');
  await q.query(`INSERT INTO applications (id, name) VALUES ($1, 'a')`, [s.appId]);
  await q.query(`INSERT INTO endpoints (id, app_id, url) VALUES ($1, $3, 'https://example.com/a'), ($2, $3, 'https://example.com/b')`, [s.endpointId, endpoint2, s.appId]);
  await q.query(`INSERT INTO messages (id, app_id, event_type, payload) VALUES ($1, $2, 'user.created', '{}')`, [s.messageId, s.appId]);
  await q.query(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status) VALUES ($1, $3, $4, $5, 1), ($2, $3, $6, $5, 0)`, [
    s.deliveryId,
    s.pendingDeliveryId,
    s.messageId,
    s.endpointId,
    s.appId,
    endpoint2,
  ]);
  await q.query(`INSERT INTO applications (id, name, kind) VALUES ($1, 's', 'source')`, [`app_${s.sourceId}`]);
  await q.query(`INSERT INTO sources (id, name, type, config, ingest_token, app_id) VALUES ($1, 's', 'generic', '{}', $1, $2)`, [s.sourceId, `app_${s.sourceId}`]);
  return s;
}

async function insertAttempt(q: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, s: Seed, id: string, number: number, deliveryId = s.deliveryId): Promise<void> {
  await q.query(
    `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, url, status, response_status_code, response_duration_ms, trigger_type)
     VALUES ($1, $2, $3, $4, $5, $6, 'https://example.com/a', 2, 500, 5, 0)`,
    [id, deliveryId, s.messageId, s.endpointId, s.appId, number],
  );
}

async function insertRequest(q: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, s: Seed, id: string): Promise<void> {
  await q.query(`INSERT INTO inbound_requests (id, source_id, method, url, body, body_size, outcome, response_status) VALUES ($1, $2, 'POST', '/in/x', '\\x7b7d', 2, 'rejected', 401)`, [
    id,
    s.sourceId,
  ]);
}

async function partitionsOf(ds: DataSource, table: string): Promise<string[]> {
  const rows = (await ds.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table])) as {
    relname: string;
  }[];
  return rows.map((r) => r.relname);
}

/** Which partition holds the row. */
async function home(ds: DataSource, table: string, id: string): Promise<string | undefined> {
  const rows = (await ds.query(`SELECT tableoid::regclass::text AS p FROM ${table} WHERE id = $1`, [id])) as { p: string }[];
  return rows[0]?.p;
}

describe('missingRanges', () => {
  it('cuts [from, to) at multiples of the interval and leaves out what partitions cover', () => {
    const p = (fromMs: number, toMs: number) => ({ name: 'x', fromMs, toMs });
    expect(missingRanges([], 15, 40, 10)).toEqual([
      { fromMs: 10, toMs: 20 },
      { fromMs: 20, toMs: 30 },
      { fromMs: 30, toMs: 40 },
    ]);
    expect(missingRanges([p(0, 20), p(24, 26), p(35, 100)], 15, 40, 10)).toEqual([
      { fromMs: 20, toMs: 24 },
      { fromMs: 26, toMs: 30 },
      { fromMs: 30, toMs: 35 },
    ]);
  });
});

describe('PartitionByTime migration', () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const url of created) {
      const { database, maintenanceUrl } = splitDatabaseUrl(url);
      const client = new pg.Client({ connectionString: maintenanceUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
      await client.end();
    }
  });

  it('moves every existing row into day partitions (the rest into the default), and back down again', async () => {
    const url = new URL(testDatabaseBaseUrl());
    url.pathname = `/sy_test_mig_partition_${Math.floor(Date.now() / 1000)}_${Math.random().toString(16).slice(2, 10)}`;
    created.push(url.toString());
    const index = MIGRATIONS.findIndex((m) => m.name === 'PartitionByTime1764864000000');
    const ds = new DataSource({ ...dataSourceOptions({ url: url.toString(), poolSize: 2 }), migrations: MIGRATIONS.slice(0, index) });
    await ensureDatabase(url.toString());
    await ds.initialize();
    await ds.runMigrations({ transaction: 'all' });
    const s = await seed(ds);
    const attempts = [idAt('atmpt', today - 40 * DAY + 5), idAt('atmpt', today - 40 * DAY + 6), idAt('atmpt', today - 2 * DAY + 1000), idAt('atmpt', Date.now())];
    for (const [i, id] of attempts.entries()) await insertAttempt(ds, s, id, i + 1);
    await insertAttempt(ds, s, 'atmpt_legacy', 9); // no ULID: lands in the default partition
    const requests = [idAt('req', today - 10 * DAY), idAt('req', Date.now()), 'req_1'];
    for (const id of requests) await insertRequest(ds, s, id);
    const before = (await ds.query(`SELECT * FROM attempts ORDER BY id`)) as unknown[];
    const beforeRequests = (await ds.query(`SELECT * FROM inbound_requests ORDER BY id`)) as unknown[];

    await ds.destroy();
    expect((await migrate(url.toString())).applied).toEqual(['PartitionByTime1764864000000', ...MIGRATIONS.slice(index + 1).map((m) => m.name)]);

    const after = new DataSource({ ...dataSourceOptions({ url: url.toString(), poolSize: 2 }), migrations: MIGRATIONS });
    await after.initialize();
    try {
      expect(await after.query(`SELECT * FROM attempts ORDER BY id`)).toEqual(before);
      expect(await after.query(`SELECT * FROM inbound_requests ORDER BY id`)).toEqual(beforeRequests);
      const kinds = (await after.query(`SELECT relname, relkind FROM pg_class WHERE relname IN ('attempts', 'inbound_requests') ORDER BY 1`)) as { relkind: string }[];
      expect(kinds.map((k) => k.relkind)).toEqual(['p', 'p']);
      const days = [-40, -2, 0, 1, 2, 3].map((d) => partitionName('attempts', today + d * DAY));
      expect(await partitionsOf(after, 'attempts')).toEqual([...days, 'attempts_default'].sort());
      expect(await home(after, 'attempts', attempts[0]!)).toBe(partitionName('attempts', today - 40 * DAY));
      expect(await home(after, 'attempts', attempts[3]!)).toBe(partitionName('attempts', today));
      expect(await home(after, 'attempts', 'atmpt_legacy')).toBe('attempts_default');
      expect(await home(after, 'inbound_requests', requests[0]!)).toBe(partitionName('inbound_requests', today - 10 * DAY));
      expect(await home(after, 'inbound_requests', 'req_1')).toBe('inbound_requests_default');
      // the indexes and constraints, under their old names
      const indexes = (await after.query(`SELECT indexname FROM pg_indexes WHERE tablename IN ('attempts', 'inbound_requests') ORDER BY 1`)) as { indexname: string }[];
      expect(indexes.map((i) => i.indexname)).toEqual([
        'attempts_delivery_idx',
        'attempts_endpoint_id_idx',
        'attempts_message_id_idx',
        'attempts_pkey',
        'inbound_requests_pkey',
        'inbound_requests_source_id_idx',
      ]);
      await expect(insertAttempt(after, s, attempts[1]!, 99)).rejects.toMatchObject({ code: '23505' });
      await expect(insertAttempt(after, s, newId('atmpt'), 1, 'mdst_nothere')).rejects.toMatchObject({ code: '23503' });
      await expect(insertRequest(after, { ...s, sourceId: 'src_nothere' }, newId('req'))).rejects.toMatchObject({ code: '23503' });

      // down: plain tables again, every row kept, the unique key back
      for (let i = MIGRATIONS.length - 1; i >= index; i--) await after.undoLastMigration({ transaction: 'all' });
      const plain = (await after.query(`SELECT relname, relkind FROM pg_class WHERE relname IN ('attempts', 'inbound_requests') ORDER BY 1`)) as { relkind: string }[];
      expect(plain.map((k) => k.relkind)).toEqual(['r', 'r']);
      expect(await after.query(`SELECT * FROM attempts ORDER BY id`)).toEqual(before);
      expect(await after.query(`SELECT * FROM inbound_requests ORDER BY id`)).toEqual(beforeRequests);
      await expect(insertAttempt(after, s, newId('atmpt'), 1)).rejects.toMatchObject({ code: '23505' });
      expect((await after.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname ~ '^(attempts|inbound_requests)_(p[0-9]|default)'`)) as unknown[]).toEqual([{ n: 0 }]);
    } finally {
      await after.destroy();
    }
  });
});

describe('partitioned retention', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let s: Seed;
  const settings: PartitionSettings = { intervalMs: DAY, aheadMs: 3 * DAY, lockTimeoutMs: 200 };
  const warnings: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('db-partitions');
    ds = createDataSource({ url: db.url, poolSize: 4 });
    await ds.initialize();
    s = await seed(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const sweeper = (tasks: RetentionTask[]) => new RetentionSweeper(ds, { lockKeys: [1, 2], intervalMs: 60_000, batchSize: 3, maxBatchesPerPass: 50, tasks, onWarning: (m) => warnings.push(m) });

  it('makes partitions ahead, drops those wholly past the retention and nothing else, and sweeps the default partition row by row', async () => {
    // 30 days of retention: the partitions of day -40 and -31 go whole, day -30 (partly past) stays until it is wholly past.
    await ds.query(
      `CREATE TABLE ${partitionName('attempts', today - 31 * DAY)} PARTITION OF attempts FOR VALUES FROM ('${idAtTime('atmpt', new Date(today - 31 * DAY))}') TO ('${idAtTime('atmpt', new Date(today - 30 * DAY))}')`,
    );
    await ds.query(
      `CREATE TABLE ${partitionName('attempts', today - 30 * DAY)} PARTITION OF attempts FOR VALUES FROM ('${idAtTime('atmpt', new Date(today - 30 * DAY))}') TO ('${idAtTime('atmpt', new Date(today - 29 * DAY))}')`,
    );
    const old = [idAt('atmpt', today - 31 * DAY + 10), idAt('atmpt', today - 31 * DAY + 20), idAt('atmpt', today - 30 * DAY - 1)];
    const edge = idAt('atmpt', today - 30 * DAY + 1); // in the partly-expired partition: kept (at most one interval more)
    const recent = idAt('atmpt', Date.now() - 1000);
    let n = 1;
    for (const id of [...old, edge, recent]) await insertAttempt(ds, s, id, n++);
    await insertAttempt(ds, s, idAt('atmpt', today - 50 * DAY), n++, s.pendingDeliveryId); // no partition: default, and old
    const aheadOfPartitions = idAt('atmpt', today + 10 * DAY); // ahead of every partition: default, kept
    await insertAttempt(ds, s, aheadOfPartitions, n++);
    expect(await home(ds, 'attempts', aheadOfPartitions)).toBe('attempts_default');

    const report = await sweeper([attemptRetention(30 * DAY, settings)]).sweep();
    expect(report.ran).toBe(true);
    expect(report.removed.attempts).toBe(4); // 3 rows in a dropped partition, 1 from the default
    const names = await partitionsOf(ds, 'attempts');
    expect(names).not.toContain(partitionName('attempts', today - 31 * DAY));
    expect(names).toEqual(expect.arrayContaining([0, 1, 2, 3].map((d) => partitionName('attempts', today + d * DAY))));
    expect(names).toContain(partitionName('attempts', today - 30 * DAY));
    const left = ((await ds.query(`SELECT id FROM attempts ORDER BY id`)) as { id: string }[]).map((r) => r.id);
    expect(left).toEqual([edge, recent, aheadOfPartitions].sort());
    // nothing but attempts was touched: both deliveries (one pending) and the message are there
    expect(await ds.query(`SELECT count(*)::int AS n FROM deliveries`)).toEqual([{ n: 2 }]);
    expect(warnings).toEqual([]);
  });

  it('moves the rows a new partition covers out of the default partition', async () => {
    const farAhead = idAt('atmpt', today + 5 * DAY + 1);
    await insertAttempt(ds, s, farAhead, 100);
    expect(await home(ds, 'attempts', farAhead)).toBe('attempts_default');
    await sweeper([attemptRetention(30 * DAY, { ...settings, aheadMs: 6 * DAY })]).sweep();
    expect(await home(ds, 'attempts', farAhead)).toBe(partitionName('attempts', today + 5 * DAY));
    // an insert nothing covers still succeeds, in the default
    const beyond = idAt('atmpt', today + 400 * DAY);
    await insertAttempt(ds, s, beyond, 101);
    expect(await home(ds, 'attempts', beyond)).toBe('attempts_default');
    // and a lookup by id reads one partition
    const plan = (await ds.query(`EXPLAIN SELECT * FROM attempts WHERE id = '${farAhead}'`)) as { 'QUERY PLAN': string }[];
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).not.toMatch(/Append/);
  });

  it('leaves a partition whose lock is busy to the next pass, with a warning, and still sweeps the default partition', async () => {
    const p = partitionName('attempts', today - 30 * DAY);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT count(*) FROM attempts`); // ACCESS SHARE on every partition: a DROP has to wait
      const old = idAt('atmpt', today - 60 * DAY);
      await insertAttempt(ds, s, old, 200);
      const report = await sweeper([attemptRetention(29 * DAY, settings)]).sweep();
      expect(report.removed.attempts).toBe(1);
      expect(warnings.join('\n')).toMatch(/attempts: partitions not added or dropped this pass/);
      expect(await partitionsOf(ds, 'attempts')).toContain(p);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    const again = await sweeper([attemptRetention(29 * DAY, settings)]).sweep();
    expect(again.removed.attempts).toBe(1);
    expect(await partitionsOf(ds, 'attempts')).not.toContain(p);
  });

  it('with a retention shorter than a partition, deletes rows past it in batches from every partition', async () => {
    const fresh = Array.from({ length: 7 }, () => newId('req'));
    for (const id of fresh) await insertRequest(ds, s, id);
    const oldPartitioned = idAt('req', Date.now() - 5_000);
    await insertRequest(ds, s, oldPartitioned);
    const task = inboundRequestRetention(3_000, { ...settings, intervalMs: 3_600_000 });
    const report = await sweeper([task]).sweep();
    expect(report.removed.inbound_requests).toBe(1);
    expect(await home(ds, 'inbound_requests', oldPartitioned)).toBeUndefined();
    expect(await ds.query(`SELECT count(*)::int AS n FROM inbound_requests`)).toEqual([{ n: 7 }]);
    expect(timeOfId(oldPartitioned)).not.toBeNull();
  });

  it('keeps the table and its partitions flat over a sustained run, dropping whole partitions (no row deletes)', async () => {
    // One-second partitions and a two-second retention: what a day's partitions do over months, in seconds.
    const fast: PartitionSettings = { intervalMs: 1000, aheadMs: 3000, lockTimeoutMs: 500 };
    const retentionMs = 2000;
    const task = attemptRetention(retentionMs, fast);
    const run = sweeper([task]);
    // the day partitions (from the migration and the tests before) would hold the run's rows: start from none
    for (const name of await partitionsOf(ds, 'attempts')) if (name !== 'attempts_default') await ds.query(`DROP TABLE ${name}`);
    await run.sweep();
    const perTick = 10;
    const tickMs = 100;
    const runMs = 8000;
    const started = Date.now();
    const written: number[] = [];
    const samples: { rows: number; bound: number; partitions: number }[] = [];
    let n = 1000;
    let lastSweep = 0;
    while (Date.now() - started < runMs) {
      const tick = Date.now();
      for (let i = 0; i < perTick; i++) await insertAttempt(ds, s, newId('atmpt'), n++);
      for (let i = 0; i < perTick; i++) written.push(Date.now());
      if (tick - lastSweep >= 500) {
        lastSweep = tick;
        await run.sweep();
        if (tick - started > 3000) {
          const [{ rows }] = (await ds.query(`SELECT count(*)::int AS rows FROM attempts WHERE id > $1`, [idAtTime('atmpt', new Date(started - 1))])) as [{ rows: number }];
          // a row is kept at most its retention + one partition + one sweep interval (+ slack for this loop)
          const bound = written.filter((at) => at > Date.now() - (retentionMs + fast.intervalMs + 1000)).length;
          // and at least its retention
          const kept = written.filter((at) => at <= Date.now() - 200 && at > Date.now() - retentionMs + 200).length;
          expect(rows).toBeGreaterThanOrEqual(kept);
          samples.push({ rows, bound, partitions: (await partitionsOf(ds, 'attempts')).length });
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - tick))));
    }
    expect(samples.length).toBeGreaterThan(5);
    for (const sample of samples) expect(sample.rows).toBeLessThanOrEqual(sample.bound);
    // the partitions stay as many: ahead + the retention's, not one more per second of the run
    const counts = samples.map((x) => x.partitions);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
    // and the rows went with their partitions, not by DELETE: no dead rows in any partition
    const dead = (await ds.query(`SELECT coalesce(sum(n_tup_del), 0)::int AS n FROM pg_stat_user_tables WHERE relname LIKE 'attempts_p%'`)) as { n: number }[];
    expect(dead).toEqual([{ n: 0 }]);
    expect(written.length).toBeGreaterThan(samples[samples.length - 1]!.rows * 2);
  }, 30_000);
});
