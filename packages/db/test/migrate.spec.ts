import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { ensureDatabase, migrate, MIGRATIONS } from '../src/index.js';
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
      'inbound_requests_dedup_key',
      'sources_ingest_token_key',
    ]) {
      expect(names).toContain(index);
    }
  });

  it('quotes identifiers so a hostile database name cannot inject SQL', () => {
    expect(quoteIdentifier('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
  });

  it('fails clearly when the server is unreachable', async () => {
    await expect(migrate('postgres://postgres@127.0.0.1:1/nothing')).rejects.toThrow();
  });
});
