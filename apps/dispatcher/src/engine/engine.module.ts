import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SecretBox } from '@switchyard/db';
import { JobName } from '@switchyard/events';
import type { WorkQueue } from '@switchyard/scheduler';
import type { Queue } from 'bull';
import { Registry } from 'prom-client';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../config/dispatcher-settings.js';
import { DeliveryCommands } from './commands/delivery-commands.js';
import { DeliveryMetrics } from './delivery/delivery.metrics.js';
import { DeliveryPipeline } from './delivery/delivery.pipeline.js';
import { DeliveryRepository } from './delivery/delivery.repository.js';
import { WebhookHttpClient } from './delivery/webhook-http-client.js';
import { ENGINE_SECRET_BOX, WEBHOOK_HTTP_CLIENT, WORK_QUEUE } from './common/engine.tokens.js';
import { FanOutProcessor } from './fan-out/fan-out.processor.js';
import { OperationalWebhooks } from './operational-webhooks/operational-webhooks.js';
import { OperationalWebhooksRepository } from './operational-webhooks/operational-webhooks.repository.js';
import { PreparedSql } from './common/prepared-sql.js';
import { QueueMetrics } from './queue/queue.metrics.js';
import { Reconciler } from './reconciler/reconciler.js';
import { ReconcilerRepository } from './reconciler/reconciler.repository.js';
import { EndpointRates } from './turns/endpoint-rates.js';
import { EndpointRatesRepository } from './turns/endpoint-rates.repository.js';
import { TurnProcessor } from './turns/turn.processor.js';

/** Starts the processors and the reconciler once the app is up; drains them before it closes. */
@Injectable()
class EngineLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Engine');

  constructor(
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
    private readonly fanOut: FanOutProcessor,
    private readonly turns: TurnProcessor,
    private readonly pipeline: DeliveryPipeline,
    private readonly reconciler: Reconciler,
    @Inject(WEBHOOK_HTTP_CLIENT) private readonly http: WebhookHttpClient,
  ) {}

  onApplicationBootstrap(): void {
    const { fanOutQueue, turns } = this.work;
    for (const queue of [fanOutQueue, turns] as Queue[]) {
      queue.on('failed', (job, error) => this.logger.error(`${queue.name} job ${String(job?.id)} failed: ${error.message}`));
      queue.on('error', (error) => this.logger.error(`${queue.name} queue: ${error.message}`));
    }
    // process() resolves only when the queue closes; a rejection means the worker could not start.
    fanOutQueue
      .process(JobName.AppTurn, this.settings.fanOutConcurrency, (job) => this.fanOut.process(job))
      .catch((error: unknown) => this.logger.error(`fan-out worker stopped: ${(error as Error | undefined)?.message ?? String(error)}`));
    this.work.runNow = (job) => this.turns.runNow(job);
    turns
      .process(JobName.Turn, this.settings.turnConcurrency, (job) => this.turns.process(job))
      .catch((error: unknown) => this.logger.error(`turn worker stopped: ${(error as Error | undefined)?.message ?? String(error)}`));
    this.reconciler.start();
  }

  /** Stop taking work, and let the attempts in flight finish (they get recorded). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
    this.work.runNow = undefined;
    await this.turns.drainDirect();
    await Promise.all([this.work.fanOutQueue.close(), this.work.turns.close()]);
    await this.pipeline.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}

/**
 * The delivery engine: the endpoint scheduler and work queue, the turn and fan-out processors,
 * the delivery pipeline with its HTTP client and private-network guard, the reconciler and
 * operational webhooks. The API uses the Publisher (publishing), DeliveryCommands (resend,
 * recover, send-example), OperationalWebhooks.appId() and the scheduler's read of an endpoint's
 * state (stats); nothing else is exported.
 */
@Module({
  providers: [
    PreparedSql,
    DeliveryRepository,
    OperationalWebhooksRepository,
    ReconcilerRepository,
    EndpointRatesRepository,
    OperationalWebhooks,
    DeliveryCommands,
    FanOutProcessor,
    TurnProcessor,
    DeliveryPipeline,
    EndpointRates,
    QueueMetrics,
    Reconciler,
    EngineLifecycle,
    {
      provide: DeliveryMetrics,
      inject: [Registry, DISPATCHER_SETTINGS],
      useFactory: (registry: Registry, settings: DispatcherSettings) => new DeliveryMetrics(registry, settings.metricsEndpointSeries),
    },
    {
      provide: WEBHOOK_HTTP_CLIENT,
      inject: [DISPATCHER_SETTINGS],
      useFactory: (settings: DispatcherSettings) =>
        new WebhookHttpClient({
          timeoutMs: settings.deliveryTimeoutMs,
          connectTimeoutMs: settings.connectTimeoutMs,
          connectionsPerOrigin: settings.connectionsPerOrigin,
          captureBytes: settings.maxResponseCaptureBytes,
          allowPrivateNetworks: settings.allowPrivateNetworks,
          dns: {
            timeoutMs: settings.dnsTimeoutMs,
            tries: settings.dnsTries,
            cacheMax: settings.dnsCacheMax,
            maxTtlMs: settings.dnsCacheMaxTtlMs,
            errorTtlMs: settings.dnsCacheErrorTtlMs,
            servers: settings.dnsServers,
            systemFallback: settings.dnsSystemFallback,
          },
        }),
    },
    {
      provide: ENGINE_SECRET_BOX,
      inject: [DISPATCHER_SETTINGS],
      useFactory: (settings: DispatcherSettings) => new SecretBox(settings.secretEncryptionKeys),
    },
  ],
  exports: [DeliveryCommands, OperationalWebhooks],
})
export class EngineModule {}
