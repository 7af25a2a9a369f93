import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListQueryDto, ListResponseOf, notFound, type ListResponse } from '@switchyard/api-kit';
import type { InboundRequestEntity } from '@switchyard/db';
import { isId } from '@switchyard/events';
import { RequestLogStore } from './request-log.store.js';
import { ApiRequestIdParam, ApiSourceIdParam, IngestRequestDetailOut, IngestRequestOut } from './source.out.js';
import { SourceStore } from './source.store.js';

/** A row without its body (lists), and how many body bytes it keeps. */
function view(row: InboundRequestEntity, storedBytes: number): IngestRequestOut {
  return {
    id: row.id,
    receivedAt: row.receivedAt.toISOString(),
    method: row.method,
    url: row.url,
    headers: row.headers,
    bodySize: row.bodySize,
    bodyTruncated: storedBytes < row.bodySize,
    outcome: row.outcome,
    reason: row.reason,
    responseStatus: row.responseStatus,
    providerEventId: row.providerEventId,
    dedupKey: row.dedupKey,
    eventId: row.eventId,
    messageId: row.messageId,
  };
}

/**
 * Our extension to Svix Ingest: the source's request log, read-only. Every request to the ingest
 * URL is here, accepted or not, with the reason it was refused; one request also shows its body
 * (of a request not accepted, its first REJECTED_BODY_BYTES: `bodyTruncated`, with `bodySize` the whole).
 */
@Controller('ingest/api/v1/source/:sourceId/request')
@ApiTags('Ingest Source')
@ApiSourceIdParam()
@ApiErrors(401, 404, 422)
export class RequestLogController {
  constructor(
    private readonly sources: SourceStore,
    private readonly requests: RequestLogStore,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'v1.ingest.source.list-requests',
    summary: 'List Ingest Requests',
    description: "Switchyard extension: every request to the source's ingest URL, accepted or not, newest first unless `order=ascending`.",
  })
  @ApiOkResponse({ type: ListResponseOf(IngestRequestOut) })
  async list(@Param('sourceId') sourceId: string, @Query() query: ListQueryDto): Promise<ListResponse<IngestRequestOut>> {
    const source = await this.sources.find(sourceId);
    const page = await this.requests.list(source.id, query);
    return { ...page, data: page.data.map((r) => view(r.row, r.storedBytes)) };
  }

  @Get(':requestId')
  @ApiOperation({ operationId: 'v1.ingest.source.get-request', summary: 'Get Ingest Request', description: 'Switchyard extension: one request to the ingest URL, with its body.' })
  @ApiRequestIdParam()
  @ApiOkResponse({ type: IngestRequestDetailOut })
  async get(@Param('sourceId') sourceId: string, @Param('requestId') requestId: string): Promise<IngestRequestDetailOut> {
    const source = await this.sources.find(sourceId);
    const row = isId('req', requestId) ? await this.requests.find(source.id, requestId) : null;
    if (!row) throw notFound('request');
    return { ...view(row, row.body.length), bodyBase64: row.body.toString('base64') };
  }
}
