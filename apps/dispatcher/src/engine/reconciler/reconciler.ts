import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DeliveryStatus } from '@switchyard/db';
import type { DataSource } from 'typeorm';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { DispatchQueue } from '../queue/dispatch-queue.js';

/** Advisory lock (two-key form) held by the one replica reconciling at a time: "swyd", "reco". */
const LOCK_KEYS = [0x73777964, 0x7265636f] as const;

/** What one pass re-enqueued. */
export interface ReconcileReport {
  /** False when another replica held the lock, so this pass did nothing. */
  readonly ran: boolean;
  readonly deliveries: number;
  readonly messages: number;
}

/**
 * Rebuilds the work list from PostgreSQL, so losing Redis (or a crash between a commit and its
 * enqueue) loses nothing. Every RECONCILE_INTERVAL_MS it re-enqueues, in bounded batches:
 * - deliveries due for longer than RECONCILE_GRACE_MS (status Pending), or whose sender's lease
 *   ran out (status Sending): a delivery job's id is derived from (delivery, attempt, due time), so
 *   re-enqueuing one that is still queued is a no-op, and the claim makes a duplicate harmless;
 * - messages not fanned out RECONCILE_GRACE_MS after they were created.
 * Something still overdue RECONCILE_REQUEUE_AFTER_MS later, while the queue has no backlog, gets a
 * job under a fresh id (one per such period), so a job wedged in Redis (a half-lost keyspace leaves
 * job hashes that are in no list; a dead worker's active job waits for Bull's stalled check) cannot
 * hold it back for good.
 * One replica at a time, by a transaction-scoped advisory lock; the others skip the pass.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: DispatchQueue,
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
  ) {}

  /** Starts the periodic passes. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops after the pass in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.reconcile()
        .catch((error: unknown) => this.logger.error(`reconcile pass failed: ${(error as Error).message}`))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.settings.reconcileIntervalMs);
  }

  /** One pass (public for tests and for an operator's "reconcile now"). */
  async reconcile(): Promise<ReconcileReport> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const lock = (await runner.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, [...LOCK_KEYS])) as { locked: boolean }[];
      if (!lock[0]?.locked) {
        await runner.commitTransaction();
        return { ran: false, deliveries: 0, messages: 0 };
      }
      const grace = this.settings.reconcileGraceMs;
      const limit = this.settings.reconcileBatchSize;
      const due: { id: string; endpoint_id: string; attempts: number; next_attempt_at: Date; overdue_ms: string }[] = await runner.query(
        `SELECT id, endpoint_id, attempts, next_attempt_at, floor(extract(epoch FROM (now() - next_attempt_at)) * 1000)::bigint AS overdue_ms FROM deliveries
         WHERE next_attempt_at <= now()
           AND ((status = ${DeliveryStatus.Pending} AND next_attempt_at <= now() - make_interval(secs => $1::double precision / 1000))
                OR status = ${DeliveryStatus.Sending})
         ORDER BY next_attempt_at
         LIMIT $2`,
        [grace, limit],
      );
      const unfanned: { id: string; age_ms: string }[] = await runner.query(
        `SELECT id, floor(extract(epoch FROM (now() - created_at)) * 1000)::bigint AS age_ms FROM messages
         WHERE fanned_out_at IS NULL AND created_at <= now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY created_at
         LIMIT $2`,
        [grace, limit],
      );
      // Enqueued while holding the lock, so two replicas never race on the same rows.
      // With a backlog waiting, being overdue is explained by the backlog: no fresh ids then, or a
      // long queue would be doubled. Fresh ids are for work that is overdue while the queue is idle.
      const [fanOutWaiting, deliveryWaiting] = await Promise.all([this.queue.fanOutQueue.getWaitingCount(), this.queue.deliveryQueue.getWaitingCount()]);
      const rounds = (backlog: number) => (ms: string) => (backlog < limit ? Math.floor(Number(ms) / this.settings.reconcileRequeueAfterMs) : 0);
      const fanOutRound = rounds(fanOutWaiting);
      const deliveryRound = rounds(deliveryWaiting);
      if (unfanned.length > 0) {
        await this.queue.enqueueFanOut(
          unfanned.map((m) => m.id),
          unfanned.map((m) => fanOutRound(m.age_ms)),
        );
      }
      if (due.length > 0) {
        await this.queue.enqueueDeliveries(
          due.map((d) => ({ deliveryId: d.id, endpointId: d.endpoint_id, attempt: d.attempts + 1, dueAt: d.next_attempt_at, delayMs: 0, round: deliveryRound(d.overdue_ms) })),
        );
      }
      await runner.commitTransaction();
      return { ran: true, deliveries: due.length, messages: unfanned.length };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
