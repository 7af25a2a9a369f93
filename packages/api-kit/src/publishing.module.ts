import { getQueueToken } from '@nestjs/bull';
import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { sqlRunner } from '@switchyard/db';
import { QueueName, type AppTurnJobData, type TurnJobData } from '@switchyard/events';
import type { CommitSettings } from '@switchyard/platform';
import { Publisher, type CommitObservation } from '@switchyard/publisher';
import { EndpointScheduler, WorkQueue, type SchedulerLimits } from '@switchyard/scheduler';
import type { Queue } from 'bull';
import { Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { RedisClient, RedisConnector } from './redis-connector.js';

/** The ioredis client (a Cluster on a Redis Cluster) the scheduler's scripts run on (auto-pipelined; not one of Bull's). */
export const SCHEDULER_REDIS = Symbol('SCHEDULER_REDIS');
/** @switchyard/scheduler's EndpointScheduler. */
export const ENDPOINT_SCHEDULER = Symbol('ENDPOINT_SCHEDULER');
/** @switchyard/scheduler's WorkQueue (turns and fan-out jobs). */
export const WORK_QUEUE = Symbol('WORK_QUEUE');
/** The app's RedisConnector (closed after the queues). */
const REDIS_CONNECTOR = Symbol('REDIS_CONNECTOR');
/** @switchyard/publisher's Publisher. */
export const PUBLISHER = Symbol('PUBLISHER');

export interface PublishingOptions {
  /** The app's Redis connections (the one its BullModule.forRoot was given). */
  readonly redis: RedisConnector;
  readonly queuePrefix: string;
  /** Longest an enqueue after a commit waits on Redis (ENQUEUE_TIMEOUT_MS); the reconciler catches up after that. */
  readonly enqueueTimeoutMs: number;
  /** FAN_OUT_INLINE_MAX. */
  readonly inlineMax: number;
  /** The scheduler's limits (the dispatcher's settings; a publisher that only notifies needs none). */
  readonly limits?: Partial<SchedulerLimits>;
  /** COMMIT_*: how concurrent publishes share statements. */
  readonly commit: CommitSettings;
  /** DEDUP_WINDOW (the gateway's): how long an accepted inbound request's dedup key makes a repeat a duplicate. */
  readonly dedupWindowMs?: number;
}

/** Prometheus series of the publisher's group commit: rows per statement, time queued, statement time. */
function commitMetrics(registry: Registry): (o: CommitObservation) => void {
  const size = new Histogram({
    name: 'switchyard_commit_batch_size',
    help: 'Publishes committed per statement (kind: messages from the API, inbound webhooks)',
    labelNames: ['kind'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const wait = new Histogram({
    name: 'switchyard_commit_wait_seconds',
    help: "Time a batch's oldest publish waited for its statement",
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const statement = new Histogram({
    name: 'switchyard_commit_statement_seconds',
    help: 'Time of one group-commit statement, by outcome (ok, error)',
    labelNames: ['kind', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return (o) => {
    size.observe({ kind: o.kind }, o.size);
    wait.observe({ kind: o.kind }, o.waitMs / 1000);
    statement.observe({ kind: o.kind, outcome: o.ok ? 'ok' : 'error' }, o.runMs / 1000);
  };
}

/** On shutdown, commits (or fails) every publish already made before the pool closes. */
@Injectable()
class PublisherDrainer implements BeforeApplicationShutdown {
  constructor(@Inject(PUBLISHER) private readonly publisher: Publisher) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.publisher.drain();
  }
}

/** Closes the scheduler's client, and, once the queues have closed, the cluster clients made for Bull. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(
    @Inject(SCHEDULER_REDIS) private readonly redis: RedisClient,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
    @Inject(REDIS_CONNECTOR) private readonly connector: RedisConnector,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
    // Queue.close() is idempotent (the engine or @nestjs/bull may have closed them already).
    await Promise.all([this.work.turns.close(), this.work.fanOutQueue.close()]);
    await this.connector.close();
  }
}

/**
 * The one publisher and the work list it writes to, wired the same way in both apps: the
 * scheduler on its own auto-pipelined Redis client, the work queue on the app's Bull queues
 * (`turns` and `fan-out`, which the app registers), and the Publisher on TypeORM's pool.
 */
@Module({})
export class PublishingModule {
  static forRoot(options: PublishingOptions): DynamicModule {
    return {
      module: PublishingModule,
      global: true,
      providers: [
        RedisCloser,
        PublisherDrainer,
        { provide: REDIS_CONNECTOR, useValue: options.redis },
        { provide: SCHEDULER_REDIS, useFactory: () => options.redis.schedulerClient() },
        {
          provide: ENDPOINT_SCHEDULER,
          inject: [SCHEDULER_REDIS],
          useFactory: (redis: RedisClient) => new EndpointScheduler(redis, options.queuePrefix, options.limits),
        },
        {
          provide: WORK_QUEUE,
          inject: [getQueueToken(QueueName.Turns), getQueueToken(QueueName.FanOut), ENDPOINT_SCHEDULER],
          useFactory: (turns: Queue<TurnJobData>, fanOut: Queue<AppTurnJobData>, scheduler: EndpointScheduler) => {
            const logger = new Logger('WorkQueue');
            return new WorkQueue({ turns, fanOut, scheduler, enqueueTimeoutMs: options.enqueueTimeoutMs, warn: (m) => logger.warn(m) });
          },
        },
        {
          provide: PUBLISHER,
          inject: [getDataSourceToken(), WORK_QUEUE, Registry],
          useFactory: (dataSource: DataSource, work: WorkQueue, registry: Registry) =>
            new Publisher({
              sql: sqlRunner(dataSource),
              work,
              inlineMax: options.inlineMax,
              commit: options.commit,
              observe: commitMetrics(registry),
              dedupWindowMs: options.dedupWindowMs,
            }),
        },
      ],
      exports: [SCHEDULER_REDIS, ENDPOINT_SCHEDULER, WORK_QUEUE, PUBLISHER],
    };
  }
}
