import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createDataSource, sqlRunner, type SqlRunner } from '@switchyard/db';
import { createTestDatabase, type TestDatabase } from '@switchyard/db/testing';
import { GroupCommitterFullError } from '@switchyard/platform';
import type { WorkQueue } from '@switchyard/scheduler';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { Publisher, type CommitObservation, type CommitOptions, type InboundToPublish, type MessageToPublish } from '../src/index.js';

// The Publisher against a real PostgreSQL: its batched statements, their per-row outcomes and the
// group commit's failure rules. The work queue is a recorder (the scheduler has its own suite).

let db: TestDatabase;
let dataSource: DataSource;
let sql: SqlRunner;
let admin: pg.Client;

const woken: { endpointId: string; delayMs: number }[] = [];
const fannedOut: string[] = [];
const work = {
  afterCommit: async (_what: string, enqueue: () => Promise<void>) => {
    await enqueue();
    return true;
  },
  wake: async (items: { endpointId: string; delayMs: number }[]) => void woken.push(...items),
  wakeApps: async (ids: string[]) => void fannedOut.push(...ids),
} as unknown as WorkQueue;

function publisher(commit: Partial<CommitOptions> = {}, inlineMax = 3, dedupWindowMs?: number) {
  const batches: CommitObservation[] = [];
  return { p: new Publisher({ sql, work, inlineMax, commit, observe: (o) => batches.push(o), dedupWindowMs }), batches };
}

