import { appTurnJobOptions, JobName, turnJobOptions, type AppTurnJobData, type TurnJobData } from '@switchyard/events';
import { GroupCommitter } from '@switchyard/platform';
import type { Queue } from 'bull';
import type { EndpointScheduler, TurnJob } from './endpoint-scheduler.js';

/** Jobs per addBulk call (one MULTI each). */
const BULK_SIZE = 500;
/** Endpoints notified per scheduler round. */
const WAKE_BATCH = 1_000;

export interface WorkQueueOptions {
  /** The ring of endpoint turns (queue `turns`). */
  readonly turns: Queue<TurnJobData>;
  /** The ring of applications with messages to fan out (queue `fan-out`). */
  readonly fanOut: Queue<AppTurnJobData>;
  readonly scheduler: EndpointScheduler;
  /** Longest an enqueue waits on Redis before giving up (the reconciler then catches up). */
  readonly enqueueTimeoutMs: number;
  readonly warn?: (message: string) => void;
}

/** Redis did not answer in time. */
export class EnqueueTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnqueueTimeoutError(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Puts work on the queues, after a commit to PostgreSQL (which is what makes work durable; a
 * job that is never added is rebuilt by the dispatcher's reconciler). Neither deliveries nor
 * messages are jobs: `wake` tells the scheduler that an endpoint has work due and adds that
 * endpoint's turn job if none is coming; `wakeApps` does the same for an application with
 * messages to fan out. Wakes from concurrent callers share scheduler round trips.
 */
export class WorkQueue {
  /** Enqueues that failed after a commit (the reconciler catches up on them). */
  failures = 0;
  /**
   * Runs a turn in this process instead of queueing its job, when it can (a dispatcher sets it):
   * for an endpoint that had no work and now has some due, so a sparse sender's message does not
   * wait for a queue round trip, like the new flows of fair queueing. Answers whether it took the
   * turn. Only `wake` uses it: turns of busy endpoints always go round the ring.
   */
  runNow: ((job: TurnJob) => boolean) | undefined;
  private readonly waker: GroupCommitter<{ endpointId: string; delayMs: number }, void>;
  private readonly appWaker: GroupCommitter<string, void>;

  constructor(private readonly options: WorkQueueOptions) {
    this.waker = new GroupCommitter({
      maxBatch: WAKE_BATCH,
      run: async (items) => {
        const jobs = await this.options.scheduler.notify(items);
        const runNow = this.runNow;
        await this.addTurns(runNow ? jobs.filter((job) => !(job.delayMs === 0 && runNow(job))) : jobs);
        return items.map(() => undefined);
      },
    });
    this.appWaker = new GroupCommitter({
      maxBatch: WAKE_BATCH,
      run: async (appIds) => {
        await this.addAppTurns(await this.options.scheduler.notifyApps([...new Set(appIds)]));
        return appIds.map(() => undefined);
      },
    });
  }

  get turns(): Queue<TurnJobData> {
    return this.options.turns;
  }

  get fanOutQueue(): Queue<AppTurnJobData> {
    return this.options.fanOut;
  }

  /** These endpoints have work due after `delayMs` (0: now): make sure a turn comes by then. Throws if Redis fails. */
  async wake(items: readonly { readonly endpointId: string; readonly delayMs: number }[]): Promise<void> {
    if (items.length === 0) return;
    await withTimeout(Promise.all(items.map((item) => this.waker.submit({ endpointId: item.endpointId, delayMs: item.delayMs }))), this.options.enqueueTimeoutMs);
  }

  /** This process runs short of deliveries for endpoints whose slots it hands on: their turns come now (see EndpointScheduler.refill). */
  async refill(endpointIds: readonly string[]): Promise<void> {
    if (endpointIds.length === 0) return;
    await this.addTurns(await withTimeout(this.options.scheduler.refill(endpointIds), this.options.enqueueTimeoutMs));
  }

  /** Adds turn jobs the scheduler asked for. Throws if Redis fails. */
  async addTurns(all: readonly TurnJob[]): Promise<void> {
    // An endpoint parked because every slot is taken is woken by the release that frees one.
    const jobs = all.filter((job) => job.why !== 'conc');
    for (let i = 0; i < jobs.length; i += BULK_SIZE) {
      const batch = jobs.slice(i, i + BULK_SIZE).map((job) => ({
        name: JobName.Turn,
        data: { endpointId: job.endpointId, gen: job.gen } satisfies TurnJobData,
        opts: turnJobOptions(job),
      }));
      await withTimeout(this.options.turns.addBulk(batch), this.options.enqueueTimeoutMs);
    }
  }

  /** These applications have messages to fan out: make sure a fan-out turn comes. Throws if Redis fails. */
  async wakeApps(appIds: readonly string[]): Promise<void> {
    if (appIds.length === 0) return;
    await withTimeout(Promise.all(appIds.map((appId) => this.appWaker.submit(appId))), this.options.enqueueTimeoutMs);
  }

  /** Adds fan-out turn jobs the scheduler asked for. Throws if Redis fails. */
  async addAppTurns(jobs: readonly TurnJob[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += BULK_SIZE) {
      const batch = jobs.slice(i, i + BULK_SIZE).map((job) => ({
        name: JobName.AppTurn,
        data: { appId: job.endpointId, gen: job.gen } satisfies AppTurnJobData,
        opts: appTurnJobOptions(job),
      }));
      await withTimeout(this.options.fanOut.addBulk(batch), this.options.enqueueTimeoutMs);
    }
  }

  /**
   * Runs an enqueue that follows a commit, where a Redis failure must not undo or fail the
   * committed work: the failure is counted and logged, and the reconciler does it later.
   */
  async afterCommit(what: string, enqueue: () => Promise<void>): Promise<boolean> {
    try {
      await enqueue();
      return true;
    } catch (error) {
      this.failures++;
      this.options.warn?.(`could not enqueue ${what} (the reconciler will): ${(error as Error).message}`);
      return false;
    }
  }

  /** Resolves once no wake is waiting or running (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([this.waker.drain(), this.appWaker.drain()]);
  }
}
