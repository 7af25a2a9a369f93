import { Inject, Injectable } from '@nestjs/common';
import { DeliveryStatus } from '@switchyard/db';
import { idAtTime, IdPrefix, newId } from '@switchyard/events';
import type { EndpointScheduler, WorkQueue } from '@switchyard/scheduler';
import { DeliveryRepository } from '../delivery/delivery.repository.js';
import { ENDPOINT_SCHEDULER, WORK_QUEUE } from '../common/engine.tokens.js';

/** Deliveries `recover` re-queues per statement. */
const RECOVER_BATCH = 1_000;
/** Messages `replay-missing` looks at, and `expunge-all-contents` expunges, per statement. */
const REPLAY_BATCH = 500;
const EXPUNGE_BATCH = 1_000;

/** What `resend` did. */
export type ResendResult =
  /** A finished delivery (or a new one) gets one Manual attempt now. */
  | { readonly deliveryId: string; readonly outcome: 'queued' }
  /** The delivery was still on its retry schedule: its next (Scheduled) attempt was brought forward to now. */
  | { readonly deliveryId: string; readonly outcome: 'brought-forward' }
  /** An attempt is in flight right now; nothing changed. */
  | { readonly deliveryId: string; readonly outcome: 'in-flight' };

/** What `sendToEndpoint` did. */
export interface SendToEndpointResult {
  readonly deliveryId: string;
  /** False when the message already had a delivery to that endpoint (nothing new was queued). */
  readonly created: boolean;
}

/**
 * The API's entry into the delivery engine for work on existing messages (publishing goes through
 * the Publisher). Every method writes PostgreSQL first (that is what makes the work durable) and
 * then wakes the endpoint; if Redis is down the wake is logged and the reconciler picks the work up
 * within RECONCILE_INTERVAL_MS + RECONCILE_GRACE_MS, so no method fails because of Redis.
 *
 * Manual triggers follow Svix: a resend or recover is ONE attempt (trigger Manual), not a new
 * retry schedule; if it fails the delivery is `fail` again. They are a request to try now: an
 * endpoint whose circuit is open sends its half-open probe at once, and the manual attempts wait
 * for its verdict (sent if it closes the circuit, recorded as not sent if it opens it again).
 */
@Injectable()
export class DeliveryCommands {
  constructor(
    private readonly repository: DeliveryRepository,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
    @Inject(ENDPOINT_SCHEDULER) private readonly scheduler: EndpointScheduler,
  ) {}

  /**
   * A manual attempt is a request to try now: an open circuit sends its probe at once (the attempt
   * waits for its verdict). Asked BEFORE the Manual deliveries are written, so a turn that was told
   * "open" earlier and claims them finds the reset when it checks again (TurnProcessor) and gives
   * them back instead of recording them as not sent. If Redis is down the circuit keeps its time.
   */
  private async probeFirst(what: string, endpointId: string): Promise<void> {
    await this.work.afterCommit(what, async () => {
      await this.scheduler.probeNow(endpointId);
    });
  }

  private async tryNow(what: string, endpointId: string, delayMs: number): Promise<void> {
    await this.work.afterCommit(what, () => this.work.wake([{ endpointId, delayMs }]));
  }

  /**
   * Sends the message to the endpoint once more, now (Svix messageAttempt.resend). Creates the
   * delivery if the message never had one for that endpoint. A finished delivery gets one Manual
   * attempt; a delivery still retrying has its next attempt brought forward (it stays on its
   * schedule); an attempt in flight is left alone. Returns undefined when the message or endpoint
   * does not exist or they belong to different applications. A disabled endpoint gets no attempt
   * (the delivery becomes `fail`).
   */
  async resend(messageId: string, endpointId: string): Promise<ResendResult | undefined> {
    await this.probeFirst('a probe for a resend', endpointId);
    const row = await this.repository.resend(messageId, endpointId);
    if (!row) return undefined;
    if (row.status === DeliveryStatus.Sending) return { deliveryId: row.id, outcome: 'in-flight' };
    await this.tryNow('a resend', endpointId, row.delayMs);
    return { deliveryId: row.id, outcome: row.previousStatus === DeliveryStatus.Pending ? 'brought-forward' : 'queued' };
  }

