import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ListQueryDto } from '@switchyard/api-kit';
import type { SourceEntity } from '@switchyard/db';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';
import { configView } from './source-types.js';
import { IngestSourceInDto } from './source.dto.js';
import { SourceStore } from './source.store.js';

/** Svix Ingest: sources (CONTRACT §6). */
@Controller('ingest/api/v1/source')
export class SourcesController {
  constructor(
    private readonly sources: SourceStore,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  /** IngestSourceOut. */
  private view(source: SourceEntity) {
    return {
      id: source.id,
      uid: source.uid,
      name: source.name,
      type: source.type,
      config: configView(this.sources.openConfig(source)),
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
  list(@Query() query: ListQueryDto) {
    return this.sources.list(query, (s) => this.view(s));
  }

  @Post()
  @HttpCode(201)
  async create(@Body() body: IngestSourceInDto) {
    return this.view(await this.sources.create(body));
  }

  @Get(':sourceId')
  async get(@Param('sourceId') sourceId: string) {
    return this.view(await this.sources.find(sourceId));
  }

  @Put(':sourceId')
  @HttpCode(200)
  async update(@Param('sourceId') sourceId: string, @Body() body: IngestSourceInDto) {
    const source = await this.sources.find(sourceId);
    return this.view(await this.sources.update(source, body));
  }

  @Delete(':sourceId')
  @HttpCode(204)
  async remove(@Param('sourceId') sourceId: string): Promise<void> {
    await this.sources.remove(await this.sources.find(sourceId));
  }

  /** RotateTokenOut: the new ingestUrl; the old token answers 404 from now on. */
  @Post(':sourceId/token/rotate')
  @HttpCode(200)
  async rotateToken(@Param('sourceId') sourceId: string) {
    const source = await this.sources.rotateToken(await this.sources.find(sourceId));
    return { ingestUrl: this.ingestUrl(source) };
  }
}
