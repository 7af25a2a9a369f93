import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DeliveryStatus } from '@switchyard/db';
import { turnJobId } from '@switchyard/events';
import type { EndpointScheduler, EndpointState, TurnJob, WorkQueue } from '@switchyard/scheduler';
import type { DataSource } from 'typeorm';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { ENDPOINT_SCHEDULER, WORK_QUEUE } from '../engine.tokens.js';

/** Advisory lock (two-key form) held by the one replica reconciling at a time: "swyd", "reco". */
const LOCK_KEYS = [0x73777964, 0x7265636f] as const;

/** What one pass did. */
export interface ReconcileReport {
  /** False when another replica held the lock, so this pass did nothing. */
  readonly ran: boolean;
  /** Endpoints with overdue work whose turn was started (no state, idle, or a wake-up lost). */
  readonly woken: number;
  /** Endpoints whose turn was lost (its job gone, or its state expired) and was started afresh. */
  readonly forced: number;
  readonly messages: number;
}

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

/**
 * Rebuilds the work list from PostgreSQL, so losing Redis (or a crash between a commit and its
 * enqueue) loses nothing. Every RECONCILE_INTERVAL_MS, in bounded batches, it looks at the
 * endpoints that have a delivery due for longer than RECONCILE_GRACE_MS (or a sender's lease that
 * ran out) and makes sure each has a live turn: one is started when the scheduler has no state
 * for the endpoint or it is idle; when the state says a turn is coming but its Bull job is gone
 * or the state expired, a new turn replaces it. An endpoint whose turn is merely waiting its place
 * in the ring, or parked by its limits, is left alone. Messages not fanned out RECONCILE_GRACE_MS
 * after they were created are re-enqueued (a fresh job id each RECONCILE_REQUEUE_AFTER_MS while
 * the fan-out queue is idle, so a job wedged in Redis cannot hold one back for good).
 * One replica at a time, by a transaction-scoped advisory lock; the others skip the pass.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** Where the next pass continues its walk over endpoints (the walk wraps around). */
  private cursor = '';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
    @Inject(ENDPOINT_SCHEDULER) private readonly scheduler: EndpointScheduler,
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
        return { ran: false, woken: 0, forced: 0, messages: 0 };
      }
      const grace = this.settings.reconcileGraceMs;
      const limit = this.settings.reconcileBatchSize;
      const walked: { endpoint_id: string; overdue: boolean }[] = await runner.query(ENDPOINTS_WITH_WORK, [this.cursor, grace, limit]);
      this.cursor = walked.length < limit ? '' : walked[walked.length - 1]!.endpoint_id;
      const overdue = walked.filter((r) => r.overdue).map((r) => r.endpoint_id);
      const unfanned: { id: string; age_ms: string }[] = await runner.query(
        `SELECT id, floor(extract(epoch FROM (now() - created_at)) * 1000)::bigint AS age_ms FROM messages
         WHERE fanned_out_at IS NULL AND created_at <= now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY created_at
         LIMIT $2`,
        [grace, limit],
      );
      // Enqueued while holding the lock, so two replicas never race on the same rows.
      const { woken, forced } = await this.restartTurns(overdue);
      if (unfanned.length > 0) {
        // With a backlog waiting, being late is explained by the backlog: no fresh ids then, or a
        // long queue would be doubled. Fresh ids are for work that is late while the queue is idle.
        const backlog = await this.work.fanOutQueue.getWaitingCount();
        const round = (ms: string) => (backlog < limit ? Math.floor(Number(ms) / this.settings.reconcileRequeueAfterMs) : 0);
        await this.work.enqueueFanOut(
          unfanned.map((m) => m.id),
          unfanned.map((m) => round(m.age_ms)),
        );
      }
      await runner.commitTransaction();
      return { ran: true, woken, forced, messages: unfanned.length };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Makes sure each endpoint with overdue work has a live turn coming. */
  private async restartTurns(endpointIds: readonly string[]): Promise<{ woken: number; forced: number }> {
    if (endpointIds.length === 0) return { woken: 0, forced: 0 };
    const states = await this.scheduler.inspect(endpointIds);
    const wake: string[] = [];
    const force: string[] = [];
    const check: EndpointState[] = [];
    for (const state of states) {
      if (state.ring === 'unknown' || state.ring === 'idle') wake.push(state.endpointId);
      else if (state.untilInMs < 0) force.push(state.endpointId);
      else if (state.ring === 'parked' && state.parkedFor === 'time') wake.push(state.endpointId); // due now, parked for later: moves it forward
      else if (state.ring === 'queued' || state.ring === 'parked') check.push(state);
      // running, within its lease: that turn is taking the work now
    }
    // A turn the state promises but Bull no longer holds (a half-lost keyspace, a failed add).
    const present = await Promise.all(check.map((s) => this.work.turns.getJob(turnJobId(s.endpointId, s.epoch, s.gen))));
    check.forEach((s, i) => {
      if (!present[i]) force.push(s.endpointId);
    });
    const jobs: TurnJob[] = [...(await this.scheduler.notify(wake.map((endpointId) => ({ endpointId, delayMs: 0 })))), ...(await this.scheduler.force(force))];
    await this.work.addTurns(jobs);
    return { woken: wake.length, forced: force.length };
  }
}
