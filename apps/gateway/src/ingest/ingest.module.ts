import { Module } from '@nestjs/common';
import { SourcesModule } from '../sources/sources.module.js';
import { DedupKeySweeper } from './dedup-key-sweeper.js';
import { IngressMetrics } from './ingress.metrics.js';
import { IngressService } from './ingress.service.js';
import { RequestLog } from './request-log.js';

/** Ingress at `/in/:token`; its route is a Fastify plugin that bootstrap registers (raw bytes). */
@Module({
  imports: [SourcesModule],
  providers: [IngressService, IngressMetrics, RequestLog, DedupKeySweeper],
  exports: [IngressService, DedupKeySweeper],
})
export class IngestModule {}
