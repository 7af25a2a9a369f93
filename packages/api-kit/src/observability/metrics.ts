import { Injectable, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Empties the registry when the app closes (its collectors hold timers and references). */
@Injectable()
class MetricsRegistryCleanup implements OnModuleDestroy {
  constructor(private readonly registry: Registry) {}

  onModuleDestroy(): void {
    this.registry.clear();
  }
}

/**
 * A prom-client Registry of the app's own (not the global one, so two apps in one test process
 * never collide), with Node process metrics. Apps register their counters on the injected Registry;
 * the admin listener serves it at /metrics.
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
      providers: [{ provide: Registry, useValue: registry }, MetricsRegistryCleanup],
      exports: [Registry],
    };
  }
}
