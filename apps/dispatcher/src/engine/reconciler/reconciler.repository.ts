import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DeliveryStatus } from '@switchyard/db';
import type { DataSource, QueryRunner } from 'typeorm';

/** Advisory lock (two-key form) held by the one replica reconciling at a time: "swyd", "reco". */
const LOCK_KEYS = [0x73777964, 0x7265636f] as const;

/**
 * Endpoints that have deliveries still to send (Pending, or Sending under a lease), one row each
 * with its earliest due time, in endpoint order after $1: a loose index scan of
 * deliveries_endpoint_due_idx (PostgreSQL 15 has no skip scan), so a pass costs one index probe
 * per endpoint, however long the backlogs are.
 */
const ENDPOINTS_WITH_WORK = `
  WITH RECURSIVE r AS (
    (SELECT d.endpoint_id, d.next_attempt_at FROM deliveries d
     WHERE d.status IN (${DeliveryStatus.Pending}, ${DeliveryStatus.Sending}) AND d.endpoint_id > $1
     ORDER BY d.endpoint_id, d.next_attempt_at LIMIT 1)
    UNION ALL
    SELECT n.endpoint_id, n.next_attempt_at FROM r
    CROSS JOIN LATERAL (
      SELECT d.endpoint_id, d.next_attempt_at FROM deliveries d
      WHERE d.status IN (${DeliveryStatus.Pending}, ${DeliveryStatus.Sending}) AND d.endpoint_id > r.endpoint_id
      ORDER BY d.endpoint_id, d.next_attempt_at LIMIT 1) n)
  SELECT endpoint_id, next_attempt_at <= now() - make_interval(secs => $2::double precision / 1000) AS overdue FROM r LIMIT $3`;

/** The same walk over applications with messages not fanned out (messages_app_unfanned_idx). */
const APPS_WITH_UNFANNED = `
  WITH RECURSIVE r AS (
    (SELECT m.app_id, m.created_at FROM messages m
     WHERE m.fanned_out_at IS NULL AND m.app_id > $1
     ORDER BY m.app_id, m.created_at LIMIT 1)
    UNION ALL
    SELECT n.app_id, n.created_at FROM r
    CROSS JOIN LATERAL (
      SELECT m.app_id, m.created_at FROM messages m
      WHERE m.fanned_out_at IS NULL AND m.app_id > r.app_id
      ORDER BY m.app_id, m.created_at LIMIT 1) n)
  SELECT app_id, created_at <= now() - make_interval(secs => $2::double precision / 1000) AS overdue FROM r LIMIT $3`;

/** The walks a reconcile pass makes, inside its locked transaction: rows after a cursor, overdue by more than `graceMs`. */
export interface ReconcileWalks {
  endpointsWithWork(after: string, graceMs: number, limit: number): Promise<{ endpoint_id: string; overdue: boolean }[]>;
  appsWithUnfanned(after: string, graceMs: number, limit: number): Promise<{ app_id: string; overdue: boolean }[]>;
}

/** The reconciler's statements (CONTRIBUTING.md, "Reach the database"). */
@Injectable()
export class ReconcilerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `pass` in one transaction holding the reconcile advisory lock, so one replica at a time
   * reconciles; answers null, without running it, when another replica holds the lock.
   */
  async whileLocked<T>(pass: (walks: ReconcileWalks) => Promise<T>): Promise<T | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const lock = (await runner.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, [...LOCK_KEYS])) as { locked: boolean }[];
      if (!lock[0]?.locked) {
        await runner.commitTransaction();
        return null;
      }
      const result = await pass(walksOn(runner));
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}

function walksOn(runner: QueryRunner): ReconcileWalks {
  return {
    endpointsWithWork: (after, graceMs, limit) => runner.query(ENDPOINTS_WITH_WORK, [after, graceMs, limit]),
    appsWithUnfanned: (after, graceMs, limit) => runner.query(APPS_WITH_UNFANNED, [after, graceMs, limit]),
  };
}
