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
import {
  appPortalTokenRetention,
  attemptRetention,
  dataSourceOptions,
  deletedApplicationRetention,
  deliveryRetention,
  idempotencyKeyRetention,
  messageRetention,
  payloadRetention,
} from '@switchyard/db';
import type { SpanExporter } from '@switchyard/tracing';
import { QueueName } from '@switchyard/events';
import type { DestinationStream, Logger } from 'pino';
import { DISPATCHER_SETTINGS, schedulerLimits, type DispatcherSettings } from './config/dispatcher-settings.js';
import { ApiModule } from './api/api.module.js';
import { AppPortalTokenAuthority } from './api/auth/app-portal-token.authority.js';
import { EngineModule } from './engine/engine.module.js';

/** Advisory lock of the dispatcher's retention sweep: "swyd", "rtnd". */
const RETENTION_LOCK_KEYS = [0x73777964, 0x72746e64] as const;

/** What tests may put in beside the settings. */
export interface AppOptions {
  /** Spans go here (synchronously) instead of OTLP, and tracing is on. */
  readonly spanExporter?: SpanExporter;
  /** Log lines go here instead of stdout. */
  readonly logDestination?: DestinationStream;
}

/** The dispatcher, wired from one validated settings object. */
@Module({})
export class AppModule {
  static forRoot(settings: DispatcherSettings, logger: Logger = createRootLogger({ level: settings.logLevel, service: 'dispatcher' }), options: AppOptions = {}): DynamicModule {
    const redis = new RedisConnector(settings);
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ url: settings.databaseUrl, poolSize: settings.databasePoolSize, applicationName: 'switchyard-dispatcher' }),
        }),
        BullModule.forRoot({
          ...redis.bullOptions(settings.queuePrefix),
          settings: {
            lockDuration: settings.queueLockDurationMs,
            lockRenewTime: Math.floor(settings.queueLockDurationMs / 2),
            stalledInterval: settings.queueStalledIntervalMs,
          },
        }),
        BullModule.registerQueue({ name: QueueName.FanOut }, { name: QueueName.Turns }),
        ApiKitModule.forRoot({
          adminApiKey: settings.adminApiKey,
          secretEncryptionKeys: settings.secretEncryptionKeys,
          idempotencyTtlMs: settings.idempotencyTtlMs,
          scopedTokenAuthority: AppPortalTokenAuthority,
        }),
        loggingModule(logger),
        MetricsModule.forRoot({ service: 'dispatcher' }),
        AdminListenerModule.forRoot({ host: settings.adminHost, port: settings.adminPort, adminToken: settings.adminApiKey, queueNames: [QueueName.FanOut, QueueName.Turns] }),
        TracingModule.forRoot({ settings: settings.tracing, serviceName: 'switchyard-dispatcher', exporter: options.spanExporter }),
        ReadinessModule.forRoot({ queueName: QueueName.Turns }),
        PublishingModule.forRoot({
          redis,
          queuePrefix: settings.queuePrefix,
          enqueueTimeoutMs: settings.enqueueTimeoutMs,
          inlineMax: settings.fanOutInlineMax,
          commit: settings.commit,
          limits: schedulerLimits(settings),
        }),
        EngineModule,
        ApiModule,
        // Payloads first (they need no deliveries gone), then attempts, finished deliveries, and the
        // messages those leave empty; idempotency keys; deleted applications, a batch at a time; app portal
        // tokens expired (or revoked) longer than PORTAL_TOKEN_RETENTION ago.
        RetentionModule.forRoot({
          lockKeys: RETENTION_LOCK_KEYS,
          sweep: settings.retention,
          tasks: [
            payloadRetention(settings.payloadRetentionMs),
            attemptRetention(settings.attemptRetentionMs, settings.retention.partitions),
            deliveryRetention(settings.attemptRetentionMs),
            messageRetention(settings.attemptRetentionMs),
            idempotencyKeyRetention(),
            deletedApplicationRetention(),
            appPortalTokenRetention(settings.portalTokenRetentionMs),
          ],
        }),
      ],
      controllers: [HealthController],
      providers: [{ provide: DISPATCHER_SETTINGS, useValue: settings }],
      exports: [DISPATCHER_SETTINGS, BullModule],
    };
  }
}
