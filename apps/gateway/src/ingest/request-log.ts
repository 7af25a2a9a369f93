import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { GroupCommitter, GroupCommitterFullError } from '@switchyard/platform';
import { Counter, Registry } from 'prom-client';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';
import { RequestLogStore, type LogRow } from '../sources/request-log.store.js';

export type { LogRow };

/** At most one warning this often about rows dropped under overload. */
const DROP_WARNING_MS = 10_000;

/**
 * The log of requests the gateway did not accept. Rows written at the same moment share one
 * statement (the group commit the publisher uses), so a flood of forged or malformed requests
 * costs PostgreSQL one statement per batch, not one per request. Each request is still answered
 * only after its row is committed; when COMMIT_QUEUE_MAX rows are already waiting, the row is
 * dropped (counted in `switchyard_ingress_log_dropped_total`) and the request answered anyway:
 * under such a flood, answering is worth more than a row about a request that changed nothing.
 */
@Injectable()
export class RequestLog implements BeforeApplicationShutdown {
  private readonly logger = new Logger('RequestLog');
  private readonly committer: GroupCommitter<LogRow, void>;
  private readonly dropped: Counter;
  private lastWarning = 0;

  constructor(store: RequestLogStore, @Inject(GATEWAY_SETTINGS) settings: GatewaySettings, registry: Registry) {
    const { commit } = settings;
    this.committer = new GroupCommitter<LogRow, void>({
      maxBatch: commit.batchMax,
      maxBatchBytes: commit.batchBytes,
      maxInFlight: commit.inFlight,
      maxQueue: commit.queueMax,
      size: (row) => 2 * row.body.length,
      // a row PostgreSQL refuses (its data) fails alone
      onBatchError: 'bisect',
      run: async (rows) => {
        await store.insertMany(rows);
        return rows.map(() => undefined);
      },
    });
    this.dropped = new Counter({
      name: 'switchyard_ingress_log_dropped_total',
      help: 'Request-log rows of requests not accepted, dropped because COMMIT_QUEUE_MAX rows were already waiting',
      registers: [registry],
    });
  }

  /** Commits the row (sharing a statement with the rows written meanwhile). */
  async write(row: LogRow): Promise<void> {
    try {
      await this.committer.submit(row);
    } catch (error) {
      if (!(error instanceof GroupCommitterFullError)) throw error;
      this.dropped.inc();
      const now = Date.now();
      if (now - this.lastWarning >= DROP_WARNING_MS) {
        this.lastWarning = now;
        this.logger.warn(`request log overloaded: ${error.message}; rows of requests not accepted are being dropped`);
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.committer.drain();
  }
}
