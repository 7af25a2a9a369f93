import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { startTracing, type StartTracingOptions, type Tracing } from '@switchyard/tracing';

/** Injection token of the process's Tracing (TRACING_OFF unless an OTLP endpoint is set). */
export const TRACING = Symbol('TRACING');

/** Exports the spans still buffered once everything else has drained (deliveries in flight end their spans in beforeApplicationShutdown). */
@Injectable()
class TracingFlusher implements OnApplicationShutdown {
  constructor(@Inject(TRACING) private readonly tracing: Tracing) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}

/** OpenTelemetry tracing, started before the app (the SDK is imported only when tracing is on). */
@Module({})
export class TracingModule {
  static forRoot(options: StartTracingOptions): DynamicModule {
    return {
      module: TracingModule,
      global: true,
      providers: [{ provide: TRACING, useFactory: () => startTracing(options) }, TracingFlusher],
      exports: [TRACING],
    };
  }
}
