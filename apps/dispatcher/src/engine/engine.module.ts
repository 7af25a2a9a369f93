import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SecretBox } from '@switchyard/db';
import { JobName } from '@switchyard/events';
import type { Queue } from 'bull';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../config/dispatcher-settings.js';
import { DeliveryCommands } from './delivery/delivery-commands.js';
import { DeliveryProcessor, ENDPOINT_LIMITER, ENGINE_SECRET_BOX, WEBHOOK_HTTP_CLIENT } from './delivery/delivery.processor.js';
import { DeliveryMetrics } from './delivery/delivery.metrics.js';
import { DeliveryRepository } from './delivery/delivery.repository.js';
import { EndpointLimiter } from './delivery/endpoint-limiter.js';
import { PreparedSql } from './delivery/prepared-sql.js';
import { WebhookHttpClient } from './delivery/webhook-http-client.js';
import { FanOutProcessor } from './fan-out/fan-out.processor.js';
import { FanOutRepository } from './fan-out/fan-out.repository.js';
import { OperationalWebhooks } from './operational-webhooks/operational-webhooks.js';
import { DispatchQueue } from './queue/dispatch-queue.js';
import { QueueMetrics } from './queue/queue.metrics.js';
import { Reconciler } from './reconciler/reconciler.js';

/** Starts the processors and the reconciler once the app is up; drains them before it closes. */
@Injectable()
class EngineLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Engine');

  constructor(
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    private readonly queue: DispatchQueue,
    private readonly fanOut: FanOutProcessor,
    private readonly delivery: DeliveryProcessor,
    private readonly reconciler: Reconciler,
    @Inject(WEBHOOK_HTTP_CLIENT) private readonly http: WebhookHttpClient,
  ) {}

  onApplicationBootstrap(): void {
    const { fanOutQueue, deliveryQueue } = this.queue;
    for (const queue of [fanOutQueue, deliveryQueue]) {
      queue.on('failed', (job, error) => this.logger.error(`${queue.name} job ${String(job?.id)} failed: ${error.message}`));
      queue.on('error', (error) => this.logger.error(`${queue.name} queue: ${error.message}`));
    }
    // process() resolves only when the queue closes; a rejection means the worker could not start.
    fanOutQueue
      .process(JobName.FanOut, this.settings.fanOutConcurrency, (job) => this.fanOut.process(job))
      .catch((error: unknown) => this.logger.error(`fan-out worker stopped: ${(error as Error | undefined)?.message ?? String(error)}`));
    deliveryQueue
      .process(JobName.Deliver, this.settings.deliveryConcurrency, (job) => this.delivery.process(job))
      .catch((error: unknown) => this.logger.error(`delivery worker stopped: ${(error as Error | undefined)?.message ?? String(error)}`));
    this.reconciler.start();
  }

  /** Stop taking work and let the jobs in progress finish (their attempts get recorded). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
    // Jobs waiting in the process for an endpoint slot are put off now rather than hold the close up.
    this.delivery.slotWaiters.cancelAll();
    await Promise.all([this.queue.fanOutQueue.close(), this.queue.deliveryQueue.close()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}

/**
 * The delivery engine: queues, fan-out and delivery processors, the HTTP client with the
 * private-network guard, the reconciler and operational webhooks. The API uses DeliveryCommands
 * (and OperationalWebhooks.appId()); nothing else is exported.
 */
@Module({
  providers: [
    PreparedSql,
    DispatchQueue,
    DeliveryRepository,
    FanOutRepository,
    OperationalWebhooks,
    DeliveryCommands,
    FanOutProcessor,
    DeliveryProcessor,
    DeliveryMetrics,
    QueueMetrics,
    Reconciler,
    EngineLifecycle,
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
        }),
    },
    {
      provide: ENDPOINT_LIMITER,
      inject: [DispatchQueue, DISPATCHER_SETTINGS],
      useFactory: (queue: DispatchQueue, settings: DispatcherSettings) => new EndpointLimiter(queue.deliveryQueue.client, settings.queuePrefix),
    },
    {
      provide: ENGINE_SECRET_BOX,
      inject: [DISPATCHER_SETTINGS],
      useFactory: (settings: DispatcherSettings) => new SecretBox(settings.secretEncryptionKey),
    },
  ],
  exports: [DeliveryCommands, OperationalWebhooks],
})
export class EngineModule {}
