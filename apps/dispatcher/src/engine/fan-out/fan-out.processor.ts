import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppTurnJobData } from '@switchyard/events';
import type { Publisher } from '@switchyard/publisher';
import type { EndpointScheduler, WorkQueue } from '@switchyard/scheduler';
import type { Job } from 'bull';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { ENDPOINT_SCHEDULER, PUBLISHER, WORK_QUEUE } from '../common/engine.tokens.js';

/** A fan-out turn that failed (PostgreSQL unreachable) comes back after this long. */
const FAILED_TURN_RETRY_MS = 1_000;

/** What one fan-out turn did. */
export type FanOutOutcome = 'fanned-out' | 'stale' | 'failed';

/**
 * An application's fan-out turn (queue `fan-out`), for messages publishing did not fan out
 * itself (those that route to more than FAN_OUT_INLINE_MAX endpoints, operational webhooks,
 * ingested events for many endpoints). Applications with such messages take turns round robin,
 * one live turn each, so one application's flood of messages does not hold up another's: a turn
 * fans out at most FAN_OUT_BATCH of the application's oldest messages (one statement through the
 * Publisher) and puts the application back at the end of the ring while it has more. A crash
 * before the commit leaves the messages unfanned (the reconciler wakes the application); a crash
 * after it leaves due deliveries (the reconciler wakes their endpoints). Running twice creates
 * nothing twice.
 */
@Injectable()
export class FanOutProcessor {
  private readonly logger = new Logger('FanOut');

  constructor(
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    @Inject(PUBLISHER) private readonly publisher: Publisher,
    @Inject(ENDPOINT_SCHEDULER) private readonly scheduler: EndpointScheduler,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
  ) {}

  /** Bull handler. */
  async process(job: Job<AppTurnJobData>): Promise<FanOutOutcome> {
    const { appId, gen } = job.data;
    if (!(await this.scheduler.beginApp(appId, gen))) return 'stale';
    let more = false;
    let retryInMs: number | undefined;
    try {
      more = (await this.publisher.fanOutApp(appId, this.settings.fanOutBatch)).more;
    } catch (error) {
      retryInMs = FAILED_TURN_RETRY_MS;
      this.logger.warn(`fan-out turn of ${appId} failed (it comes back in ${FAILED_TURN_RETRY_MS} ms): ${(error as Error).message}`);
    }
    const next = await this.scheduler.endApp(appId, gen, more, retryInMs);
    if (next) await this.work.addAppTurns([next]);
    return retryInMs === undefined ? 'fanned-out' : 'failed';
  }
}
