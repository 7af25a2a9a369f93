import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { prepared, sqlRunner, type InboundOutcome, type SqlRunner } from '@switchyard/db';
import { GroupCommitter, GroupCommitterFullError } from '@switchyard/platform';
import { Counter, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';

/** A request-log row of a request that was not accepted (rejected, handshake, oversized). */
export interface LogRow {
  readonly id: string;
  readonly sourceId: string;
  readonly method: string;
  readonly url: string;
  /** Already redacted. */
  readonly headers: Record<string, string | string[]>;
  /** What is kept of the body: at most REJECTED_BODY_BYTES of it. */
  readonly body: Buffer;
  /** The size of the whole body received. */
  readonly bodySize: number;
  readonly outcome: InboundOutcome;
  readonly reason: string | null;
  readonly responseStatus: number;
}

/** A batch of request-log rows in one statement (one parameter per column, whatever the batch size). */
const LOG_MANY = prepared(
  `INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, reason, response_status)
   SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::jsonb[], $6::bytea[], $7::int[], $8::varchar[], $9::varchar[], $10::int[])`,
);

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

  constructor(@InjectDataSource() dataSource: DataSource, @Inject(GATEWAY_SETTINGS) settings: GatewaySettings, registry: Registry) {
    const sql: SqlRunner = sqlRunner(dataSource);
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
        await sql(LOG_MANY, [
          rows.map((r) => r.id),
          rows.map((r) => r.sourceId),
          rows.map((r) => r.method),
          rows.map((r) => r.url),
          rows.map((r) => JSON.stringify(r.headers)),
          rows.map((r) => r.body),
          rows.map((r) => r.bodySize),
          rows.map((r) => r.outcome),
          rows.map((r) => r.reason),
          rows.map((r) => r.responseStatus),
        ]);
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
