import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ListQueryDto, ListResponseOf, type ListResponse } from '@switchyard/api-kit';
import type { SourceEntity } from '@switchyard/db';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';
import { configView } from './source-types.js';
import { IngestSourceInDto } from './source.dto.js';
import { ApiSourceIdParam, IngestSourceOut, RotateTokenOut } from './source.out.js';
import { SourceStore } from './source.store.js';

/** Svix Ingest: sources (docs/api.md §6). */
@Controller('ingest/api/v1/source')
@ApiTags('Ingest Source')
@ApiErrors(401, 422)
export class SourcesController {
  constructor(
    private readonly sources: SourceStore,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  /** IngestSourceOut. */
  private view(source: SourceEntity): IngestSourceOut {
    return {
      id: source.id,
      uid: source.uid,
      name: source.name,
      type: source.type,
      config: configView(source.type, this.sources.openConfig(source)),
      ingestUrl: this.ingestUrl(source),
      metadata: source.metadata,
      createdAt: source.createdAt.toISOString(),
      updatedAt: source.updatedAt.toISOString(),
    };
  }

  private ingestUrl(source: SourceEntity): string {
    return `${this.settings.publicUrl}/in/${source.ingestToken}`;
  }

  @Get()
  @ApiOperation({ operationId: 'v1.ingest.source.list', summary: 'List Ingest Sources', description: 'Newest first unless `order=ascending`.' })
  @ApiOkResponse({ type: ListResponseOf(IngestSourceOut) })
  list(@Query() query: ListQueryDto): Promise<ListResponse<IngestSourceOut>> {
    return this.sources.list(query, (s) => this.view(s));
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'v1.ingest.source.create',
    summary: 'Create Ingest Source',
    description: "Creates the source with a fresh ingest URL to give the provider; its config is checked by the type's parser.",
  })
  @ApiCreatedResponse({ type: IngestSourceOut })
  @ApiErrors(400, 409)
  async create(@Body() body: IngestSourceInDto): Promise<IngestSourceOut> {
    return this.view(await this.sources.create(body));
  }

  @Get(':sourceId')
  @ApiOperation({ operationId: 'v1.ingest.source.get', summary: 'Get Ingest Source' })
  @ApiSourceIdParam()
  @ApiOkResponse({ type: IngestSourceOut })
  @ApiErrors(404)
  async get(@Param('sourceId') sourceId: string): Promise<IngestSourceOut> {
    return this.view(await this.sources.find(sourceId));
  }

  @Put(':sourceId')
  @HttpCode(200)
  @ApiOperation({ operationId: 'v1.ingest.source.update', summary: 'Update Ingest Source', description: 'Replaces the name, uid, type, config and metadata; the ingest URL stays.' })
  @ApiSourceIdParam()
  @ApiOkResponse({ type: IngestSourceOut })
  @ApiErrors(400, 404, 409)
  async update(@Param('sourceId') sourceId: string, @Body() body: IngestSourceInDto): Promise<IngestSourceOut> {
    const source = await this.sources.find(sourceId);
    return this.view(await this.sources.update(source, body));
  }

  @Delete(':sourceId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.ingest.source.delete', summary: 'Delete Ingest Source', description: 'Deletes the source with its endpoints and request log; its ingest URL answers 404.' })
  @ApiSourceIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@Param('sourceId') sourceId: string): Promise<void> {
    await this.sources.remove(await this.sources.find(sourceId));
  }

  /** RotateTokenOut: the new ingestUrl; the old token answers 404 from now on. */
  @Post(':sourceId/token/rotate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'v1.ingest.source.rotate-token', summary: 'Rotate Ingest Token', description: 'Gives the source a new ingest URL; the old one answers 404 from now on.' })
  @ApiSourceIdParam()
  @ApiOkResponse({ type: RotateTokenOut })
  @ApiErrors(404)
  async rotateToken(@Param('sourceId') sourceId: string): Promise<RotateTokenOut> {
    const source = await this.sources.rotateToken(await this.sources.find(sourceId));
    return { ingestUrl: this.ingestUrl(source) };
  }
}
