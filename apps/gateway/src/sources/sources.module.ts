import { Module } from '@nestjs/common';
import { IngestEndpointsController } from './ingest-endpoints.controller.js';
import { RequestLogController } from './request-log.controller.js';
import { RequestLogStore } from './request-log.store.js';
import { SourceStore } from './source.store.js';
import { SourcesController } from './sources.controller.js';

/** Svix Ingest management: sources, their endpoints, and (our extension) their request log. */
@Module({
  controllers: [SourcesController, IngestEndpointsController, RequestLogController],
  providers: [SourceStore, RequestLogStore],
  exports: [SourceStore, RequestLogStore],
})
export class SourcesModule {}
