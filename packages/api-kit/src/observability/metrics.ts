import { Controller, Get, Header, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Public } from '../auth.guard.js';

/** Prometheus exposition at GET /metrics, unauthenticated like most scrape targets. */
@Controller('metrics')
@Public()
@ApiTags('Metrics')
export class MetricsController implements OnModuleDestroy {
  constructor(private readonly registry: Registry) {}

  @Get()
  @ApiOperation({ operationId: 'metrics.get', summary: 'Prometheus metrics', description: 'The Prometheus text exposition format. No token needed.', security: [] })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Every metric of this process', schema: { type: 'string' } })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }
}

/**
 * A prom-client Registry of the app's own (not the global one, so two apps in one test process
 * never collide), with Node process metrics. Apps register their counters on the injected Registry.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: { service: string }): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: registry });
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [{ provide: Registry, useValue: registry }],
      exports: [Registry],
    };
  }
}
