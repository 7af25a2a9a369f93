import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { deliveryJobId, fanOutJobId, JobName, QueueName, type DeliveryJobData, type FanOutJobData } from '@switchyard/events';
import type { JobOptions, Queue } from 'bull';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../config/dispatcher-settings.js';

/** A delivery job's payload: ids and small counters only; PostgreSQL holds everything else. */
export interface DeliveryJob extends DeliveryJobData {
  /** The delivery's endpoint, so its limits are checked before anything is claimed. */
  readonly endpointId: string;
  /** Times this attempt was already put off because its endpoint had every slot taken. */
  readonly deferrals?: number;
}

/** One delivery attempt to enqueue. */
export interface DeliveryJobSpec {
  readonly deliveryId: string;
  readonly endpointId: string;
  /** The attempt number this job is for (deliveries.attempts + 1). */
  readonly attempt: number;
  /** deliveries.next_attempt_at as written: part of the job id, so a moved due time is a new job. */
  readonly dueAt: Date;
  /** Wait before the job may run, measured from the write (so clocks of different hosts do not matter). */
  readonly delayMs: number;
  readonly deferrals?: number;
  /** Re-enqueue round of a long-overdue delivery (reconciler): a fresh job id per round. */
  readonly round?: number;
}

/** Jobs per addBulk call (one MULTI each). */
const BULK_SIZE = 500;

/** Retries of a job whose processor threw (a database or Redis hiccup); after that the reconciler takes over. */
const JOB_ATTEMPTS = 3;
const JOB_BACKOFF_MS = 1_000;

/**
 * The job id of one attempt of one delivery due at one time. Derived from (delivery, attempt)
 * as packages/events defines it, plus the due time: enqueuing the same due attempt twice (the
 * fan-out and the reconciler, two replicas) is a no-op, while an attempt that was moved (put off
 * by a rate limit, or taken over after its sender's lease ran out) gets a fresh job even if the
 * old one is still stuck in Bull.
 */
export function deliveryJobKey(deliveryId: string, attempt: number, dueAt: Date, round = 0): string {
  const key = `${deliveryJobId(deliveryId, attempt)}@${dueAt.getTime()}`;
  return round > 0 ? `${key}~${round}` : key;
}

/** Bull options of a delivery job: removed when done or failed, so Redis holds only live work. */
export function deliveryJobOptions(spec: DeliveryJobSpec): JobOptions {
  return {
    jobId: deliveryJobKey(spec.deliveryId, spec.attempt, spec.dueAt, spec.round),
    delay: Math.max(0, Math.round(spec.delayMs)),
    attempts: JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/** Bull options of a fan-out job (`round` > 0: the reconciler's fresh id for a long-overdue message). */
export function fanOutJobOptions(messageId: string, round = 0): JobOptions {
  return {
    jobId: round > 0 ? `${fanOutJobId(messageId)}~${round}` : fanOutJobId(messageId),
    attempts: JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

class EnqueueTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnqueueTimeout(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Puts work on the Bull queues. Jobs carry ids only and are written with addBulk, one round trip
 * per batch. Every enqueue follows a commit to PostgreSQL, which is what makes work durable:
 * a job that is never enqueued (Redis down, crash in between) is rebuilt by the reconciler.
 */
@Injectable()
export class DispatchQueue {
  private readonly logger = new Logger(DispatchQueue.name);
  /** Enqueues that failed after a commit (the reconciler caught up on them). */
  enqueueFailures = 0;

  constructor(
    @InjectQueue(QueueName.FanOut) readonly fanOutQueue: Queue<FanOutJobData>,
    @InjectQueue(QueueName.Delivery) readonly deliveryQueue: Queue<DeliveryJob>,
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
  ) {}

  /** Enqueues one fan-out job per message; throws if Redis fails. */
  async enqueueFanOut(messageIds: readonly string[], rounds?: readonly number[]): Promise<void> {
    for (let i = 0; i < messageIds.length; i += BULK_SIZE) {
      const batch = messageIds
        .slice(i, i + BULK_SIZE)
        .map((messageId, j) => ({ name: JobName.FanOut, data: { messageId }, opts: fanOutJobOptions(messageId, rounds?.[i + j] ?? 0) }));
      await withTimeout(this.fanOutQueue.addBulk(batch), this.settings.enqueueTimeoutMs);
    }
  }

  /** Enqueues delivery attempts; throws if Redis fails. */
  async enqueueDeliveries(specs: readonly DeliveryJobSpec[]): Promise<void> {
    for (let i = 0; i < specs.length; i += BULK_SIZE) {
      const batch = specs.slice(i, i + BULK_SIZE).map((spec) => ({
        name: JobName.Deliver,
        data: {
          deliveryId: spec.deliveryId,
          attempt: spec.attempt,
          endpointId: spec.endpointId,
          ...(spec.deferrals ? { deferrals: spec.deferrals } : {}),
        } satisfies DeliveryJob,
        opts: deliveryJobOptions(spec),
      }));
      await withTimeout(this.deliveryQueue.addBulk(batch), this.settings.enqueueTimeoutMs);
    }
  }

  /**
   * Enqueues after a commit, where a Redis failure must not undo or fail the committed work: the
   * failure is logged and the reconciler enqueues the job later. Returns whether it worked.
   */
  async afterCommit(what: string, enqueue: () => Promise<void>): Promise<boolean> {
    try {
      await enqueue();
      return true;
    } catch (error) {
      this.enqueueFailures++;
      this.logger.warn(`could not enqueue ${what} (the reconciler will): ${(error as Error).message}`);
      return false;
    }
  }
}
