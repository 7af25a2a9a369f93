import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@switchyard/db/testing';
import { endpointReceives, IdPrefix, newId } from '@switchyard/events';
import { DataSource } from 'typeorm';
import { routesToEndpointSql } from '@switchyard/db';

/**
 * The SQL routing rule (used when publishing and fanning out) against the reference rule in
 * @switchyard/events, on a real PostgreSQL: every endpoint of a generated set, for every message
 * of a generated set, must be routed the same by both.
 */

/** A small deterministic generator (mulberry32), so a failure names a case that can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILTERS = ['invoice.paid', 'invoice.*', 'user.*', 'user', 'user.created', '*', 'a.*', 'a.b.*', 'user.created.*', 'invoice', 'inv*', '.*', 'Invoice.paid', 'ünïcode.*'];
const TYPES = ['invoice.paid', 'invoice.failed', 'invoice', 'invoice.', 'user', 'user.created', 'user.created.v2', 'users.created', 'a', 'a.b', 'a.b.c', 'inv', 'ünïcode.x', '*', 'Invoice.paid'];
const CHANNELS = ['eu', 'us', 'project_1', 'Eu', 'ü'];

function subset<T>(random: () => number, pool: readonly T[], max: number): T[] {
  const n = Math.floor(random() * (max + 1));
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(pool[Math.floor(random() * pool.length)]!);
  return out;
}

/** null, empty, or a few entries (repeats allowed), each a third of the time. */
function nullableSubset<T>(random: () => number, pool: readonly T[], max: number): T[] | null {
  const r = random();
  if (r < 0.2) return null;
  if (r < 0.35) return [];
  return subset(random, pool, max).concat(pool[Math.floor(random() * pool.length)]!);
}

describe('SQL routing agrees with endpointReceives', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('routing-sql');
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('routes 400 generated endpoints the same way for 300 generated messages', async () => {
    const random = seeded(20261128);
    const appId = newId(IdPrefix.application);
    await ds.query(`INSERT INTO applications (id, name, kind, metadata) VALUES ($1, 'routing', 'app', '{}')`, [appId]);
    const endpoints = Array.from({ length: 400 }, () => ({
      id: newId(IdPrefix.endpoint),
      disabled: random() < 0.15,
      filterTypes: nullableSubset(random, FILTERS, 3),
      channels: nullableSubset(random, CHANNELS, 2),
    }));
    for (const e of endpoints) {
      await ds.query(`INSERT INTO endpoints (id, app_id, url, filter_types, channels, disabled, headers, metadata) VALUES ($1, $2, 'https://example.com/hook', $3, $4, $5, '{}', '{}')`, [
        e.id,
        appId,
        e.filterTypes,
        e.channels,
        e.disabled,
      ]);
    }
    const sql = `SELECT e.id FROM endpoints e WHERE e.app_id = $1 AND ${routesToEndpointSql('e', '$2::varchar', '$3::text[]')} ORDER BY e.id`;

    let routed = 0;
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const message = { eventType: TYPES[Math.floor(random() * TYPES.length)]!, channels: nullableSubset(random, CHANNELS, 2) };
      const expected = endpoints
        .filter((e) => endpointReceives(e, message))
        .map((e) => e.id)
        .sort();
      const rows: { id: string }[] = await ds.query(sql, [appId, message.eventType, message.channels]);
      expect({ message, ids: rows.map((r) => r.id) }).toEqual({ message, ids: expected });
      routed += expected.length;
      checked += endpoints.length;
    }
    // The generated cases exercise both outcomes, not only one.
    expect(routed).toBeGreaterThan(checked * 0.05);
    expect(routed).toBeLessThan(checked * 0.95);
  });

  it('agrees on the edge cases named in docs/api.md §3', async () => {
    const appId = newId(IdPrefix.application);
    await ds.query(`INSERT INTO applications (id, name, kind, metadata) VALUES ($1, 'edges', 'app', '{}')`, [appId]);
    const cases: { filterTypes: string[] | null; channels: string[] | null; eventType: string; messageChannels: string[] | null; receives: boolean }[] = [
      { filterTypes: null, channels: null, eventType: 'x', messageChannels: null, receives: true },
      { filterTypes: [], channels: [], eventType: 'x', messageChannels: ['a'], receives: true },
      { filterTypes: ['user.*'], channels: null, eventType: 'user.created', messageChannels: null, receives: true },
      { filterTypes: ['user.*'], channels: null, eventType: 'user', messageChannels: null, receives: false },
      { filterTypes: ['user.*'], channels: null, eventType: 'users.created', messageChannels: null, receives: false },
      { filterTypes: ['user_created'], channels: null, eventType: 'userXcreated', messageChannels: null, receives: false },
      { filterTypes: ['100%'], channels: null, eventType: '100x', messageChannels: null, receives: false },
      { filterTypes: null, channels: ['eu'], eventType: 'x', messageChannels: null, receives: false },
      { filterTypes: null, channels: ['eu'], eventType: 'x', messageChannels: [], receives: false },
      { filterTypes: null, channels: ['eu'], eventType: 'x', messageChannels: ['us', 'eu'], receives: true },
    ];
    for (const c of cases) {
      const id = newId(IdPrefix.endpoint);
      await ds.query(`INSERT INTO endpoints (id, app_id, url, filter_types, channels, disabled, headers, metadata) VALUES ($1, $2, 'https://example.com/hook', $3, $4, false, '{}', '{}')`, [
        id,
        appId,
        c.filterTypes,
        c.channels,
      ]);
      const rows: unknown[] = await ds.query(`SELECT 1 FROM endpoints e WHERE e.id = $1 AND ${routesToEndpointSql('e', '$2::varchar', '$3::text[]')}`, [id, c.eventType, c.messageChannels]);
      expect({ ...c, sql: rows.length === 1 }).toEqual({ ...c, sql: c.receives });
      expect({ ...c, js: endpointReceives({ disabled: false, filterTypes: c.filterTypes, channels: c.channels }, { eventType: c.eventType, channels: c.messageChannels }) }).toEqual({
        ...c,
        js: c.receives,
      });
    }
  });
});
