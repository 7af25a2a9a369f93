import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, paginate, type ListQueryDto, type ListResponse } from '@switchyard/api-kit';
import { InboundRequestEntity, prepared, runPrepared } from '@switchyard/db';
import { DataSource } from 'typeorm';

/** A request-log row without its body, and how many body bytes are kept of it. */
export interface LoggedRequest {
  readonly row: InboundRequestEntity;
  readonly storedBytes: number;
}

/** The kept body's length, without reading it (octet_length of a bytea reads only its header). */
const STORED_BYTES = prepared(`SELECT id, octet_length(body) AS n FROM inbound_requests WHERE id = ANY($1)`);

/** Reads a source's request log (the rows are written by the ingest module's RequestLog). */
@Injectable()
export class RequestLogStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A page of a source's requests, without their bodies. */
  async list(sourceId: string, query: ListQueryDto): Promise<ListResponse<LoggedRequest>> {
    const qb = this.dataSource
      .getRepository(InboundRequestEntity)
      .createQueryBuilder('r')
      .select(['r.id', 'r.receivedAt', 'r.method', 'r.url', 'r.headers', 'r.bodySize', 'r.outcome', 'r.reason', 'r.responseStatus', 'r.providerEventId', 'r.dedupKey', 'r.eventId', 'r.messageId'])
      .where('r.source_id = :sourceId', { sourceId });
    const page = await paginate(qb, query, { column: 'r.id', key: (r) => r.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, (r) => r);
    const ids = page.data.map((r) => r.id);
    const stored = new Map<string, number>(
      ids.length === 0 ? [] : (await runPrepared<{ id: string; n: number }>(this.dataSource, STORED_BYTES, [ids])).map((r) => [r.id, Number(r.n)]),
    );
    return { ...page, data: page.data.map((row) => ({ row, storedBytes: stored.get(row.id) ?? row.bodySize })) };
  }

  /** One of a source's requests with its body, or null. */
  find(sourceId: string, requestId: string): Promise<InboundRequestEntity | null> {
    return this.dataSource.manager.findOneBy(InboundRequestEntity, { id: requestId, sourceId });
  }
}
