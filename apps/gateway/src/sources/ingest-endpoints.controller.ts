import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, EndpointStore, headersView, ListQueryDto, ListResponseOf, unprocessable, type ListResponse } from '@switchyard/api-kit';
import type { EndpointEntity } from '@switchyard/db';
import { IngestEndpointHeadersInDto, IngestEndpointInDto, IngestEndpointSecretInDto, IngestEndpointUpdateDto } from './source.dto.js';
import { ApiIngestEndpointIdParam, ApiSourceIdParam, IngestEndpointHeadersOut, IngestEndpointOut, IngestEndpointSecretOut } from './source.out.js';
import { SourceStore } from './source.store.js';

/** IngestEndpointOut. `throttleRate` is Svix's newer name for `rateLimit`; both are shown. */
function view(endpoint: EndpointEntity): IngestEndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    disabled: endpoint.disabled,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    metadata: endpoint.metadata,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

function rateOf(body: { rateLimit?: number | null; throttleRate?: number | null }): number | null | undefined {
  return body.throttleRate !== undefined ? body.throttleRate : body.rateLimit;
}

/**
 * Svix Ingest: a source's endpoints. They are ordinary endpoints of the source's application,
 * so the dispatcher delivers to them like any other (Standard Webhooks signing, retries, attempts).
 */
@Controller('ingest/api/v1/source/:sourceId/endpoint')
@ApiTags('Ingest Endpoint')
@ApiSourceIdParam()
@ApiErrors(401, 404, 422)
export class IngestEndpointsController {
  constructor(
    private readonly sources: SourceStore,
    private readonly endpoints: EndpointStore,
  ) {}

  private async endpoint(sourceId: string, endpointId: string): Promise<EndpointEntity> {
    const source = await this.sources.find(sourceId);
    return this.endpoints.find(source.appId, endpointId);
  }

  @Get()
  @ApiOperation({ operationId: 'v1.ingest.endpoint.list', summary: 'List Ingest Endpoints', description: 'Newest first unless `order=ascending`.' })
  @ApiOkResponse({ type: ListResponseOf(IngestEndpointOut) })
  async list(@Param('sourceId') sourceId: string, @Query() query: ListQueryDto): Promise<ListResponse<IngestEndpointOut>> {
    const source = await this.sources.find(sourceId);
    return this.endpoints.list(source.appId, query, view);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'v1.ingest.endpoint.create',
    summary: 'Create Ingest Endpoint',
    description: "Every event the source accepts is delivered to it, signed with the endpoint's secret (Standard Webhooks).",
  })
  @ApiCreatedResponse({ type: IngestEndpointOut })
  @ApiErrors(400, 409)
  async create(@Param('sourceId') sourceId: string, @Body() body: IngestEndpointInDto): Promise<IngestEndpointOut> {
    const source = await this.sources.find(sourceId);
    const endpoint = await this.endpoints.create(source.appId, {
      url: body.url,
      uid: body.uid ?? null,
      description: body.description ?? '',
      disabled: body.disabled ?? false,
      rateLimit: rateOf(body) ?? null,
      metadata: body.metadata ?? {},
      secret: body.secret ?? null,
    });
    return view(endpoint);
  }

  @Get(':endpointId')
  @ApiOperation({ operationId: 'v1.ingest.endpoint.get', summary: 'Get Ingest Endpoint' })
  @ApiIngestEndpointIdParam()
  @ApiOkResponse({ type: IngestEndpointOut })
  async get(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string): Promise<IngestEndpointOut> {
    return view(await this.endpoint(sourceId, endpointId));
  }

  @Put(':endpointId')
  @HttpCode(200)
  @ApiOperation({ operationId: 'v1.ingest.endpoint.update', summary: 'Update Ingest Endpoint', description: 'Replaces the endpoint, as Svix: fields left out go back to their defaults.' })
  @ApiIngestEndpointIdParam()
  @ApiOkResponse({ type: IngestEndpointOut })
  @ApiErrors(400, 409)
  async update(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string, @Body() body: IngestEndpointUpdateDto): Promise<IngestEndpointOut> {
    const endpoint = await this.endpoint(sourceId, endpointId);
    // PUT replaces (Svix's IngestEndpointUpdate): what the body leaves out returns to its default.
    const updated = await this.endpoints.update(endpoint, {
      url: body.url,
      uid: body.uid ?? null,
      description: body.description ?? '',
      disabled: body.disabled ?? false,
      rateLimit: rateOf(body) ?? null,
      metadata: body.metadata ?? {},
    });
    return view(updated);
  }

  @Delete(':endpointId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.ingest.endpoint.delete', summary: 'Delete Ingest Endpoint' })
  @ApiIngestEndpointIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string): Promise<void> {
    await this.endpoints.remove(await this.endpoint(sourceId, endpointId));
  }

  @Get(':endpointId/secret')
  @ApiOperation({ operationId: 'v1.ingest.endpoint.get-secret', summary: 'Get Ingest Endpoint Secret' })
  @ApiIngestEndpointIdParam()
  @ApiOkResponse({ type: IngestEndpointSecretOut })
  async getSecret(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string): Promise<IngestEndpointSecretOut> {
    const endpoint = await this.endpoint(sourceId, endpointId);
    return { key: await this.endpoints.currentSecret(endpoint.id) };
  }

  @Post(':endpointId/secret/rotate')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'v1.ingest.endpoint.rotate-secret',
    summary: 'Rotate Ingest Endpoint Secret',
    description: 'The old secret keeps signing alongside the new one for 24 hours.',
  })
  @ApiIngestEndpointIdParam()
  @ApiNoContentResponse({ description: 'Rotated' })
  @ApiErrors(400)
  async rotateSecret(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string, @Body() body: IngestEndpointSecretInDto): Promise<void> {
    const endpoint = await this.endpoint(sourceId, endpointId);
    await this.endpoints.rotateSecret(endpoint.id, { key: body.key ?? null });
  }

  @Get(':endpointId/headers')
  @ApiOperation({ operationId: 'v1.ingest.endpoint.get-headers', summary: 'Get Ingest Endpoint Headers' })
  @ApiIngestEndpointIdParam()
  @ApiOkResponse({ type: IngestEndpointHeadersOut })
  async getHeaders(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string): Promise<IngestEndpointHeadersOut> {
    return headersView((await this.endpoint(sourceId, endpointId)).headers);
  }

  @Put(':endpointId/headers')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.ingest.endpoint.update-headers', summary: 'Update Ingest Endpoint Headers', description: 'Replaces every custom header.' })
  @ApiIngestEndpointIdParam()
  @ApiNoContentResponse({ description: 'Updated' })
  @ApiErrors(400)
  async updateHeaders(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string, @Body() body: IngestEndpointHeadersInDto): Promise<void> {
    const endpoint = await this.endpoint(sourceId, endpointId);
    if (Object.values(body.headers).some((v) => typeof v !== 'string')) throw unprocessable(['body', 'headers'], 'header values must be strings');
    await this.endpoints.replaceHeaders(endpoint, body.headers);
  }
}
