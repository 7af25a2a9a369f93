import { idAtTime, IdPrefix } from '@switchyard/events';
import type { DataSource, QueryRunner } from 'typeorm';
import { ApplicationKind } from './entities/application.entity.js';
import { DeliveryStatus } from './entities/delivery.entity.js';
import { createPartition, defaultPartitionName, listPartitions, missingRanges, PARTITIONED_TABLES, partitionRows, type PartitionedTable } from './partitions.js';

/**
 * One kind of row the retention sweep removes. `batch` runs inside a transaction the sweeper
 * opened, removes at most `limit` rows, and answers how many it removed: fewer than `limit`
 * means there is nothing more to do this pass.
 */
export interface RetentionTask {
  /** What the rows are, as the metrics label says it (`messages`, `message_payloads`, `attempts`, …). */
  readonly name: string;
  /** `warn` tells the operator of something skipped that a later pass retries (logged). */
  batch(q: QueryRunner, limit: number, warn: (message: string) => void): Promise<number>;
}

/** How the time-partitioned tables (PARTITIONED_TABLES) are kept: README "Retention". */
export interface PartitionSettings {
  /** PARTITION_INTERVAL: the span of time one partition holds (from a multiple of it since the epoch: `1d` is a UTC day). */
  readonly intervalMs: number;
  /** PARTITION_AHEAD: partitions exist this far ahead of now. */
  readonly aheadMs: number;
  /** PARTITION_LOCK_TIMEOUT: the longest adding or dropping a partition waits for its lock (then it is left to the next pass). */
  readonly lockTimeoutMs: number;
}

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Retention of a time-partitioned, append-only table (attempts, the request log). Each batch,
 * inside the sweeper's lock and transaction:
 * 1. upkeep, under `lock_timeout` = PARTITION_LOCK_TIMEOUT (a partition that cannot get its lock
 *    in time is left to the next pass, with a warning): the DEFAULT partition exists, the
 *    partitions from now to PARTITION_AHEAD exist (createPartition: no lock that stops readers
 *    or writers), and every partition whose whole range is past the retention is dropped (a
 *    moment of ACCESS EXCLUSIVE on the table, no row-by-row delete, no dead rows);
 * 2. rows past the retention are deleted in a bounded batch (DELETE … FOR UPDATE SKIP LOCKED, as
 *    for the other tables) from the default partition only, which holds just the rows no range
 *    covered; or, when the retention is shorter than PARTITION_INTERVAL (where waiting for a
 *    whole partition would keep rows for more than twice their retention), from every partition.
 * So a row is kept at least its retention and at most its retention plus PARTITION_INTERVAL
 * (plus one sweep interval). The rows of a dropped partition are counted from the planner's
 * estimate (exactly when the batched delete has already emptied it).
 */
export function partitionedRetention(table: PartitionedTable, name: string, retentionMs: number, partitions: PartitionSettings): RetentionTask {
  const prefix = PARTITIONED_TABLES[table];
  const rowByRow = retentionMs < partitions.intervalMs;
  const rowsFrom = rowByRow ? table : defaultPartitionName(table);
  return {
    name,
    async batch(q, limit, warn) {
      const now = Date.now();
      const cutoffMs = now - retentionMs;
      let dropped = 0;
      await q.query(`SAVEPOINT partition_upkeep`);
      try {
        await q.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(partitions.lockTimeoutMs))}`);
        const { ranged, hasDefault } = await listPartitions(q, table);
        if (!hasDefault) await q.query(`CREATE TABLE ${defaultPartitionName(table)} PARTITION OF ${table} DEFAULT`);
        for (const gap of missingRanges(ranged, now, now + partitions.aheadMs, partitions.intervalMs)) await createPartition(q, table, gap.fromMs, gap.toMs);
        for (const partition of ranged) {
          if (partition.toMs > cutoffMs) break;
          dropped += await partitionRows(q, partition.name, rowByRow);
          await q.query(`DROP TABLE ${partition.name}`);
        }
        await q.query(`RELEASE SAVEPOINT partition_upkeep`);
      } catch (error) {
        if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
        await q.query(`ROLLBACK TO SAVEPOINT partition_upkeep`);
        dropped = 0;
        warn(`${table}: partitions not added or dropped this pass, their lock was busy for PARTITION_LOCK_TIMEOUT (${partitions.lockTimeoutMs} ms); the next pass tries again`);
      }
      await q.query(`SET LOCAL lock_timeout TO DEFAULT`);
      const deleted = await count(
        q,
        `DELETE FROM ${rowsFrom} WHERE id IN (
           SELECT id FROM ${rowsFrom} WHERE id < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [idAtTime(prefix, new Date(cutoffMs)), limit],
      );
      return dropped + deleted;
    },
  };
}

/** Rows a DELETE (or UPDATE) changed. */
async function count(q: QueryRunner, sql: string, params: unknown[]): Promise<number> {
  // The structured result: a plain query() answers [rows, count] for DELETE and UPDATE.
  const result = await q.query(sql, params, true);
  return result.affected ?? result.records.length;
}

