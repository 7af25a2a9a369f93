import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AdminListenerModule,
  ApiKitModule,
  createRootLogger,
  HealthController,
  loggingModule,
  MetricsModule,
  PublishingModule,
  ReadinessModule,
  RedisConnector,
  RetentionModule,
  TracingModule,
} from '@switchyard/api-kit';
import type { SpanExporter } from '@switchyard/tracing';
import type { DestinationStream, Logger } from 'pino';
import { dataSourceOptions, idempotencyKeyRetention, inboundRequestRetention } from '@switchyard/db';
import { QueueName } from '@switchyard/events';
import { GATEWAY_SETTINGS, type GatewaySettings } from './config/gateway-settings.js';
import { IngestModule } from './ingest/ingest.module.js';
import { SourcesModule } from './sources/sources.module.js';

/** Advisory lock of the gateway's retention sweep: "swyd", "rtng". */
const RETENTION_LOCK_KEYS = [0x73777964, 0x72746e67] as const;

/** What tests may put in beside the settings. */
export interface AppOptions {
  /** Spans go here (synchronously) instead of OTLP, and tracing is on. */
  readonly spanExporter?: SpanExporter;
  /** Log lines go here instead of stdout. */
  readonly logDestination?: DestinationStream;
}

/** The gateway, wired from one validated settings object. */
@Module({})
export class AppModule {
  static forRoot(settings: GatewaySettings, logger: Logger = createRootLogger({ level: settings.logLevel, service: 'gateway' }), options: AppOptions = {}): DynamicModule {
    const redis = new RedisConnector(settings);
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions({ url: settings.databaseUrl, poolSize: settings.databasePoolSize, applicationName: 'switchyard-gateway' }) }),
        BullModule.forRoot(redis.bullOptions(settings.queuePrefix)),
        BullModule.registerQueue({ name: QueueName.FanOut }, { name: QueueName.Turns }),
        ApiKitModule.forRoot({ adminApiKey: settings.adminApiKey, secretEncryptionKeys: settings.secretEncryptionKeys, idempotencyTtlMs: settings.idempotencyTtlMs }),
        loggingModule(logger),
        MetricsModule.forRoot({ service: 'gateway' }),
        AdminListenerModule.forRoot({ host: settings.adminHost, port: settings.adminPort, adminToken: settings.adminApiKey, queueNames: [QueueName.FanOut] }),
        TracingModule.forRoot({ settings: settings.tracing, serviceName: 'switchyard-gateway', exporter: options.spanExporter }),
        ReadinessModule.forRoot({ queueName: QueueName.FanOut }),
        PublishingModule.forRoot({
          redis,
          queuePrefix: settings.queuePrefix,
          enqueueTimeoutMs: settings.enqueueTimeoutMs,
          inlineMax: settings.fanOutInlineMax,
          commit: settings.commit,
          dedupWindowMs: settings.dedupWindowMs,
        }),
        SourcesModule,
        IngestModule,
        // The gateway owns its request log and sweeps it itself, so a gateway without a dispatcher
        // keeps it bounded too; idempotency keys are swept by both apps (SKIP LOCKED keeps them apart).
        RetentionModule.forRoot({
          lockKeys: RETENTION_LOCK_KEYS,
          sweep: settings.retention,
          tasks: [inboundRequestRetention(settings.requestLogRetentionMs, settings.retention.partitions), idempotencyKeyRetention()],
        }),
      ],
      controllers: [HealthController],
      providers: [{ provide: GATEWAY_SETTINGS, useValue: settings }],
      exports: [GATEWAY_SETTINGS, BullModule],
    };
  }
}
