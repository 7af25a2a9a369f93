import { Inject, Injectable, Logger } from '@nestjs/common';
import { appTurnJobId, turnJobId } from '@switchyard/events';
import type { EndpointScheduler, EndpointState, TurnJob, WorkQueue } from '@switchyard/scheduler';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { ENDPOINT_SCHEDULER, WORK_QUEUE } from '../common/engine.tokens.js';
import { ReconcilerRepository } from './reconciler.repository.js';

/** What one pass did. */
export interface ReconcileReport {
  /** False when another replica held the lock, so this pass did nothing. */
  readonly ran: boolean;
  /** Endpoints with overdue work whose turn was started (no state, idle, or a wake-up lost). */
  readonly woken: number;
  /** Endpoints whose turn was lost (its job gone, or its state expired) and was started afresh. */
  readonly forced: number;
  /** Applications with messages not fanned out in time whose fan-out turn was started (or restarted). */
  readonly apps: number;
}

/**
 * Rebuilds the work list from PostgreSQL, so losing Redis (or a crash between a commit and its
 * enqueue) loses nothing. Every RECONCILE_INTERVAL_MS, in bounded batches, it looks at the
 * endpoints that have a delivery due for longer than RECONCILE_GRACE_MS (or a sender's lease that
 * ran out) and makes sure each has a live turn: one is started when the scheduler has no state
 * for the endpoint or it is idle; when the state says a turn is coming but its Bull job is gone
 * or the state expired, a new turn replaces it. An endpoint whose turn is merely waiting its place
 * in the ring, or parked by its limits, is left alone. Applications with a message not fanned out
 * RECONCILE_GRACE_MS after it was created get the same care for their fan-out turn.
 * One replica at a time, by a transaction-scoped advisory lock; the others skip the pass.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** Where the next pass continues its walks over endpoints and applications (each wraps around). */
  private cursor = '';
  private appCursor = '';

  constructor(
    private readonly repository: ReconcilerRepository,
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
    const report = await this.repository.whileLocked(async (walks): Promise<ReconcileReport> => {
      const grace = this.settings.reconcileGraceMs;
      const limit = this.settings.reconcileBatchSize;
      const walked = await walks.endpointsWithWork(this.cursor, grace, limit);
      this.cursor = walked.length < limit ? '' : walked[walked.length - 1]!.endpoint_id;
      const overdue = walked.filter((r) => r.overdue).map((r) => r.endpoint_id);
      const apps = await walks.appsWithUnfanned(this.appCursor, grace, limit);
      this.appCursor = apps.length < limit ? '' : apps[apps.length - 1]!.app_id;
      // Turns restarted while holding the lock, so two replicas never race on the same rows.
      const { woken, forced } = await this.restartTurns(overdue, 'endpoint');
      const fanOuts = await this.restartTurns(
        apps.filter((a) => a.overdue).map((a) => a.app_id),
        'app',
      );
      return { ran: true, woken, forced, apps: fanOuts.woken + fanOuts.forced };
    });
    return report ?? { ran: false, woken: 0, forced: 0, apps: 0 };
  }

  /** Makes sure each endpoint (or application) with overdue work has a live turn coming. */
  private async restartTurns(ids: readonly string[], ring: 'endpoint' | 'app'): Promise<{ woken: number; forced: number }> {
    if (ids.length === 0) return { woken: 0, forced: 0 };
    const endpoints = ring === 'endpoint';
    const states = endpoints ? await this.scheduler.inspect(ids) : await this.scheduler.inspectApps(ids);
    const wake: string[] = [];
    const force: string[] = [];
    const check: EndpointState[] = [];
    for (const state of states) {
      if (state.ring === 'unknown' || state.ring === 'idle') wake.push(state.endpointId);
      else if (state.untilInMs < 0) force.push(state.endpointId);
      else if (state.ring === 'parked' && state.parkedFor === 'time')
        wake.push(state.endpointId); // due now, parked for later: moves it forward
      else if (state.ring === 'parked' && state.parkedFor === 'conc')
        continue; // every slot taken: a release wakes it (no job); lost, its park expires
      else if (state.ring === 'queued' || state.ring === 'parked') check.push(state);
      // running, within its lease: that turn is taking the work now
    }
    // A turn the state promises but Bull no longer holds (a half-lost keyspace, a failed add).
    const present = await Promise.all(
      check.map((s) => (endpoints ? this.work.turns.getJob(turnJobId(s.endpointId, s.epoch, s.gen)) : this.work.fanOutQueue.getJob(appTurnJobId(s.endpointId, s.epoch, s.gen)))),
    );
    check.forEach((s, i) => {
      if (!present[i]) force.push(s.endpointId);
    });
    if (endpoints) {
      const jobs: TurnJob[] = [...(await this.scheduler.notify(wake.map((endpointId) => ({ endpointId, delayMs: 0 })))), ...(await this.scheduler.force(force))];
      await this.work.addTurns(jobs);
    } else {
      await this.work.addAppTurns([...(await this.scheduler.notifyApps(wake)), ...(await this.scheduler.forceApps(force))]);
    }
    return { woken: wake.length, forced: force.length };
  }
}