/** Deliveries that still have work: never swept, and their messages keep their payloads. */
const PENDING = `${DeliveryStatus.Pending}, ${DeliveryStatus.Sending}`;
/** Deliveries that are done (whatever the outcome). */
const FINISHED = `${DeliveryStatus.Success}, ${DeliveryStatus.Fail}, ${DeliveryStatus.Canceled}`;

/**
 * Message payloads past their retention (the per-message one, or `defaultMs` after creation) are
 * set to NULL, unless the message still has a delivery with work to do or is not fanned out yet:
 * such a payload is kept until nothing is pending, and goes at the first sweep after that. Two
 * statements in the sweeper's transaction: the candidates are locked first (FOR UPDATE SKIP
 * LOCKED), then emptied if they have no pending delivery in a fresh snapshot. A resend or
 * recover locks the message (FOR SHARE) while it makes a delivery pending and requires the
 * payload, so either it commits first (and this sees its delivery) or it waits and finds none.
 */
export function payloadRetention(defaultMs: number): RetentionTask {
  const candidates = (expiry: 'default' | 'own') => `
    SELECT m.id FROM messages m
    WHERE m.payload IS NOT NULL AND ${expiry === 'default' ? 'm.payload_expires_at IS NULL AND m.created_at <= $2' : 'm.payload_expires_at IS NOT NULL AND m.payload_expires_at <= now()'}
      AND m.fanned_out_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status IN (${PENDING}))
    ORDER BY ${expiry === 'default' ? 'm.created_at' : 'm.payload_expires_at'} LIMIT $1
    FOR UPDATE OF m SKIP LOCKED`;
  const empty = `
    UPDATE messages m SET payload = NULL
    WHERE m.id = ANY($1::varchar[]) AND m.payload IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status IN (${PENDING}))`;
  return {
    name: 'message_payloads',
    async batch(q, limit) {
      const cutoff = new Date(Date.now() - defaultMs);
      const own = (await q.query(candidates('own'), [limit])) as { id: string }[];
      const byDefault = own.length < limit ? ((await q.query(candidates('default'), [limit - own.length, cutoff])) as { id: string }[]) : [];
      const ids = [...own, ...byDefault].map((r) => r.id);
      if (ids.length === 0) return 0;
      const emptied = await count(q, empty, [ids]);
      // Candidates skipped on the re-check still count against the batch, so a pass always ends.
      return ids.length === limit ? limit : emptied;
    },
  };
}

/** Attempts older than `retentionMs`, with their response bodies: see partitionedRetention. */
export function attemptRetention(retentionMs: number, partitions: PartitionSettings): RetentionTask {
  return partitionedRetention('attempts', 'attempts', retentionMs, partitions);
}

/** Finished deliveries (success, fail, canceled) unchanged for `retentionMs`; a pending one is never touched. */
export function deliveryRetention(retentionMs: number): RetentionTask {
  return {
    name: 'deliveries',
    batch: (q, limit) => {
      const cutoff = new Date(Date.now() - retentionMs);
      return count(
        q,
        `DELETE FROM deliveries WHERE id IN (
           SELECT id FROM deliveries WHERE id < $1 AND status IN (${FINISHED}) AND updated_at < $2
           ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)`,
        [idAtTime(IdPrefix.delivery, cutoff), cutoff, limit],
      );
    },
  };
}

/**
 * Messages older than `retentionMs` whose payload is gone and that have no delivery left (the
 * delivery sweep removes finished ones first; a pending one keeps its message).
 */
export function messageRetention(retentionMs: number): RetentionTask {
  return {
    name: 'messages',
    batch: (q, limit) =>
      count(
        q,
        `DELETE FROM messages WHERE id IN (
           SELECT m.id FROM messages m
           WHERE m.id < $1 AND m.payload IS NULL AND m.fanned_out_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id)
           ORDER BY m.id LIMIT $2 FOR UPDATE OF m SKIP LOCKED)`,
        [idAtTime(IdPrefix.message, new Date(Date.now() - retentionMs)), limit],
      ),
  };
}

