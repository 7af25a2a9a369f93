import { idAtTime, IdPrefix, timeOfId } from '@switchyard/events';
import type { QueryRunner } from 'typeorm';

/**
 * The append-only tables that are range-partitioned by time (README "Retention"): by their
 * time-sortable primary key, so a row's partition is the time its id was made at, a lookup by id
 * touches one partition, and every unique key (the primary key) includes the partition key.
 */
export const PARTITIONED_TABLES = {
  attempts: IdPrefix.attempt,
  inbound_requests: IdPrefix.inboundRequest,
} as const;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

/** One ranged partition: the ids made in [fromMs, toMs). */
export interface Partition {
  readonly name: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** The partition that takes rows no ranged partition covers, so an insert never fails. */
export function defaultPartitionName(table: PartitionedTable): string {
  return `${table}_default`;
}

/** `attempts_p20261203t000000`: the table and the UTC start of the range (unique: ranges never overlap). */
export function partitionName(table: PartitionedTable, fromMs: number): string {
  const stamp = new Date(fromMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `${table}_p${stamp}`;
}

/** The id bounds of [fromMs, toMs) for a table. */
export function partitionBounds(table: PartitionedTable, fromMs: number, toMs: number): { from: string; to: string } {
  const prefix = PARTITIONED_TABLES[table];
  return { from: idAtTime(prefix, new Date(fromMs)), to: idAtTime(prefix, new Date(toMs)) };
}

const BOUND = /^FOR VALUES FROM \('([^']*)'\) TO \('([^']*)'\)$/;

/** The table's ranged partitions, oldest first, and whether it has its default partition. */
export async function listPartitions(q: QueryRunner, table: PartitionedTable): Promise<{ ranged: Partition[]; hasDefault: boolean }> {
  const rows = (await q.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass($1)`,
    [table],
  )) as { name: string; bound: string }[];
  const ranged: Partition[] = [];
  let hasDefault = false;
  for (const row of rows) {
    if (row.bound === 'DEFAULT') {
      hasDefault = true;
      continue;
    }
    const match = BOUND.exec(row.bound);
    const fromMs = match ? timeOfId(match[1]!) : null;
    const toMs = match ? timeOfId(match[2]!) : null;
    // A partition someone made by hand with other bounds is left alone.
    if (fromMs !== null && toMs !== null) ranged.push({ name: row.name, fromMs, toMs });
  }
  ranged.sort((a, b) => a.fromMs - b.fromMs);
  return { ranged, hasDefault };
}

/**
 * The ranges of [fromMs, toMs) that no existing partition covers, cut at multiples of
 * `intervalMs` (since the epoch, so `1d` partitions start at midnight UTC).
 */
export function missingRanges(existing: readonly Partition[], fromMs: number, toMs: number, intervalMs: number): { fromMs: number; toMs: number }[] {
  const missing: { fromMs: number; toMs: number }[] = [];
  for (let slot = Math.floor(fromMs / intervalMs) * intervalMs; slot < toMs; slot += intervalMs) {
    let start = slot;
    const end = slot + intervalMs;
    for (const p of existing) {
      if (p.toMs <= start || p.fromMs >= end) continue;
      if (p.fromMs > start) missing.push({ fromMs: start, toMs: p.fromMs });
      start = Math.max(start, p.toMs);
      if (start >= end) break;
    }
    if (start < end) missing.push({ fromMs: start, toMs: end });
  }
  return missing;
}

/**
 * Adds the partition [fromMs, toMs) without blocking readers or writers of the table: it is
 * made as a table of its own, given the rows of its range that wait in the default partition
 * (there are none unless a row's id was ahead of the partitions made so far), and attached,
 * which takes only a SHARE UPDATE EXCLUSIVE lock on the table (for a moment the default
 * partition is locked ACCESS EXCLUSIVE, and, for the partition's foreign key, the referenced
 * table SHARE ROW EXCLUSIVE). Run inside a transaction; the caller sets lock_timeout.
 */
export async function createPartition(q: QueryRunner, table: PartitionedTable, fromMs: number, toMs: number): Promise<string> {
  const name = partitionName(table, fromMs);
  const { from, to } = partitionBounds(table, fromMs, toMs);
  await q.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)`);
  await q.query(
    `WITH moved AS (DELETE FROM ${defaultPartitionName(table)} WHERE id >= $1 AND id < $2 RETURNING *)
     INSERT INTO ${name} SELECT * FROM moved`,
    [from, to],
  );
  await q.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
  return name;
}

/** Rows of a partition about to be dropped, for the metrics: the planner's estimate once it has one, counted otherwise. */
export async function partitionRows(q: QueryRunner, name: string, exact: boolean): Promise<number> {
  if (!exact) {
    const estimate = (await q.query(`SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, [name])) as { reltuples: number }[];
    const rows = Number(estimate[0]?.reltuples ?? -1);
    if (rows >= 0) return Math.round(rows);
  }
  const counted = (await q.query(`SELECT count(*)::bigint AS n FROM ${name}`)) as { n: string }[];
  return Number(counted[0]!.n);
}
