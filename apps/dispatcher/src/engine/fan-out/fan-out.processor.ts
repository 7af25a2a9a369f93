import { Injectable } from '@nestjs/common';
import { IdPrefix, newId, type FanOutJobData } from '@switchyard/events';
import type { Job } from 'bull';
import { DispatchQueue } from '../queue/dispatch-queue.js';
import { FanOutRepository, type NewDelivery } from './fan-out.repository.js';

/** What became of one fan-out job. */
export type FanOutOutcome = 'fanned-out' | 'already-fanned-out' | 'message-gone';

/**
 * The fan-out processor (queue `fan-out`), for messages publishing did not fan out itself (those
 * that route to more than FAN_OUT_INLINE_MAX endpoints, operational webhooks, ingested events):
 * route a message to its application's enabled endpoints (in SQL: routesToEndpointSql in @switchyard/db), create
 * the deliveries and mark the message fanned out in one statement, then enqueue the first
 * attempts. A crash before the commit leaves the message unfanned (the
 * reconciler re-enqueues it); a crash after it leaves due deliveries (the reconciler enqueues
 * them). Running twice creates nothing twice (ON CONFLICT DO NOTHING, job ids).
 */
@Injectable()
export class FanOutProcessor {
  constructor(
    private readonly repository: FanOutRepository,
    private readonly queue: DispatchQueue,
  ) {}

  /** Bull handler. */
  async process(job: Job<FanOutJobData>): Promise<FanOutOutcome> {
    const { messageId } = job.data;
    const loaded = await this.repository.load(messageId);
    if (!loaded) return 'message-gone';
    const { message, endpointIds } = loaded;

    let created: NewDelivery[];
    if (message.fannedOut) {
      created = await this.repository.waitingFirstAttempts(messageId);
    } else {
      const targets = endpointIds.map((endpointId) => ({ id: newId(IdPrefix.delivery), endpointId }));
      created = await this.repository.createDeliveries(messageId, targets);
    }
    if (created.length > 0) {
      await this.queue.afterCommit('first attempts', () =>
        this.queue.enqueueDeliveries(created.map((d) => ({ deliveryId: d.id, endpointId: d.endpointId, attempt: 1, dueAt: d.dueAt, delayMs: d.delayMs }))),
      );
    }
    return message.fannedOut ? 'already-fanned-out' : 'fanned-out';
  }
}
