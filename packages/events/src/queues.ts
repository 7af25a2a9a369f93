/**
 * Queue names. PERSISTED: they are part of every Redis key Bull writes, so renaming one
 * orphans the jobs already queued under the old name.
 */
export enum QueueName {
  /** One job per published message: create a delivery per matching endpoint. */
  FanOut = 'fan-out',
  /** One job per (delivery, attempt): sign and POST. */
  Delivery = 'delivery',
}

/** Job names within the queues. PERSISTED like the queue names. */
export enum JobName {
  FanOut = 'fan-out',
  Deliver = 'deliver',
}

/** Payload of a fan-out job: ids only, the row in PostgreSQL is the truth. */
export interface FanOutJobData {
  readonly messageId: string;
}

/** Payload of a delivery job: which delivery, and which attempt number this job is for. */
export interface DeliveryJobData {
  readonly deliveryId: string;
  readonly attempt: number;
}

/** Job id of a message's fan-out: enqueuing it twice is a no-op while the first is held. */
export function fanOutJobId(messageId: string): string {
  return `fo:${messageId}`;
}

/** Job id of one attempt of one delivery: re-enqueueing the same attempt never doubles work. */
export function deliveryJobId(deliveryId: string, attempt: number): string {
  return `dl:${deliveryId}:${attempt}`;
}
