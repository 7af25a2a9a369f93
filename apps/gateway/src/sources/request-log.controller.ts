import { Controller, Get, Param, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ID_CURSOR, ListQueryDto, notFound, paginate } from '@switchyard/api-kit';
import { InboundRequestEntity } from '@switchyard/db';
import { isId } from '@switchyard/events';
import { DataSource } from 'typeorm';
import { SourceStore } from './source.store.js';

function view(row: InboundRequestEntity) {
  return {
    id: row.id,
    receivedAt: row.receivedAt.toISOString(),
    method: row.method,
    url: row.url,
    headers: row.headers,
    bodySize: row.bodySize,
    outcome: row.outcome,
    reason: row.reason,
    responseStatus: row.responseStatus,
    providerEventId: row.providerEventId,
    eventId: row.eventId,
    messageId: row.messageId,
  };
}

/**
 * Our extension to Svix Ingest: the source's request log, read-only. Every request to the ingest
 * URL is here, accepted or not, with the reason it was refused; one request also shows its body.
 */
@Controller('ingest/api/v1/source/:sourceId/request')
export class RequestLogController {
  constructor(
    private readonly sources: SourceStore,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(@Param('sourceId') sourceId: string, @Query() query: ListQueryDto) {
    const source = await this.sources.find(sourceId);
    const qb = this.dataSource
      .getRepository(InboundRequestEntity)
      .createQueryBuilder('r')
      .select(['r.id', 'r.receivedAt', 'r.method', 'r.url', 'r.headers', 'r.bodySize', 'r.outcome', 'r.reason', 'r.responseStatus', 'r.providerEventId', 'r.eventId', 'r.messageId'])
      .where('r.source_id = :sourceId', { sourceId: source.id });
    return paginate(qb, query, { column: 'r.id', key: (r) => r.id, cursorPattern: ID_CURSOR, defaultOrder: 'descending' }, view);
  }

  @Get(':requestId')
  async get(@Param('sourceId') sourceId: string, @Param('requestId') requestId: string) {
    const source = await this.sources.find(sourceId);
    const row = isId('req', requestId) ? await this.dataSource.manager.findOneBy(InboundRequestEntity, { id: requestId, sourceId: source.id }) : null;
    if (!row) throw notFound('request');
    return { ...view(row), bodyBase64: row.body.toString('base64') };
  }
}
