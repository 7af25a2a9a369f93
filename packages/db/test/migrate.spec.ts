import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureDatabase, migrate, MIGRATIONS } from '../src/index.js';
import { quoteIdentifier, splitDatabaseUrl } from '../src/migrate.js';
import { testDatabaseBaseUrl } from '../src/testing.js';

const created: string[] = [];

function freshUrl(tag: string): string {
  const url = new URL(testDatabaseBaseUrl());
  const name = `sy_test_mig_${tag}_${Math.floor(Date.now() / 1000)}_${Math.random().toString(16).slice(2, 10)}`;
  url.pathname = `/${name}`;
  created.push(url.toString());
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const url of created) {
    const { database, maintenanceUrl } = splitDatabaseUrl(url);
    await query(maintenanceUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
  }
});

describe('migrate', () => {
  it('creates a missing database and applies every migration', async () => {
    const url = freshUrl('empty');
    const result = await migrate(url);
    expect(result.created).toBe(true);
    expect(result.applied).toEqual(MIGRATIONS.map((m) => m.name));
    const tables = await query<{ table_name: string }>(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['applications', 'attempts', 'deliveries', 'endpoint_secrets', 'endpoints', 'event_types', 'idempotency_keys', 'inbound_requests', 'messages', 'migrations', 'sources']),
    );
  });

  it('is a no-op the second time', async () => {
    const url = freshUrl('twice');
    await migrate(url);
    const again = await migrate(url);
    expect(again).toEqual({ created: false, applied: [] });
    const rows = await query<{ count: string }>(url, 'SELECT count(*) FROM migrations');
    expect(Number(rows[0]!.count)).toBe(MIGRATIONS.length);
  });

  it('is safe when several run at once against a missing database', async () => {
    const url = freshUrl('race');
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.flatMap((r) => r.applied)).toEqual(MIGRATIONS.map((m) => m.name));
    const rows = await query<{ count: string }>(url, 'SELECT count(*) FROM migrations');
    expect(Number(rows[0]!.count)).toBe(MIGRATIONS.length);
  });

  it('ensureDatabase reports whether it created the database', async () => {
    const url = freshUrl('ensure');
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('declares the indexes the APIs and the reconciler query by', async () => {
    const url = freshUrl('indexes');
    await migrate(url);
    const rows = await query<{ indexname: string }>(url, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`);
    const names = rows.map((r) => r.indexname);
    for (const index of [
      'deliveries_endpoint_due_idx',
      'deliveries_message_endpoint_key',
      'attempts_endpoint_id_idx',
      'attempts_message_id_idx',
      'messages_app_event_id_key',
      'endpoints_app_uid_key',
      'inbound_dedup_keys_pkey',
      'inbound_dedup_keys_accepted_at_idx',
      'sources_ingest_token_key',
    ]) {
      expect(names).toContain(index);
    }
  });

  it('DedupWindow carries the keys accepted so far over, and digests recent bodies of sources whose providers sign no id', async () => {
    const url = freshUrl('dedup');
    const before = MIGRATIONS.slice(
      0,
      MIGRATIONS.findIndex((m) => m.name === 'DedupWindow1764784800000'),
    );
    const ds = new DataSource({ ...dataSourceOptions({ url, poolSize: 2 }), migrations: before });
    await ensureDatabase(url);
    await ds.initialize();
    await ds.runMigrations({ transaction: 'all' });
    for (const [id, type] of [
      ['src_gh', 'github'],
      ['src_st', 'stripe'],
    ]) {
      await ds.query(`INSERT INTO applications (id, name, kind, metadata) VALUES ($1, 'a', 'source', '{}')`, [`app_${id}`]);
      await ds.query(`INSERT INTO sources (id, name, type, config, metadata, ingest_token, app_id) VALUES ($1, $1, $2, '{}', '{}', $1, $3)`, [id, type, `app_${id}`]);
    }
    const log = (id: string, source: string, outcome: string, pe: string, body: string, age = '1 hour') =>
      ds.query(
        `INSERT INTO inbound_requests (id, source_id, received_at, method, url, headers, body, body_size, outcome, response_status, provider_event_id, event_id, message_id)
         VALUES ($1, $2, now() - $6::interval, 'POST', '/in/x', '{}', convert_to($5, 'UTF8'), 1, $3, 200, $4, $7, $8)`,
        [id, source, outcome, pe, body, age, `evt_${id}`, `msg_${id}`],
      );
    await log('req_1', 'src_gh', 'accepted', '7:guid-1', '{"a":1}');
    await log('req_2', 'src_gh', 'duplicate', '7:guid-1', '{"a":1}');
    await log('req_3', 'src_gh', 'accepted', '7:guid-3', '{"old":1}', '8 days');
    await log('req_4', 'src_st', 'accepted', 'evt_4', '{"id":"evt_4"}');
    await ds.destroy();

    expect((await migrate(url)).applied[0]).toBe('DedupWindow1764784800000');
    const keys = await query<{ source_id: string; dedup_key: string; request_id: string; event_id: string }>(
      url,
      'SELECT source_id, dedup_key, request_id, event_id FROM inbound_dedup_keys ORDER BY 1, 2',
    );
    const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
    expect(keys).toEqual(
      [
        { source_id: 'src_gh', dedup_key: '7:guid-1', request_id: 'req_1', event_id: 'evt_req_1' },
        { source_id: 'src_gh', dedup_key: '7:guid-3', request_id: 'req_3', event_id: 'evt_req_3' },
        { source_id: 'src_gh', dedup_key: digest('{"a":1}'), request_id: 'req_1', event_id: 'evt_req_1' },
        { source_id: 'src_st', dedup_key: 'evt_4', request_id: 'req_4', event_id: 'evt_req_4' },
      ].sort((x, y) => (x.source_id + x.dedup_key < y.source_id + y.dedup_key ? -1 : 1)),
    );
    const logged = await query<{ id: string; dedup_key: string }>(url, 'SELECT id, dedup_key FROM inbound_requests ORDER BY id');
    expect(logged.map((r) => r.dedup_key)).toEqual(['7:guid-1', '7:guid-1', '7:guid-3', 'evt_4']);
  });

  it('quotes identifiers so a hostile database name cannot inject SQL', () => {
    expect(quoteIdentifier('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
  });

  it('fails clearly when the server is unreachable', async () => {
    await expect(migrate('postgres://postgres@127.0.0.1:1/nothing')).rejects.toThrow();
  });
});
