import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKitModule, createRootLogger, loggingModule, MetricsModule, PublishingModule, ReadinessModule, TracingModule } from '@switchyard/api-kit';
import type { SpanExporter } from '@switchyard/tracing';
import { dataSourceOptions } from '@switchyard/db';
import { QueueName } from '@switchyard/events';
import type { Logger } from 'pino';
import { DISPATCHER_SETTINGS, schedulerLimits, type DispatcherSettings } from './config/dispatcher-settings.js';
import { ApiModule } from './api/api.module.js';
import { EngineModule } from './engine/engine.module.js';
import { HealthController } from './health/health.controller.js';

/** What tests may put in beside the settings. */
export interface AppOptions {
  /** Spans go here (synchronously) instead of OTLP, and tracing is on. */
  readonly spanExporter?: SpanExporter;
}

/** The dispatcher, wired from one validated settings object. */
@Module({})
export class AppModule {
  static forRoot(settings: DispatcherSettings, logger: Logger = createRootLogger({ level: settings.logLevel, service: 'dispatcher' }), options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ url: settings.databaseUrl, poolSize: settings.databasePoolSize, applicationName: 'switchyard-dispatcher' }),
        }),
        BullModule.forRoot({
          redis: settings.redisUrl,
          prefix: settings.queuePrefix,
          settings: {
            lockDuration: settings.queueLockDurationMs,
            lockRenewTime: Math.floor(settings.queueLockDurationMs / 2),
            stalledInterval: settings.queueStalledIntervalMs,
          },
        }),
        BullModule.registerQueue({ name: QueueName.FanOut }, { name: QueueName.Turns }),
        ApiKitModule.forRoot({ adminApiKey: settings.adminApiKey, secretEncryptionKey: settings.secretEncryptionKey }),
        loggingModule(logger),
        MetricsModule.forRoot({ service: 'dispatcher' }),
        TracingModule.forRoot({ settings: settings.tracing, serviceName: 'switchyard-dispatcher', exporter: options.spanExporter }),
        ReadinessModule.forRoot({ queueName: QueueName.Turns }),
        PublishingModule.forRoot({
          redisUrl: settings.redisUrl,
          queuePrefix: settings.queuePrefix,
          enqueueTimeoutMs: settings.enqueueTimeoutMs,
          inlineMax: settings.fanOutInlineMax,
          commit: settings.commit,
          limits: schedulerLimits(settings),
        }),
        EngineModule,
        ApiModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: DISPATCHER_SETTINGS, useValue: settings }],
      exports: [DISPATCHER_SETTINGS, BullModule],
    };
  }
}