let seq = 0;
const id = (prefix: string) => `${prefix}_${(++seq).toString().padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;

function message(over: Partial<MessageToPublish> = {}): MessageToPublish {
  return { id: id('msg'), eventType: 'user.created', eventId: null, payload: '{"n":1}', channels: null, tags: null, deliverAt: null, createdAt: new Date(), ...over };
}

async function q<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await admin.query<T>(text, values)).rows;
}

async function app(uid: string | null = null, kind = 'app'): Promise<string> {
  const appId = id('app');
  await q(`INSERT INTO applications (id, uid, name, kind) VALUES ($1, $2, 'a', $3)`, [appId, uid, kind]);
  return appId;
}

async function endpoint(appId: string, over: { filterTypes?: string[]; channels?: string[]; disabled?: boolean } = {}): Promise<string> {
  const epId = id('ep');
  await q(`INSERT INTO endpoints (id, app_id, url, filter_types, channels, disabled) VALUES ($1, $2, 'http://127.0.0.1:9/', $3, $4, $5)`, [
    epId,
    appId,
    over.filterTypes ?? null,
    over.channels ?? null,
    over.disabled ?? false,
  ]);
  return epId;
}

/** A source on its own application, as the gateway has them. */
async function source(): Promise<{ sourceId: string; appId: string }> {
  const appId = await app(null, 'source');
  const sourceId = id('src');
  await q(`INSERT INTO sources (id, app_id, name, type, ingest_token, config) VALUES ($1, $2, 's', 'github', $3, '{}')`, [sourceId, appId, id('tok')]).catch(async (error: Error) => {
    throw new Error(`sources insert: ${error.message}`);
  });
  return { sourceId, appId };
}

/** An accepted request whose dedup key is `dedupKey` (shown as `providerEventId`, the same unless given). */
function inbound(src: { sourceId: string; appId: string }, dedupKey: string | null, body = Buffer.from('{"zen":"x"}'), providerEventId = dedupKey): InboundToPublish {
  return {
    message: { id: id('msg'), appId: src.appId, eventType: 'github.push', payload: '{"specversion":"1.0"}' },
    request: { id: id('req'), sourceId: src.sourceId, method: 'POST', url: '/in/tok', headers: { 'x-github-event': 'push' }, body, providerEventId, dedupKey, eventId: id('evt') },
  };
}

/** Blocks claims of one dedup key: another transaction accepted a request with it and has not committed. */
async function holdDedupKey(src: { sourceId: string; appId: string }, dedupKey: string): Promise<{ commit(): Promise<void>; rollback(): Promise<void>; eventId: string; messageId: string }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const eventId = id('evt');
  const messageId = id('msg');
  const requestId = id('req');
  await client.query('BEGIN');
  await client.query(`INSERT INTO messages (id, app_id, event_type, payload, fanned_out_at) VALUES ($1, $2, 'github.push', '{}', now())`, [messageId, src.appId]);
  await client.query(
    `INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, response_status, provider_event_id, event_id, message_id)
     VALUES ($1, $2, 'POST', '/in/x', '{}', '', 0, 'accepted', 200, $3, $4, $5)`,
    [requestId, src.sourceId, dedupKey, eventId, messageId],
  );
  await client.query(`INSERT INTO inbound_dedup_keys (source_id, dedup_key, request_id, event_id, message_id) VALUES ($1, $2, $3, $4, $5)`, [src.sourceId, dedupKey, requestId, eventId, messageId]);
  const end = async (how: string) => {
    await client.query(how);
    await client.end();
  };
  return { commit: () => end('COMMIT'), rollback: () => end('ROLLBACK'), eventId, messageId };
}

/** Waits until PostgreSQL shows a session waiting on a lock (the held key). */
async function untilBlocked(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await q<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (Number(row!.n) > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('nothing blocked');
}

beforeAll(async () => {
  db = await createTestDatabase('publisher');
  dataSource = createDataSource({ url: db.url, poolSize: 6 });
  await dataSource.initialize();
  sql = sqlRunner(dataSource);
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await dataSource?.destroy();
  await db?.drop();
});

beforeEach(() => {
  woken.length = 0;
  fannedOut.length = 0;
});

describe('Publisher.publishMessage (batched)', () => {
  it('publishes made together share statements, and each gets its own routing, deliveries and wake-ups', async () => {
    const a = await app('acme');
    const b = await app();
    const aAll = await endpoint(a);
    const aUsers = await endpoint(a, { filterTypes: ['user.*'] });
    const aOrders = await endpoint(a, { filterTypes: ['order.paid'] });
    const aChannel = await endpoint(a, { channels: ['eu'] });
    await endpoint(a, { disabled: true });
    const bEps: string[] = [];
    for (let i = 0; i < 4; i++) bEps.push(await endpoint(b));
    const { p, batches } = publisher();

    const items = [
      { ref: { by: 'uid' as const, value: 'acme' }, m: message({ eventType: 'user.created' }) },
      { ref: { by: 'id' as const, value: a }, m: message({ eventType: 'order.paid', channels: ['eu'], tags: ['t1'] }) },
      { ref: { by: 'id' as const, value: b }, m: message({ eventType: 'x' }) },
      { ref: { by: 'id' as const, value: 'app_nope' }, m: message() },
      { ref: { by: 'uid' as const, value: 'nope' }, m: message() },
      ...Array.from({ length: 20 }, () => ({ ref: { by: 'id' as const, value: a }, m: message({ eventType: 'user.deleted' }) })),
    ];
    const results = await Promise.all(items.map(({ ref, m }) => p.publishMessage(ref, m)));

    // user.created → all, users (not orders; channel endpoint needs a channel)
    expect(results[0]).toEqual({ inserted: true, deliveries: 2 });
    // order.paid on eu → all, orders, channel: 3 = inlineMax
    expect(results[1]).toEqual({ inserted: true, deliveries: 3 });
    // b routes to 4 endpoints > inlineMax 3: left for b's fan-out turn
    expect(results[2]).toEqual({ inserted: true, deliveries: 'fan-out' });
    expect(results[3]).toEqual({ inserted: false, reason: 'no_application' });
    expect(results[4]).toEqual({ inserted: false, reason: 'no_application' });
    expect(results.slice(5).every((r) => r.inserted && r.deliveries === 2)).toBe(true);

    const deliveries = await q<{ message_id: string; endpoint_id: string; status: number; app_id: string }>(
      `SELECT message_id, endpoint_id, status, app_id FROM deliveries WHERE message_id = ANY($1) ORDER BY endpoint_id`,
      [items.map((x) => x.m.id)],
    );
    const of = (m: MessageToPublish) =>
      deliveries
        .filter((d) => d.message_id === m.id)
        .map((d) => d.endpoint_id)
        .sort();
    expect(of(items[0]!.m)).toEqual([aAll, aUsers].sort());
    expect(of(items[1]!.m)).toEqual([aAll, aOrders, aChannel].sort());
    expect(of(items[2]!.m)).toEqual([]);
    expect(deliveries.every((d) => d.app_id === a && d.status === 1)).toBe(true);

    const stored = await q<{ id: string; app_id: string; channels: string[] | null; tags: string[] | null; fanned: boolean }>(
      `SELECT id, app_id, channels, tags, fanned_out_at IS NOT NULL AS fanned FROM messages WHERE id = ANY($1)`,
      [items.map((x) => x.m.id)],
    );
    expect(stored).toHaveLength(23);
    const row = (m: MessageToPublish) => stored.find((s) => s.id === m.id);
    expect(row(items[1]!.m)).toMatchObject({ app_id: a, channels: ['eu'], tags: ['t1'], fanned: true });
    expect(row(items[0]!.m)).toMatchObject({ channels: null, tags: null, fanned: true });
    expect(row(items[2]!.m)).toMatchObject({ app_id: b, fanned: false });
    expect(fannedOut).toEqual([b]);
    expect(woken.filter((w) => w.endpointId === aAll)).toHaveLength(22);
    expect(bEps).toHaveLength(4);

    // 25 publishes, fewer statements: the first went alone, the rest shared
    const sizes = batches.filter((x) => x.kind === 'messages').map((x) => x.size);
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(25);
    expect(sizes.length).toBeLessThan(25);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });

  it('each message of a shared statement keeps its own trace context (or none)', async () => {
    const a = await app();
    await endpoint(a);
    const { p } = publisher();
    const traced = (n: number) => ({ traceParent: `00-${n.toString(16).padStart(32, '0')}-${'1'.repeat(16)}-01`, traceState: n % 2 ? `k=v${n}` : null });
    const items = Array.from({ length: 12 }, (_, n) => message(n % 3 === 0 ? {} : traced(n + 1)));
    await Promise.all(items.map((m) => p.publishMessage({ by: 'id', value: a }, m)));
    const rows = await q<{ id: string; trace_parent: string | null; trace_state: string | null }>(`SELECT id, trace_parent, trace_state FROM messages WHERE id = ANY($1)`, [items.map((m) => m.id)]);
    expect(rows).toHaveLength(12);
    for (const m of items) expect(rows.find((r) => r.id === m.id)).toMatchObject({ trace_parent: m.traceParent ?? null, trace_state: m.traceState ?? null });
  });

  it('an eventId already used in the application is refused, also by a publish in the same batch; other applications may use it', async () => {
    const a = await app();
    const b = await app();
    const { p } = publisher();
    expect(await p.publishMessage({ by: 'id', value: a }, message({ eventId: 'e-1' }))).toEqual({ inserted: true, deliveries: 0 });
    const results = await Promise.all([
      p.publishMessage({ by: 'id', value: a }, message({ eventId: 'e-1' })),
      p.publishMessage({ by: 'id', value: a }, message({ eventId: 'e-2' })),
      p.publishMessage({ by: 'id', value: a }, message({ eventId: 'e-2' })),
      p.publishMessage({ by: 'id', value: b }, message({ eventId: 'e-2' })),
    ]);
    expect(results).toEqual([
      { inserted: false, reason: 'event_id_taken' },
      { inserted: true, deliveries: 0 },
      { inserted: false, reason: 'event_id_taken' },
      { inserted: true, deliveries: 0 },
    ]);
    const [count] = await q<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE app_id = $1`, [a]);
    expect(Number(count!.n)).toBe(2);
  });

  it('an internal application (a source) is not a customer application', async () => {
    const src = await source();
    const { p } = publisher();
    expect(await p.publishMessage({ by: 'id', value: src.appId }, message())).toEqual({ inserted: false, reason: 'no_application' });
  });

  it('deliverAt: the deliveries are due then, and their endpoints are woken with that delay', async () => {
    const a = await app();
    const ep = await endpoint(a);
    const { p } = publisher();
    await p.publishMessage({ by: 'id', value: a }, message({ deliverAt: new Date(Date.now() + 60_000) }));
    const wake = woken.find((w) => w.endpointId === ep);
    expect(wake!.delayMs).toBeGreaterThan(55_000);
    expect(wake!.delayMs).toBeLessThanOrEqual(60_000);
  });

  it('a row PostgreSQL refuses fails alone: the batch is halved until it stands alone, the rest commit', async () => {
    const a = await app();
    const { p, batches } = publisher({ inFlight: 1 });
    const first = p.publishMessage({ by: 'id', value: a }, message());
    const rest = [0, 1, 2, 3, 4, 5, 6].map((i) => p.publishMessage({ by: 'id', value: a }, message({ eventType: i === 4 ? 'bad\u0000type' : `ok.${i}` })));
    await first;
    const settled = await Promise.allSettled(rest);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const [count] = await q<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE app_id = $1`, [a]);
    expect(Number(count!.n)).toBe(7);
    expect(batches.some((x) => !x.ok && x.size === 7)).toBe(true);
  });

  it('past COMMIT_QUEUE_MAX waiting publishes, a publish fails at once instead of queueing', async () => {
    const a = await app();
    const src = await source();
    const hold = await holdDedupKey(src, 'hold-queue');
    const { p } = publisher({ inFlight: 1, queueMax: 2 });
    // the inbound committer is stuck on the held key; the message committer is independent
    const stuck = p.publishInbound(inbound(src, 'hold-queue'));
    await untilBlocked();
    const stuckToo = [p.publishInbound(inbound(src, 'q-1')), p.publishInbound(inbound(src, 'q-2'))];
    await expect(p.publishInbound(inbound(src, 'q-3'))).rejects.toBeInstanceOf(GroupCommitterFullError);
    expect(await p.publishMessage({ by: 'id', value: a }, message())).toMatchObject({ inserted: true });
    await hold.commit();
    await expect(stuck).resolves.toMatchObject({ kind: 'duplicate' });
    await expect(Promise.all(stuckToo)).resolves.toMatchObject([{ kind: 'accepted' }, { kind: 'accepted' }]);
  });
});

describe('Publisher.publishInbound (batched)', () => {
  it('accepts a batch atomically per request: log row, message, inline deliveries; bodies kept byte for byte', async () => {
    const src = await source();
    const ep = await endpoint(src.appId);
    const { p, batches } = publisher();
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 10]);
    const items = [inbound(src, 'gh-1'), inbound(src, 'gh-2', binary), inbound(src, null), inbound(src, null), ...Array.from({ length: 12 }, (_, i) => inbound(src, `gh-x${i}`))];
    const results = await Promise.all(items.map((x) => p.publishInbound(x)));
    expect(results.every((r) => r.kind === 'accepted')).toBe(true);
    for (const r of results) if (r.kind === 'accepted') await r.enqueue();
    expect(woken.filter((w) => w.endpointId === ep)).toHaveLength(16);

    const logged = await q<{ id: string; outcome: string; message_id: string; body: Buffer; body_size: number; headers: Record<string, string> }>(
      `SELECT id, outcome, message_id, body, body_size, headers FROM inbound_requests WHERE id = ANY($1)`,
      [items.map((x) => x.request.id)],
    );
    expect(logged).toHaveLength(16);
    expect(logged.every((l) => l.outcome === 'accepted')).toBe(true);
    const second = logged.find((l) => l.id === items[1]!.request.id)!;
    expect(second.body.equals(binary)).toBe(true);
    expect(second.body_size).toBe(binary.length);
    expect(second.headers).toEqual({ 'x-github-event': 'push' });
    expect(second.message_id).toBe(items[1]!.message.id);
    const [counts] = await q<{ m: string; d: string }>(`SELECT (SELECT count(*) FROM messages WHERE id = ANY($1)) AS m, (SELECT count(*) FROM deliveries WHERE message_id = ANY($1)) AS d`, [
      items.map((x) => x.message.id),
    ]);
    expect(counts).toEqual({ m: '16', d: '16' });
    expect(batches.filter((x) => x.kind === 'inbound').length).toBeLessThan(16);
  });

  it('each inbound message of a shared statement keeps its own trace context (or none)', async () => {
    const src = await source();
    const { p } = publisher();
    const items = Array.from({ length: 10 }, (_, n) => {
      const item = inbound(src, `gh-trace-${n}`);
      if (n % 2 === 0) return item;
      return { ...item, message: { ...item.message, traceParent: `00-${'a'.repeat(31)}${n}-${'b'.repeat(16)}-01`, traceState: n === 1 ? 'vendor=1' : null } };
    });
    const results = await Promise.all(items.map((x) => p.publishInbound(x)));
    expect(results.every((r) => r.kind === 'accepted')).toBe(true);
    const rows = await q<{ id: string; trace_parent: string | null; trace_state: string | null }>(`SELECT id, trace_parent, trace_state FROM messages WHERE id = ANY($1)`, [
      items.map((x) => x.message.id),
    ]);
    expect(rows).toHaveLength(10);
    for (const { message: m } of items) expect(rows.find((r) => r.id === m.id)).toMatchObject({ trace_parent: m.traceParent ?? null, trace_state: m.traceState ?? null });
  });

  it('duplicates: of an earlier commit, and within one batch; each answers the first acceptance and leaves a duplicate log row only', async () => {
    const src = await source();
    const { p } = publisher();
    const original = inbound(src, 'dup-1');
    expect((await p.publishInbound(original)).kind).toBe('accepted');
    const again = [inbound(src, 'dup-1'), inbound(src, 'dup-2'), inbound(src, 'dup-2'), inbound(src, 'dup-2')];
    const results = await Promise.all(again.map((x) => p.publishInbound(x)));
    expect(results[0]).toEqual({ kind: 'duplicate', firstEventId: original.request.eventId, firstMessageId: original.message.id });
    expect(results[1]!.kind).toBe('accepted');
    expect(results[2]).toEqual({ kind: 'duplicate', firstEventId: again[1]!.request.eventId, firstMessageId: again[1]!.message.id });
    expect(results[3]).toEqual(results[2]);
    const rows = await q<{ outcome: string; provider_event_id: string; event_id: string; n: string }>(
      `SELECT outcome, provider_event_id, event_id, count(*) AS n FROM inbound_requests WHERE source_id = $1 GROUP BY 1, 2, 3 ORDER BY 2, 1`,
      [src.sourceId],
    );
    expect(rows).toEqual([
      { outcome: 'accepted', provider_event_id: 'dup-1', event_id: original.request.eventId, n: '1' },
      { outcome: 'duplicate', provider_event_id: 'dup-1', event_id: original.request.eventId, n: '1' },
      { outcome: 'accepted', provider_event_id: 'dup-2', event_id: again[1]!.request.eventId, n: '1' },
      { outcome: 'duplicate', provider_event_id: 'dup-2', event_id: again[1]!.request.eventId, n: '2' },
    ]);
    // no orphan message for any duplicate
    const [orphans] = await q<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE id = ANY($1)`, [[again[0]!.message.id, again[2]!.message.id, again[3]!.message.id]]);
    expect(orphans!.n).toBe('0');
  });

  it('the dedup key decides, not the id shown: a fresh provider id on a known key is a duplicate; both ids are logged with the key', async () => {
    const src = await source();
    const { p } = publisher();
    const first = inbound(src, 'sha256:aa', undefined, 'guid-1');
    expect((await p.publishInbound(first)).kind).toBe('accepted');
    expect(await p.publishInbound(inbound(src, 'sha256:aa', undefined, 'guid-replayed'))).toEqual({ kind: 'duplicate', firstEventId: first.request.eventId, firstMessageId: first.message.id });
    expect((await p.publishInbound(inbound(src, 'sha256:bb', undefined, 'guid-1'))).kind).toBe('accepted');
    const rows = await q<{ outcome: string; provider_event_id: string; dedup_key: string }>(`SELECT outcome, provider_event_id, dedup_key FROM inbound_requests WHERE source_id = $1 ORDER BY id`, [
      src.sourceId,
    ]);
    expect(rows).toEqual([
      { outcome: 'accepted', provider_event_id: 'guid-1', dedup_key: 'sha256:aa' },
      { outcome: 'duplicate', provider_event_id: 'guid-replayed', dedup_key: 'sha256:aa' },
      { outcome: 'accepted', provider_event_id: 'guid-1', dedup_key: 'sha256:bb' },
    ]);
  });

  it('the dedup window: a key claimed longer ago than the window is taken over by the next acceptance; within it, a duplicate', async () => {
    const src = await source();
    const { p } = publisher({}, 3, 60_000);
    const first = inbound(src, 'win-1');
    expect((await p.publishInbound(first)).kind).toBe('accepted');
    await q(`UPDATE inbound_dedup_keys SET accepted_at = now() - interval '59 seconds' WHERE source_id = $1`, [src.sourceId]);
    expect((await p.publishInbound(inbound(src, 'win-1'))).kind).toBe('duplicate');
    await q(`UPDATE inbound_dedup_keys SET accepted_at = now() - interval '61 seconds' WHERE source_id = $1`, [src.sourceId]);
    const later = inbound(src, 'win-1');
    expect((await p.publishInbound(later)).kind).toBe('accepted');
    // the key now answers for the later acceptance, for another window
    expect(await p.publishInbound(inbound(src, 'win-1'))).toEqual({ kind: 'duplicate', firstEventId: later.request.eventId, firstMessageId: later.message.id });
    const [key] = await q<{ request_id: string; fresh: boolean }>(`SELECT request_id, accepted_at > now() - interval '5 seconds' AS fresh FROM inbound_dedup_keys WHERE source_id = $1`, [
      src.sourceId,
    ]);
    expect(key).toEqual({ request_id: later.request.id, fresh: true });
    const outcomes = await q<{ outcome: string }>(`SELECT outcome FROM inbound_requests WHERE source_id = $1 ORDER BY id`, [src.sourceId]);
    expect(outcomes.map((r) => r.outcome)).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate']);
  });

  it('expireDedupKeys deletes keys older than the window, in bounded batches, and nothing else', async () => {
    const src = await source();
    const { p } = publisher({}, 3, 60_000);
    for (const key of ['exp-1', 'exp-2', 'exp-3', 'keep-1']) expect((await p.publishInbound(inbound(src, key))).kind).toBe('accepted');
    await q(`UPDATE inbound_dedup_keys SET accepted_at = now() - interval '2 minutes' WHERE source_id = $1 AND dedup_key LIKE 'exp-%'`, [src.sourceId]);
    expect(await p.expireDedupKeys(2)).toBe(2);
    expect(await p.expireDedupKeys(2)).toBe(1);
    expect(await p.expireDedupKeys(2)).toBe(0);
    const left = await q<{ dedup_key: string }>(`SELECT dedup_key FROM inbound_dedup_keys WHERE source_id = $1`, [src.sourceId]);
    expect(left.map((r) => r.dedup_key)).toEqual(['keep-1']);
  });

  it('a first acceptance that commits while the statement waits on it: answered as a duplicate of it', async () => {
    const src = await source();
    const hold = await holdDedupKey(src, 'race-1');
    const { p } = publisher();
    const late = p.publishInbound(inbound(src, 'race-1'));
    await untilBlocked();
    await hold.commit();
    expect(await late).toEqual({ kind: 'duplicate', firstEventId: hold.eventId, firstMessageId: hold.messageId });
    const rows = await q<{ outcome: string; event_id: string }>(`SELECT outcome, event_id FROM inbound_requests WHERE source_id = $1 ORDER BY outcome`, [src.sourceId]);
    expect(rows).toEqual([
      { outcome: 'accepted', event_id: hold.eventId },
      { outcome: 'duplicate', event_id: hold.eventId },
    ]);
  });

  it('one slow batch does not stall the next one', async () => {
    const src = await source();
    const hold = await holdDedupKey(src, 'slow-1');
    const { p } = publisher({ inFlight: 2 });
    const slow = p.publishInbound(inbound(src, 'slow-1'));
    await untilBlocked();
    // the slow statement is still waiting; these commit past it
    const fast = await Promise.all([inbound(src, 'fast-1'), inbound(src, 'fast-2'), inbound(src, null)].map((x) => p.publishInbound(x)));
    expect(fast.map((r) => r.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(slowDone).toBe(false);
    await hold.rollback();
    // the held row went away: the slow one is the first acceptance after all
    expect((await slow).kind).toBe('accepted');
  });

  it('a batch that fails fails every request in it, and stores none of them; the retries then commit', async () => {
    const src = await source();
    await q(`CREATE OR REPLACE FUNCTION sy_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.provider_event_id LIKE 'poison%' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$`);
    await q(`CREATE TRIGGER sy_test_refuse BEFORE INSERT ON inbound_requests FOR EACH ROW EXECUTE FUNCTION sy_test_refuse()`);
    try {
      const hold = await holdDedupKey(src, 'fail-hold');
      const { p, batches } = publisher({ inFlight: 1 });
      const blocked = p.publishInbound(inbound(src, 'fail-hold'));
      await untilBlocked();
      // these wait together behind the held statement, then go as one batch, which fails
      const batch = [inbound(src, 'fail-1'), inbound(src, 'poison-1'), inbound(src, 'fail-2'), inbound(src, null)];
      const pending = batch.map((x) => p.publishInbound(x));
      await hold.commit();
      await blocked;
      const settled = await Promise.allSettled(pending);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      expect(batches.some((x) => x.kind === 'inbound' && !x.ok && x.size === 4)).toBe(true);
      const [stored] = await q<{ r: string; m: string }>(`SELECT (SELECT count(*) FROM inbound_requests WHERE id = ANY($1)) AS r, (SELECT count(*) FROM messages WHERE id = ANY($2)) AS m`, [
        batch.map((x) => x.request.id),
        batch.map((x) => x.message.id),
      ]);
      expect(stored).toEqual({ r: '0', m: '0' });
      // the provider retries (new request ids, same provider event ids): no half-stored event is in the way
      const retries = [inbound(src, 'fail-1'), inbound(src, 'fail-2')];
      const again = await Promise.all(retries.map((x) => p.publishInbound(x)));
      expect(again.map((r) => r.kind)).toEqual(['accepted', 'accepted']);
    } finally {
      await q(`DROP TRIGGER sy_test_refuse ON inbound_requests`);
    }
  });
});
