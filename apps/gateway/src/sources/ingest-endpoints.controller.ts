import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { EndpointStore, headersView, ListQueryDto, unprocessable } from '@switchyard/api-kit';
import type { EndpointEntity } from '@switchyard/db';
import { IngestEndpointHeadersInDto, IngestEndpointInDto, IngestEndpointSecretInDto, IngestEndpointUpdateDto } from './source.dto.js';
import { SourceStore } from './source.store.js';

/** IngestEndpointOut. `throttleRate` is Svix's newer name for `rateLimit`; both are shown. */
function view(endpoint: EndpointEntity) {
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
  async list(@Param('sourceId') sourceId: string, @Query() query: ListQueryDto) {
    const source = await this.sources.find(sourceId);
    return this.endpoints.list(source.appId, query, view);
  }

  @Post()
  @HttpCode(201)
  async create(@Param('sourceId') sourceId: string, @Body() body: IngestEndpointInDto) {
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
  async get(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string) {
    return view(await this.endpoint(sourceId, endpointId));
  }

  @Put(':endpointId')
  @HttpCode(200)
  async update(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string, @Body() body: IngestEndpointUpdateDto) {
    const endpoint = await this.endpoint(sourceId, endpointId);
    const updated = await this.endpoints.update(endpoint, {
      url: body.url,
      uid: body.uid === undefined ? undefined : body.uid,
      description: body.description,
      disabled: body.disabled,
      rateLimit: rateOf(body),
      metadata: body.metadata,
    });
    return view(updated);
  }

  @Delete(':endpointId')
  @HttpCode(204)
  async remove(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string): Promise<void> {
    await this.endpoints.remove(await this.endpoint(sourceId, endpointId));
  }

  @Get(':endpointId/secret')
  async getSecret(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string) {
    const endpoint = await this.endpoint(sourceId, endpointId);
    return { key: await this.endpoints.currentSecret(endpoint.id) };
  }

  @Post(':endpointId/secret/rotate')
  @HttpCode(204)
  async rotateSecret(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string, @Body() body: IngestEndpointSecretInDto): Promise<void> {
    const endpoint = await this.endpoint(sourceId, endpointId);
    await this.endpoints.rotateSecret(endpoint.id, { key: body.key ?? null });
  }

  @Get(':endpointId/headers')
  async getHeaders(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string) {
    return headersView((await this.endpoint(sourceId, endpointId)).headers);
  }

  @Put(':endpointId/headers')
  @HttpCode(204)
  async updateHeaders(@Param('sourceId') sourceId: string, @Param('endpointId') endpointId: string, @Body() body: IngestEndpointHeadersInDto): Promise<void> {
    const endpoint = await this.endpoint(sourceId, endpointId);
    if (Object.values(body.headers).some((v) => typeof v !== 'string')) throw unprocessable(['body', 'headers'], 'header values must be strings');
    await this.endpoints.replaceHeaders(endpoint, body.headers);
  }
}
