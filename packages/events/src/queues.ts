/**
 * Queue names. PERSISTED: they are part of every Redis key Bull writes, so renaming one
 * orphans the jobs already queued under the old name.
 */
export enum QueueName {
  /**
   * The ring of applications with messages to fan out (more endpoints than publishing creates
   * inline): at most one live job per application, which fans out a batch of its messages.
   */
  FanOut = 'fan-out',
  // 'delivery' (one job per attempt) was retired with the fair engine: never reuse the name; its
  // leftover jobs are ignored, and the reconciler finds their deliveries in PostgreSQL.
  /**
   * The ring of endpoints with work: at most one live job per endpoint (a "turn"), which takes a
   * batch of that endpoint's due deliveries and puts the endpoint back at the end of the ring.
   */
  Turns = 'turns',
}

/**
 * Whether a key names a Redis Cluster hash tag: a `{` followed, later, by a `}` with something
 * between them (the cluster then hashes only what is inside the first such pair).
 */
export function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  return open >= 0 && key.indexOf('}', open + 1) > open + 1;
}

/**
 * The prefix every Bull key starts with: QUEUE_PREFIX as a hash tag, `{switchyard}`, so that all
 * the keys of a queue share one Redis Cluster slot (each of Bull's scripts touches several of a
 * queue's keys). PERSISTED like the queue names: changing it orphans the jobs queued under the old
 * one (the reconciler rebuilds the work from PostgreSQL; README "Upgrading"). A QUEUE_PREFIX that
 * already holds a hash tag is taken as it is. On a single Redis the braces are only characters.
 */
export function bullKeyPrefix(queuePrefix: string): string {
  return hasHashTag(queuePrefix) ? queuePrefix : `{${queuePrefix}}`;
}

/** Job names within the queues. PERSISTED like the queue names. */
export enum JobName {
  // 'fan-out' (one job per message) and 'deliver' were retired with the fair engine: never reuse them.
  /** An application's fan-out turn (queue `fan-out`). */
  AppTurn = 'app-turn',
  /** An endpoint's delivery turn (queue `turns`). */
  Turn = 'turn',
}

/** Payload of an application's fan-out turn: whose turn, and which generation of its scheduler state (older ones are stale). */
export interface AppTurnJobData {
  readonly appId: string;
  readonly gen: number;
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

/** Job id of an application's fan-out turn (epoch and generation as for endpoint turns). */
export function appTurnJobId(appId: string, epoch: string, gen: number): string {
  return `fo:${appId}:${epoch}:${gen}`;
}

/** Backoff Bull would use if a job were retried (turns are not: the scheduler brings them back). */
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

/** Options of an application's fan-out turn (tried once: the scheduler brings the application back). */
export function appTurnJobOptions(job: { readonly endpointId: string; readonly epoch: string; readonly gen: number; readonly delayMs: number }): QueueJobOptions {
  return { ...turnJobOptions(job), jobId: appTurnJobId(job.endpointId, job.epoch, job.gen) };
}
