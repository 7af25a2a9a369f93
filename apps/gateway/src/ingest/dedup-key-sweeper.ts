import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PUBLISHER } from '@switchyard/api-kit';
import type { Publisher } from '@switchyard/publisher';

/** How often each gateway replica deletes expired dedup keys; a key outlives DEDUP_WINDOW by at most this. */
const SWEEP_INTERVAL_MS = 3600_000;
/** Keys deleted per statement, so that one sweep never holds a long lock or a long transaction. */
const SWEEP_BATCH = 5_000;

/**
 * Deletes dedup keys older than DEDUP_WINDOW. They no longer decide anything (a request with an
 * expired key takes it over), so this only bounds the table. Replicas may sweep at once: each
 * batch deletes what it finds, and a failed sweep is retried at the next interval.
 */
@Injectable()
export class DedupKeySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DedupKeySweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(@Inject(PUBLISHER) private readonly publisher: Publisher) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.warn(`dedup key sweep failed: ${String(error)}`)), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Deletes every expired key, batch by batch; answers how many. One sweep at a time per replica. */
  sweep(): Promise<number> {
    this.running ??= (async () => {
      let total = 0;
      try {
        for (;;) {
          const deleted = await this.publisher.expireDedupKeys(SWEEP_BATCH);
          total += deleted;
          if (deleted < SWEEP_BATCH) return total;
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
