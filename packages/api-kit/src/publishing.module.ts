import { getQueueToken } from '@nestjs/bull';
import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { sqlRunner } from '@switchyard/db';
import { QueueName, type AppTurnJobData, type TurnJobData } from '@switchyard/events';
import { Publisher } from '@switchyard/publisher';
import { EndpointScheduler, WorkQueue, type SchedulerLimits } from '@switchyard/scheduler';
import type { Queue } from 'bull';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';

/** The ioredis client the scheduler's scripts run on (auto-pipelined; not one of Bull's). */
export const SCHEDULER_REDIS = Symbol('SCHEDULER_REDIS');
/** @switchyard/scheduler's EndpointScheduler. */
export const ENDPOINT_SCHEDULER = Symbol('ENDPOINT_SCHEDULER');
/** @switchyard/scheduler's WorkQueue (turns and fan-out jobs). */
export const WORK_QUEUE = Symbol('WORK_QUEUE');
/** @switchyard/publisher's Publisher. */
export const PUBLISHER = Symbol('PUBLISHER');

export interface PublishingOptions {
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /** Longest an enqueue after a commit waits on Redis (ENQUEUE_TIMEOUT_MS); the reconciler catches up after that. */
  readonly enqueueTimeoutMs: number;
  /** FAN_OUT_INLINE_MAX. */
  readonly inlineMax: number;
  /** The scheduler's limits (the dispatcher's settings; a publisher that only notifies needs none). */
  readonly limits?: Partial<SchedulerLimits>;
}

@Injectable()
class SchedulerRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(SCHEDULER_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
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
        SchedulerRedisCloser,
        { provide: SCHEDULER_REDIS, useFactory: () => new Redis(options.redisUrl, { enableAutoPipelining: true }) },
        {
          provide: ENDPOINT_SCHEDULER,
          inject: [SCHEDULER_REDIS],
          useFactory: (redis: Redis) => new EndpointScheduler(redis, options.queuePrefix, options.limits),
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
          inject: [getDataSourceToken(), WORK_QUEUE],
          useFactory: (dataSource: DataSource, work: WorkQueue) => new Publisher({ sql: sqlRunner(dataSource), work, inlineMax: options.inlineMax }),
        },
      ],
      exports: [SCHEDULER_REDIS, ENDPOINT_SCHEDULER, WORK_QUEUE, PUBLISHER],
    };
  }
}
