import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, paginate, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import { InboundRequestEntity, prepared, runPrepared, type InboundOutcome } from '@switchyard/db';
import { DataSource } from 'typeorm';

/** A request-log row without its body, and how many body bytes are kept of it. */
export interface LoggedRequest {
  readonly row: InboundRequestEntity;
  readonly storedBytes: number;
}

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

/** The kept body's length, without reading it (octet_length of a bytea reads only its header). */
const STORED_BYTES = prepared(`SELECT id, octet_length(body) AS n FROM inbound_requests WHERE id = ANY($1)`);

/** A source's request log: written by the ingest module's RequestLog (in group-committed batches), read by the API. */
@Injectable()
export class RequestLogStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes a batch of rows in one statement. */
  async insertMany(rows: readonly LogRow[]): Promise<void> {
    await runPrepared(this.dataSource, LOG_MANY, [
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
  }

  /** A page of a source's requests, without their bodies. */
  async list(sourceId: string, query: ListQueryDto): Promise<ListResponse<LoggedRequest>> {
    const qb = this.dataSource
      .getRepository(InboundRequestEntity)
      .createQueryBuilder('r')
      .select(['r.id', 'r.receivedAt', 'r.method', 'r.url', 'r.headers', 'r.bodySize', 'r.outcome', 'r.reason', 'r.responseStatus', 'r.providerEventId', 'r.dedupKey', 'r.eventId', 'r.messageId'])
      .where('r.source_id = :sourceId', { sourceId });
    const page = await paginate(qb, query, { column: 'r.id', key: (r) => r.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, (r) => r);
    const ids = page.data.map((r) => r.id);
    const stored = new Map<string, number>(ids.length === 0 ? [] : (await runPrepared<{ id: string; n: number }>(this.dataSource, STORED_BYTES, [ids])).map((r) => [r.id, Number(r.n)]));
    return { ...page, data: page.data.map((row) => ({ row, storedBytes: stored.get(row.id) ?? row.bodySize })) };
  }

  /** One of a source's requests with its body, or null. */
  find(sourceId: string, requestId: string): Promise<InboundRequestEntity | null> {
    return this.dataSource.manager.findOneBy(InboundRequestEntity, { id: requestId, sourceId });
  }
}
