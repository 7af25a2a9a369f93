import { Inject, Injectable } from '@nestjs/common';
import { DeliveryStatus } from '@switchyard/db';
import { idAtTime, IdPrefix, newId } from '@switchyard/events';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { FanOutRepository, type PublishedMessage } from '../fan-out/fan-out.repository.js';
import { DispatchQueue } from '../queue/dispatch-queue.js';
import { DeliveryRepository } from './delivery.repository.js';

const FOREIGN_KEY_VIOLATION = '23503';
/** The deliveries → endpoints foreign key (PostgreSQL's default name; see the Initial migration). */
const DELIVERY_ENDPOINT_FK = 'deliveries_endpoint_id_fkey';

/** Deliveries `recover` re-queues per statement. */
const RECOVER_BATCH = 1_000;

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
 * The API's only entry into the delivery engine. Every method writes PostgreSQL first (that is
 * what makes the work durable) and then enqueues jobs; if Redis is down the enqueue is logged and
 * the reconciler picks the work up within RECONCILE_INTERVAL_MS + RECONCILE_GRACE_MS, so no method
 * fails because of Redis.
 *
 * Manual triggers follow Svix: a resend or recover is ONE attempt (trigger Manual), not a new
 * retry schedule; if it fails the delivery is `fail` again.
 */
@Injectable()
export class DeliveryCommands {
  constructor(
    private readonly repository: DeliveryRepository,
    private readonly fanOut: FanOutRepository,
    private readonly queue: DispatchQueue,
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
  ) {}

  /**
   * Publishes a message into a customer application (named by id or uid): one statement stores
   * it and, when it routes to at most FAN_OUT_INLINE_MAX endpoints, its deliveries, which are
   * then enqueued; a message for more endpoints goes to the fan-out queue. False when there is no
   * such application. Throws what PostgreSQL throws (a repeated eventId is a unique violation).
   */
  async publish(app: { readonly by: 'id' | 'uid'; readonly value: string }, message: PublishedMessage): Promise<boolean> {
    const inlineMax = this.settings.fanOutInlineMax;
    const ids = Array.from({ length: inlineMax }, () => newId(IdPrefix.delivery));
    let result;
    try {
      result = await this.fanOut.publish(app, message, inlineMax, ids);
    } catch (error) {
      // An endpoint it routed to was deleted while the statement ran: nothing was stored; route again.
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== FOREIGN_KEY_VIOLATION || constraint !== DELIVERY_ENDPOINT_FK) throw error;
      result = await this.fanOut.publish(app, message, inlineMax, ids);
    }
    if (!result.inserted) return false;
    if (result.deliveries === null) {
      await this.published([message.id]);
    } else if (result.deliveries.length > 0) {
      const deliveries = result.deliveries;
      await this.queue.afterCommit('first attempts', () =>
        this.queue.enqueueDeliveries(deliveries.map((d) => ({ deliveryId: d.id, endpointId: d.endpointId, attempt: 1, dueAt: d.dueAt, delayMs: d.delayMs }))),
      );
    }
    return true;
  }

  /**
   * Messages were created: fan them out. Call AFTER the transaction that inserted the message
   * rows has committed (a fan-out job that runs first would find no row and finish). Messages
   * whose fan-out is never enqueued are fanned out by the reconciler; calling this twice for a
   * message is harmless.
   */
  async published(messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.queue.afterCommit('fan-out', () => this.queue.enqueueFanOut(messageIds));
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
    const row = await this.repository.resend(messageId, endpointId);
    if (!row) return undefined;
    if (row.status === DeliveryStatus.Sending) return { deliveryId: row.id, outcome: 'in-flight' };
    await this.queue.afterCommit('a resend', () =>
      this.queue.enqueueDeliveries([{ deliveryId: row.id, endpointId, attempt: row.attempts + 1, dueAt: row.next.dueAt, delayMs: row.next.delayMs }]),
    );
    return { deliveryId: row.id, outcome: row.previousStatus === DeliveryStatus.Pending ? 'brought-forward' : 'queued' };
  }

  /**
   * Re-sends every failed message of the endpoint whose delivery was created in [since, until)
   * (until defaults to now), one Manual attempt each (Svix endpoint.recover). Returns how many
   * deliveries were queued. Work is bounded per statement; the sends themselves are paced by the
   * endpoint's rate limit and in-flight cap.
   */
  async recover(endpointId: string, since: Date, until: Date = new Date()): Promise<number> {
    const fromId = idAtTime(IdPrefix.delivery, since);
    const toId = idAtTime(IdPrefix.delivery, until);
    let afterId = '';
    let total = 0;
    for (;;) {
      const batch = await this.repository.recoverBatch(endpointId, fromId, toId, afterId, RECOVER_BATCH);
      if (batch.length === 0) break;
      total += batch.length;
      afterId = batch.reduce((max, d) => (d.id > max ? d.id : max), afterId);
      await this.queue.afterCommit('recovered deliveries', () =>
        this.queue.enqueueDeliveries(batch.map((d) => ({ deliveryId: d.id, endpointId, attempt: d.attempts + 1, dueAt: d.dueAt, delayMs: 0 }))),
      );
      if (batch.length < RECOVER_BATCH) break;
    }
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
    if (row.created && row.next) {
      const next = row.next;
      await this.queue.afterCommit('a single delivery', () =>
        this.queue.enqueueDeliveries([{ deliveryId: row.id, endpointId, attempt: 1, dueAt: next.dueAt, delayMs: next.delayMs }]),
      );
    }
    return { deliveryId: row.id, created: row.created };
  }
}