/** Idempotency keys past their `expires_at` (IDEMPOTENCY_TTL after they were claimed). */
export function idempotencyKeyRetention(): RetentionTask {
  return {
    name: 'idempotency_keys',
    batch: (q, limit) =>
      count(
        q,
        `DELETE FROM idempotency_keys WHERE (scope, key) IN (
           SELECT scope, key FROM idempotency_keys WHERE expires_at < now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
        [limit],
      ),
  };
}

/**
 * App portal tokens expired (or revoked: a revocation brings `expires_at` forward) more than
 * `graceMs` ago. Until then the row lets the API tell an expired link from an unknown one.
 */
export function appPortalTokenRetention(graceMs: number): RetentionTask {
  return {
    name: 'app_portal_tokens',
    batch: (q, limit) =>
      count(
        q,
        `DELETE FROM app_portal_tokens WHERE id IN (
           SELECT id FROM app_portal_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [new Date(Date.now() - graceMs), limit],
      ),
  };
}

/** The gateway's request log (inbound_requests) older than `retentionMs`: see partitionedRetention. */
export function inboundRequestRetention(retentionMs: number, partitions: PartitionSettings): RetentionTask {
  return partitionedRetention('inbound_requests', 'inbound_requests', retentionMs, partitions);
}

/**
 * Applications deleted through the API (kind `deleted`, endpoints already disabled) are taken
 * apart a batch at a time, oldest first: their deliveries (never one in flight under a live
 * lease, whose attempt is about to be recorded), then their messages, then the application row
 * itself, which takes its endpoints, their secrets and anything left with it (cascade).
 * Attempts go with their deliveries (cascade; a delivery has at most its retry schedule's).
 */
export function deletedApplicationRetention(): RetentionTask {
  return {
    name: 'deleted_applications',
    async batch(q, limit) {
      const apps = (await q.query(`SELECT id FROM applications WHERE kind = $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`, [ApplicationKind.Deleted])) as { id: string }[];
      const app = apps[0]?.id;
      if (!app) return 0;
      const deliveries = await count(
        q,
        `DELETE FROM deliveries WHERE id IN (
           SELECT d.id FROM deliveries d WHERE d.endpoint_id IN (SELECT e.id FROM endpoints e WHERE e.app_id = $1)
             AND (d.status <> ${DeliveryStatus.Sending} OR d.next_attempt_at < now())
           LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [app, limit],
      );
      if (deliveries > 0) return deliveries;
      const inFlight = (await q.query(`SELECT 1 FROM deliveries d WHERE d.endpoint_id IN (SELECT e.id FROM endpoints e WHERE e.app_id = $1) LIMIT 1`, [app])) as unknown[];
      if (inFlight.length > 0) return 0; // an attempt in flight: a later pass finishes the job
      const messages = await count(
        q,
        `DELETE FROM messages WHERE id IN (
           SELECT id FROM messages WHERE app_id = $1 ORDER BY app_id, id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [app, limit],
      );
      if (messages > 0) return messages;
      await q.query(`DELETE FROM applications WHERE id = $1 AND kind = $2`, [app, ApplicationKind.Deleted]);
      // One application done; another may be waiting.
      return 1;
    },
  };
}

/** How a sweeper runs. */
export interface RetentionSweeperOptions {
  /** Advisory lock (two-key form) held by the one replica sweeping these tasks at a time. */
  readonly lockKeys: readonly [number, number];
  readonly intervalMs: number;
  /** Rows per statement (RETENTION_BATCH_SIZE): each batch is its own short transaction. */
  readonly batchSize: number;
  /** Batches one task may run per pass, so a pass always ends and the next task gets its turn. */
  readonly maxBatchesPerPass: number;
  readonly tasks: readonly RetentionTask[];
  /** Told how many rows a batch removed, per task (metrics). */
  readonly onRemoved?: (task: string, rows: number) => void;
  /** Told when a pass fails (it is retried at the next interval). */
  readonly onError?: (error: Error) => void;
  /** Told when a task skipped something a later pass retries (a partition whose lock was busy). */
  readonly onWarning?: (message: string) => void;
}

/** What one pass did. */
export interface SweepReport {
  /** False when another replica held the lock, so this pass did nothing. */
  readonly ran: boolean;
  /** Rows removed (or payloads emptied) per task. */
  readonly removed: Record<string, number>;
}

/**
 * Runs the retention tasks every `intervalMs`, in one replica at a time: a session-level
 * advisory lock is held for the whole pass (a crashed holder's connection ends, and the lock with
 * it), and each batch is a short transaction of its own, so no statement holds many row locks
 * for long and other writers never wait on the sweep (FOR UPDATE SKIP LOCKED).
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: RetentionSweeperOptions,
  ) {}

  /** Starts the periodic passes. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops after the batch in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .catch((error: unknown) => this.options.onError?.(error as Error))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.options.intervalMs);
  }

  /** One pass over every task (public for tests and for an operator's "sweep now"). */
  async sweep(): Promise<SweepReport> {
    const removed: Record<string, number> = {};
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const lock = (await runner.query(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [...this.options.lockKeys])) as { locked: boolean }[];
      if (!lock[0]?.locked) return { ran: false, removed };
      try {
        for (const task of this.options.tasks) {
          removed[task.name] = 0;
          for (let n = 0; n < this.options.maxBatchesPerPass; n++) {
            await runner.startTransaction();
            let rows: number;
            try {
              rows = await task.batch(runner, this.options.batchSize, (message) => this.options.onWarning?.(message));
              await runner.commitTransaction();
            } catch (error) {
              await runner.rollbackTransaction().catch(() => undefined);
              throw error;
            }
            removed[task.name]! += rows;
            if (rows > 0) this.options.onRemoved?.(task.name, rows);
            if (rows < this.options.batchSize || this.stopped) break;
          }
          if (this.stopped) break;
        }
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1, $2)`, [...this.options.lockKeys]).catch(() => undefined);
      }
      return { ran: true, removed };
    } finally {
      await runner.release();
    }
  }
}