  /**
   * Re-sends every failed message of the endpoint whose delivery was created in [since, until)
   * (until defaults to now), one Manual attempt each (Svix endpoint.recover). Returns how many
   * deliveries were made due. Work is bounded per statement; the sends themselves are paced by
   * the endpoint's turns and limits.
   */
  async recover(endpointId: string, since: Date, until: Date = new Date()): Promise<number> {
    const fromId = idAtTime(IdPrefix.delivery, since);
    const toId = idAtTime(IdPrefix.delivery, until);
    let afterId = '';
    let total = 0;
    await this.probeFirst('a probe for a recover', endpointId);
    for (;;) {
      const batch = await this.repository.recoverBatch(endpointId, fromId, toId, afterId, RECOVER_BATCH);
      if (batch.length === 0) break;
      total += batch.length;
      afterId = batch.reduce((max, d) => (d.id > max ? d.id : max), afterId);
      if (batch.length < RECOVER_BATCH) break;
    }
    if (total > 0) await this.tryNow('recovered deliveries', endpointId, 0);
    return total;
  }

  /**
   * Delivers a message to exactly one endpoint (send-example): creates that one delivery
   * (Scheduled, with the normal retry schedule) and marks the message fanned out so no other
   * endpoint gets it. Returns undefined when the message or endpoint does not exist or they
   * belong to different applications.
   */
  async sendToEndpoint(messageId: string, endpointId: string): Promise<SendToEndpointResult | undefined> {
    const row = await this.repository.createSingle(messageId, endpointId);
    if (!row) return undefined;
    if (row.created) await this.work.afterCommit('a single delivery', () => this.work.wake([{ endpointId, delayMs: row.delayMs }]));
    return { deliveryId: row.id, created: row.created };
  }

  /**
   * Sends the endpoint every message of its application created in [since, until) that routes to
   * it and that it never had a delivery for (Svix endpoint.replayMissing): one Manual attempt
   * each, as recover. Expunged messages are left out. Returns how many deliveries were created.
   */
  async replayMissing(endpointId: string, since: Date, until: Date = new Date()): Promise<number> {
    const fromId = idAtTime(IdPrefix.message, since);
    const toId = idAtTime(IdPrefix.message, until);
    let afterId = '';
    let total = 0;
    await this.probeFirst('a probe for a replay', endpointId);
    for (;;) {
      const ids = Array.from({ length: REPLAY_BATCH }, () => newId(IdPrefix.delivery));
      const batch = await this.repository.replayMissingBatch(endpointId, fromId, toId, afterId, ids);
      total += batch.created;
      if (batch.lastId === null) break;
      afterId = batch.lastId;
    }
    if (total > 0) await this.tryNow('replayed deliveries', endpointId, 0);
    return total;
  }

  /**
   * Expunges the payloads of the application's messages among `messageIds`; their deliveries not
   * yet sent fail at once as `payload_expunged` (their endpoints are woken for it). Returns the
   * ids that were found.
   */
  async expunge(appId: string, messageIds: readonly string[]): Promise<string[]> {
    const { ids, endpointIds } = await this.repository.expungeMessages(appId, messageIds);
    if (endpointIds.length > 0) {
      await this.work.afterCommit('expunged deliveries', () => this.work.wake(endpointIds.map((endpointId) => ({ endpointId, delayMs: 0 }))));
    }
    return ids;
  }

  /** Expunges the payload of every message of the application, in bounded batches. Returns how many had one. */
  async expungeAll(appId: string): Promise<number> {
    let afterId = '';
    let total = 0;
    for (;;) {
      const ids = await this.repository.messagesWithPayload(appId, afterId, EXPUNGE_BATCH);
      if (ids.length === 0) break;
      total += (await this.expunge(appId, ids)).length;
      afterId = ids[ids.length - 1]!;
      if (ids.length < EXPUNGE_BATCH) break;
    }
    return total;
  }

  /** Removes the response body of one attempt of the message. False when there is no such attempt. */
  expungeAttempt(messageId: string, attemptId: string): Promise<boolean> {
    return this.repository.expungeAttempt(messageId, attemptId);
  }
}
