/**
 * Queue names. PERSISTED: they are part of every Redis key Bull writes, so renaming one
 * orphans the jobs already queued under the old name.
 */
export enum QueueName {
  /** One job per published message: create a delivery per matching endpoint. */
  FanOut = 'fan-out',
  // 'delivery' (one job per attempt) was retired with the fair engine: never reuse the name; its
  // leftover jobs are ignored, and the reconciler finds their deliveries in PostgreSQL.
  /**
   * The ring of endpoints with work: at most one live job per endpoint (a "turn"), which takes a
   * batch of that endpoint's due deliveries and puts the endpoint back at the end of the ring.
   */
  Turns = 'turns',
}

/** Job names within the queues. PERSISTED like the queue names. */
export enum JobName {
  FanOut = 'fan-out',
  Turn = 'turn',
}

/** Payload of a fan-out job: ids only, the row in PostgreSQL is the truth. */
export interface FanOutJobData {
  readonly messageId: string;
}

/** Payload of a turn job: whose turn, and which generation of its scheduler state it belongs to (older ones are stale). */
export interface TurnJobData {
  readonly endpointId: string;
  readonly gen: number;
}

/**
 * Job id of an endpoint's turn: the scheduler state's epoch (random, new when the state is
 * created, so a wiped Redis never reuses an id) and generation. Adding it twice is a no-op.
 */
export function turnJobId(endpointId: string, epoch: string, gen: number): string {
  return `t:${endpointId}:${epoch}:${gen}`;
}

/** Job id of a message's fan-out: enqueuing it twice is a no-op while the first is held. */
export function fanOutJobId(messageId: string): string {
  return `fo:${messageId}`;
}

/** Retries of a job whose processor threw (a database or Redis hiccup); after that the reconciler takes over. */
export const JOB_ATTEMPTS = 3;
/** First wait before such a retry (exponential). */
export const JOB_BACKOFF_MS = 1_000;

/** The Bull options both apps give their jobs, as a plain object (this package does not depend on Bull). */
export interface QueueJobOptions {
  readonly jobId: string;
  readonly delay?: number;
  readonly attempts: number;
  readonly backoff: { readonly type: 'exponential'; readonly delay: number };
  /** Jobs are removed when done or failed, so Redis holds only live work. */
  readonly removeOnComplete: true;
  readonly removeOnFail: true;
}

/** Options of a message's fan-out job (`round` > 0: the reconciler's fresh id for a long-overdue message). */
export function fanOutJobOptions(messageId: string, round = 0): QueueJobOptions {
  return {
    jobId: round > 0 ? `${fanOutJobId(messageId)}~${round}` : fanOutJobId(messageId),
    attempts: JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/** Options of a turn job. A failed turn is not retried by Bull: the scheduler brings the endpoint back. */
export function turnJobOptions(job: { readonly endpointId: string; readonly epoch: string; readonly gen: number; readonly delayMs: number }): QueueJobOptions {
  return {
    jobId: turnJobId(job.endpointId, job.epoch, job.gen),
    delay: Math.max(0, Math.round(job.delayMs)),
    attempts: 1,
    backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
    removeOnComplete: true,
    removeOnFail: true,
  };
}
