import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { deliveryJobKey, deliveryJobOptions, fanOutJobOptions, JobName, QueueName, type DeliveryJobData, type FanOutJobData } from '@switchyard/events';
import type { Queue } from 'bull';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';

/** A delivery job's payload: ids and small counters only; PostgreSQL holds everything else. */
export interface DeliveryJob extends DeliveryJobData {
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

// Job ids and options are shared with the gateway, which enqueues too: @switchyard/events.
export { deliveryJobKey, deliveryJobOptions, fanOutJobOptions };

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
