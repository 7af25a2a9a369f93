import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { traceHeaders, type TraceCarrier } from './trace-context.js';

/** What the environment says about tracing (read once, with the app's settings). */
export interface TracingSettings {
  /** True when OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set, and neither OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none says otherwise. */
  readonly enabled: boolean;
  /** Where spans are POSTed (OTLP/HTTP, JSON): …_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  readonly tracesUrl: string | null;
}

export interface StartTracingOptions {
  readonly settings: TracingSettings;
  /** service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name one. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** Tests: export here (synchronously, span by span) instead of OTLP; turns tracing on whatever the settings say. */
  readonly exporter?: SpanExporter;
}

/** The span of a request that publishes (gateway ingress, dispatcher publish), and the context stored with its message. */
export interface IngressTrace {
  /** What to store with the message: this span's context when tracing is on, the received one when it is off. */
  readonly context: TraceCarrier | null;
  setAttributes(attributes: Attributes): void;
  /** Ends the span; `error` marks it failed (a 5xx, an exception). */
  end(error?: string): void;
}

/** What an attempt's outcome tells its span. */
export interface AttemptOutcome {
  readonly success: boolean;
  /** 0 when no response arrived. */
  readonly statusCode: number;
  readonly error: string | null;
  readonly errorDetail?: string | null;
}

/** The span of one delivery attempt. */
export interface AttemptTrace {
  /** `traceparent` (and `tracestate`) to send with the attempt. */
  readonly headers: Record<string, string>;
  end(outcome: AttemptOutcome): void;
}

/** Tracing as the apps use it: a few manual spans with explicit parents (no global registration, no context manager). */
export interface Tracing {
  readonly enabled: boolean;
  /** Starts the span of a request that publishes, as a child of the received context (or a new trace's root). */
  startIngress(name: string, kind: 'server' | 'producer', received: TraceCarrier | null, attributes: Attributes): IngressTrace;
  /** Starts an attempt's span as a child of the context stored with its message. */
  startAttempt(parent: TraceCarrier | null, attributes: Attributes): AttemptTrace;
  /** Exports what is buffered and stops (the app's shutdown hook). */
  shutdown(): Promise<void>;
}

const noop = (): void => undefined;
const UNTRACED: IngressTrace = { context: null, setAttributes: noop, end: noop };
const UNTRACED_ATTEMPT: AttemptTrace = { headers: {}, end: noop };

/**
 * Tracing off: no span, no SDK. A received context is still stored with its message and sent on
 * with every attempt, so a trace that passes through an untraced Switchyard stays connected.
 */
export const TRACING_OFF: Tracing = {
  enabled: false,
  startIngress: (_name, _kind, received) => (received === null ? UNTRACED : { context: received, setAttributes: noop, end: noop }),
  startAttempt: (parent) => (parent === null ? UNTRACED_ATTEMPT : { headers: traceHeaders(parent), end: noop }),
  shutdown: () => Promise.resolve(),
};

type Carrier = Record<string, string>;
const getter = { keys: (c: Carrier) => Object.keys(c), get: (c: Carrier, key: string) => c[key] };
const setter = { set: (c: Carrier, key: string, value: string) => void (c[key] = value) };

/** Tracing on: spans through the SDK's tracer, parents and headers through the W3C propagator. */
class SdkTracing implements Tracing {
  readonly enabled = true;

  constructor(
    private readonly tracer: Tracer,
    private readonly propagator: TextMapPropagator,
    private readonly stop: () => Promise<void>,
  ) {}

  private parent(carrier: TraceCarrier | null) {
    return carrier === null ? ROOT_CONTEXT : this.propagator.extract(ROOT_CONTEXT, traceHeaders(carrier), getter);
  }

  private carrierOf(span: Span): TraceCarrier | null {
    const out: Carrier = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), out, setter);
    return out.traceparent ? { traceParent: out.traceparent, traceState: out.tracestate ?? null } : null;
  }

  startIngress(name: string, kind: 'server' | 'producer', received: TraceCarrier | null, attributes: Attributes): IngressTrace {
    const span = this.tracer.startSpan(name, { kind: kind === 'server' ? SpanKind.SERVER : SpanKind.PRODUCER, attributes }, this.parent(received));
    return {
      context: this.carrierOf(span),
      setAttributes: (a) => void span.setAttributes(a),
      end: (error) => {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
        span.end();
      },
    };
  }

  startAttempt(parent: TraceCarrier | null, attributes: Attributes): AttemptTrace {
    const span = this.tracer.startSpan('deliver', { kind: SpanKind.CLIENT, attributes }, this.parent(parent));
    const context = this.carrierOf(span);
    return {
      headers: traceHeaders(context),
      end: (outcome) => {
        if (outcome.statusCode > 0) span.setAttribute('http.response.status_code', outcome.statusCode);
        if (outcome.error) span.setAttribute('error.type', outcome.error);
        else if (!outcome.success) span.setAttribute('error.type', String(outcome.statusCode));
        if (!outcome.success) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorDetail ?? outcome.error ?? `HTTP ${outcome.statusCode}` });
        span.end();
      },
    };
  }

  shutdown(): Promise<void> {
    return this.stop();
  }
}

/**
 * Tracing for one process. Off (no OTLP endpoint): TRACING_OFF, and no SDK module is loaded at
 * all. On: the SDK is imported here, once; spans go through a BatchSpanProcessor to the OTLP/HTTP
 * exporter (which reads OTEL_EXPORTER_OTLP_HEADERS / _TIMEOUT), sampled per OTEL_TRACES_SAMPLER,
 * batched per OTEL_BSP_*, with the resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES:
 * the SDK reads its standard variables itself.
 */
export async function startTracing(options: StartTracingOptions): Promise<Tracing> {
  const { settings } = options;
  if (!options.exporter && (!settings.enabled || settings.tracesUrl === null)) return TRACING_OFF;
  const [base, resources, core] = await Promise.all([import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/resources'), import('@opentelemetry/core')]);
  let processor: InstanceType<typeof base.SimpleSpanProcessor> | InstanceType<typeof base.BatchSpanProcessor>;
  if (options.exporter) {
    processor = new base.SimpleSpanProcessor(options.exporter);
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new base.BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl! }));
  }
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': options.serviceName, ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}) }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new base.BasicTracerProvider({ resource, spanProcessors: [processor] });
  return new SdkTracing(provider.getTracer('switchyard', options.serviceVersion), new core.W3CTraceContextPropagator(), () => provider.shutdown());
}
export type { SpanExporter } from '@opentelemetry/sdk-trace-base';
