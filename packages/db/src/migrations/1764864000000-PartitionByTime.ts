import { idAtTime, timeOfId } from '@switchyard/events';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables, their id prefixes, and what is rebuilt on them (as they stood after Retention1764835200000). */
const TABLES = [
  {
    table: 'attempts',
    prefix: 'atmpt',
    indexes: [`CREATE INDEX attempts_endpoint_id_idx ON attempts (endpoint_id, id)`, `CREATE INDEX attempts_message_id_idx ON attempts (message_id, id)`],
    constraints: [`ALTER TABLE attempts ADD CONSTRAINT attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries (id) ON DELETE CASCADE`],
  },
  {
    table: 'inbound_requests',
    prefix: 'req',
    indexes: [`CREATE INDEX inbound_requests_source_id_idx ON inbound_requests (source_id, id)`],
    constraints: [
      `ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check CHECK (outcome IN ('accepted', 'duplicate', 'rejected', 'handshake'))`,
      `ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_source_id_fkey FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE`,
    ],
  },
] as const;

const DAY_MS = 86_400_000;
/** Days of partitions made ahead here; the retention sweep keeps PARTITION_AHEAD of them from then on. */
const AHEAD_DAYS = 3;

function partitionName(table: string, fromMs: number): string {
  return `${table}_p${new Date(fromMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase()}`;
}

/**
 * The append-only tables `attempts` and `inbound_requests` become range-partitioned by their
 * time-sortable ids (`atmpt_<ULID>`, `req_<ULID>`: a ULID starts with its creation time), one
 * partition per UTC day, plus a DEFAULT partition that takes any row no range covers, so an
 * insert never fails. The primary key (id) includes the partition key, a lookup by id touches
 * one partition, and retention drops whole partitions (README "Retention").
 *
 * - A partition is made for every day that has rows, and for today and the next days; the
 *   retention sweep makes the later ones. Rows are copied with INSERT … SELECT (routed to their
 *   partitions), the old table dropped and the new one renamed; the indexes and constraints are
 *   rebuilt under their old names (after the copy: one sort per partition).
 * - `attempts_delivery_idx (delivery_id, attempt_number)` can no longer be unique (a unique key
 *   of a partitioned table must include the partition key): recording an attempt keeps one row
 *   per number itself (the delivery's row lock and lease, see delivery.repository.ts).
 * - Nothing references either table; their own foreign keys (to deliveries, to sources) stay.
 * Messages are not partitioned: see the README.
 */
export class PartitionByTime1764864000000 implements MigrationInterface {
  name = 'PartitionByTime1764864000000';

  async up(q: QueryRunner): Promise<void> {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    for (const { table, prefix, indexes, constraints } of TABLES) {
      const next = `${table}_partitioned`;
      await q.query(`CREATE TABLE ${next} (LIKE ${table} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION) PARTITION BY RANGE (id)`);
      // One partition per day that has rows (each found with one index probe), then today and ahead.
      const days = new Set<number>();
      let bound = `${prefix}_`;
      for (;;) {
        const rows = (await q.query(`SELECT id FROM ${table} WHERE id >= $1 ORDER BY id LIMIT 1`, [bound])) as { id: string }[];
        const time = rows[0] ? timeOfId(rows[0].id) : null;
        // Past the last id, or at one that is no `<prefix>_<ULID>`: the rest goes to the default partition.
        if (time === null || !rows[0]!.id.startsWith(`${prefix}_`)) break;
        const day = Math.floor(time / DAY_MS) * DAY_MS;
        days.add(day);
        bound = idAtTime(prefix as 'atmpt', new Date(day + DAY_MS));
      }
      for (let d = 0; d <= AHEAD_DAYS; d++) days.add(today + d * DAY_MS);
      for (const day of [...days].sort((a, b) => a - b)) {
        const from = idAtTime(prefix as 'atmpt', new Date(day));
        const to = idAtTime(prefix as 'atmpt', new Date(day + DAY_MS));
        await q.query(`CREATE TABLE ${partitionName(table, day)} PARTITION OF ${next} FOR VALUES FROM ('${from}') TO ('${to}')`);
      }
      await q.query(`CREATE TABLE ${table}_default PARTITION OF ${next} DEFAULT`);
      await q.query(`INSERT INTO ${next} SELECT * FROM ${table}`);
      await q.query(`DROP TABLE ${table}`);
      await q.query(`ALTER TABLE ${next} RENAME TO ${table}`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id)`);
      for (const sql of indexes) await q.query(sql);
      if (table === 'attempts') await q.query(`CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, attempt_number)`);
      for (const sql of constraints) await q.query(sql);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, indexes, constraints } of TABLES) {
      const plain = `${table}_plain`;
      await q.query(`CREATE TABLE ${plain} (LIKE ${table} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)`);
      await q.query(`INSERT INTO ${plain} SELECT * FROM ${table}`);
      await q.query(`DROP TABLE ${table}`); // with its partitions
      await q.query(`ALTER TABLE ${plain} RENAME TO ${table}`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id)`);
      for (const sql of indexes) await q.query(sql);
      if (table === 'attempts') {
        // Two rows of one number (two senders of one attempt, both recorded): the first is kept.
        await q.query(`DELETE FROM attempts a USING attempts b WHERE a.delivery_id = b.delivery_id AND a.attempt_number = b.attempt_number AND a.id > b.id`);
        await q.query(`CREATE UNIQUE INDEX attempts_delivery_idx ON attempts (delivery_id, attempt_number)`);
      }
      for (const sql of constraints) await q.query(sql);
    }
  }
}
