import { Controller, Get, Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bull';
import { Public } from '../auth.guard.js';

/** How long a readiness probe waits for each dependency. */
export const READINESS_TIMEOUT_MS = 1000;
const REDIS_QUEUE = Symbol('READINESS_REDIS_QUEUE');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${ms}ms`)), ms);
    }),
  ]);
}

/** Pings Redis through a Bull queue's connection, with a timeout (ioredis queues commands while reconnecting). */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_QUEUE) private readonly queue: Queue,
  ) {}

  async pingCheck(key: string) {
    const indicator = this.health.check(key);
    try {
      await withTimeout(this.queue.client.ping(), READINESS_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

/** Readiness: 200 when PostgreSQL and Redis both answer, 503 otherwise. Liveness stays /api/v1/health. */
@Controller('health')
@Public()
@ApiTags('Health')
export class ReadinessController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get('ready')
  @ApiOperation({
    operationId: 'health.ready',
    summary: 'Readiness',
    description: 'Checks PostgreSQL and Redis: 200 when both answer, 503 otherwise. No token needed.',
    security: [],
  })
  @HealthCheck()
  ready() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: READINESS_TIMEOUT_MS }), () => this.redis.pingCheck('redis')]);
  }
}

/** Readiness at GET /health/ready, checking PostgreSQL and the Redis behind the given queue. */
@Module({})
export class ReadinessModule {
  static forRoot(options: { queueName: string }): DynamicModule {
    return {
      module: ReadinessModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [ReadinessController],
      providers: [RedisHealthIndicator, { provide: REDIS_QUEUE, useExisting: getQueueToken(options.queueName) }],
    };
  }
}
