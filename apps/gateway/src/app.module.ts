import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKitModule, createRootLogger, loggingModule, MetricsModule, PublishingModule, ReadinessModule, TracingModule } from '@switchyard/api-kit';
import type { SpanExporter } from '@switchyard/tracing';
import type { Logger } from 'pino';
import { dataSourceOptions } from '@switchyard/db';
import { QueueName } from '@switchyard/events';
import { GATEWAY_SETTINGS, type GatewaySettings } from './config/gateway-settings.js';
import { HealthController } from './health/health.controller.js';
import { IngestModule } from './ingest/ingest.module.js';
import { SourcesModule } from './sources/sources.module.js';

/** What tests may put in beside the settings. */
export interface AppOptions {
  /** Spans go here (synchronously) instead of OTLP, and tracing is on. */
  readonly spanExporter?: SpanExporter;
}

/** The gateway, wired from one validated settings object. */
@Module({})
export class AppModule {
  static forRoot(settings: GatewaySettings, logger: Logger = createRootLogger({ level: settings.logLevel, service: 'gateway' }), options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions({ url: settings.databaseUrl, poolSize: settings.databasePoolSize, applicationName: 'switchyard-gateway' }) }),
        BullModule.forRoot({ redis: settings.redisUrl, prefix: settings.queuePrefix }),
        BullModule.registerQueue({ name: QueueName.FanOut }, { name: QueueName.Turns }),
        ApiKitModule.forRoot({ adminApiKey: settings.adminApiKey, secretEncryptionKey: settings.secretEncryptionKey }),
        loggingModule(logger),
        MetricsModule.forRoot({ service: 'gateway' }),
        TracingModule.forRoot({ settings: settings.tracing, serviceName: 'switchyard-gateway', exporter: options.spanExporter }),
        ReadinessModule.forRoot({ queueName: QueueName.FanOut }),
        PublishingModule.forRoot({
          redisUrl: settings.redisUrl,
          queuePrefix: settings.queuePrefix,
          enqueueTimeoutMs: settings.enqueueTimeoutMs,
          inlineMax: settings.fanOutInlineMax,
          commit: settings.commit,
        }),
        SourcesModule,
        IngestModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: GATEWAY_SETTINGS, useValue: settings }],
      exports: [GATEWAY_SETTINGS, BullModule],
    };
  }
}
