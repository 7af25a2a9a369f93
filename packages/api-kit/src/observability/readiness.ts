import { Controller, Get, Inject, Injectable, Module, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import { HealthCheckService, HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
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

/** What a readiness check found: the full report, for the admin listener only. */
export interface Readiness {
  readonly ok: boolean;
  /** Per dependency, with the error text of each that is down (it names hosts and ports). */
  readonly report: HealthCheckResult;
}

/** Checks PostgreSQL and Redis. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  async check(): Promise<Readiness> {
    try {
      const report = await this.health.check([() => this.db.pingCheck('database', { timeout: READINESS_TIMEOUT_MS }), () => this.redis.pingCheck('redis')]);
      return { ok: true, report };
    } catch (error) {
      // terminus throws its report when a check is down
      if (error instanceof ServiceUnavailableException) return { ok: false, report: error.getResponse() as HealthCheckResult };
      throw error;
    }
  }
}

/** The public answer: the status only. */
class ReadinessOut {
  status: 'ok' | 'error';
}

/**
 * Readiness on the public port: 200 `{"status":"ok"}` when PostgreSQL and Redis both answer,
 * 503 `{"status":"error"}` otherwise, and nothing more. Which dependency failed, and how (error
 * text naming hosts and ports), is for the admin listener's /health/ready. Liveness stays
 * /api/v1/health.
 */
@Controller('health')
@Public()
@ApiTags('Health')
export class ReadinessController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('ready')
  @ApiOperation({
    operationId: 'health.ready',
    summary: 'Readiness',
    description: 'Checks PostgreSQL and Redis: 200 when both answer, 503 otherwise; the status only (details are on the admin listener). No token needed.',
    security: [],
  })
  @ApiOkResponse({ description: 'Ready', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  @ApiServiceUnavailableResponse({ description: 'Not ready', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['error'] } } } })
  async ready(): Promise<ReadinessOut> {
    const { ok } = await this.readiness.check();
    if (!ok) throw new ServiceUnavailableException({ status: 'error' });
    return { status: 'ok' };
  }
}

/** Readiness (ReadinessService, and the status at GET /health/ready), checking PostgreSQL and the Redis behind the given queue. */
@Module({})
export class ReadinessModule {
  static forRoot(options: { queueName: string }): DynamicModule {
    return {
      module: ReadinessModule,
      global: true,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [ReadinessController],
      providers: [RedisHealthIndicator, ReadinessService, { provide: REDIS_QUEUE, useExisting: getQueueToken(options.queueName) }],
      exports: [ReadinessService],
    };
  }
}
