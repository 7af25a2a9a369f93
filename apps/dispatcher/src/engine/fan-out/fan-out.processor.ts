import { Inject, Injectable } from '@nestjs/common';
import type { FanOutJobData } from '@switchyard/events';
import type { FanOutResult, Publisher } from '@switchyard/publisher';
import type { Job } from 'bull';
import { PUBLISHER } from '../engine.tokens.js';

/**
 * The fan-out processor (queue `fan-out`), for messages publishing did not fan out itself (those
 * that route to more than FAN_OUT_INLINE_MAX endpoints, operational webhooks, ingested events for
 * many endpoints): the publisher routes the message, creates its deliveries and marks it fanned
 * out in one statement, then wakes the endpoints. A crash before the commit leaves the message
 * unfanned (the reconciler re-enqueues it); a crash after it leaves due deliveries (the
 * reconciler wakes their endpoints). Running twice creates nothing twice.
 */
@Injectable()
export class FanOutProcessor {
  constructor(@Inject(PUBLISHER) private readonly publisher: Publisher) {}

  /** Bull handler. */
  process(job: Job<FanOutJobData>): Promise<FanOutResult> {
    return this.publisher.fanOut(job.data.messageId);
  }
}
