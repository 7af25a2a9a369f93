import { describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, TRACING_OFF } from '../src/index.js';

const RECEIVED = { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', traceState: 'rojo=00f067aa0ba902b7' };
const OFF = { enabled: false, tracesUrl: null };

describe('tracing off', () => {
  it('is TRACING_OFF when no endpoint is set, or when it is disabled', async () => {
    await expect(startTracing({ settings: OFF, serviceName: 't' })).resolves.toBe(TRACING_OFF);
    await expect(startTracing({ settings: { enabled: false, tracesUrl: 'http://127.0.0.1:1/v1/traces' }, serviceName: 't' })).resolves.toBe(TRACING_OFF);
  });

  it('stores and sends on a received context unchanged, and makes none up', () => {
    const ingress = TRACING_OFF.startIngress('x', 'server', RECEIVED, {});
    expect(ingress.context).toBe(RECEIVED);
    expect(TRACING_OFF.startIngress('x', 'server', null, {}).context).toBeNull();
    expect(TRACING_OFF.startAttempt(RECEIVED, {}).headers).toEqual({ traceparent: RECEIVED.traceParent, tracestate: RECEIVED.traceState });
    expect(TRACING_OFF.startAttempt(null, {}).headers).toEqual({});
  });
});

describe('tracing on (in-memory exporter)', () => {
  it('ingress → attempts: one trace, each attempt a child of the stored context, sent as traceparent', async () => {
    const memory = new InMemorySpanExporter();
    const tracing = await startTracing({ settings: OFF, serviceName: 'switchyard-test', exporter: memory });
    expect(tracing.enabled).toBe(true);

    const ingress = tracing.startIngress('POST /in/{token}', 'server', RECEIVED, { 'switchyard.source_id': 'src_1' });
    const stored = ingress.context!;
    expect(stored.traceParent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(stored.traceState).toBe(RECEIVED.traceState);
    ingress.end();

    const first = tracing.startAttempt(stored, { 'switchyard.attempt': 1 });
    first.end({ success: false, statusCode: 503, error: null });
    const second = tracing.startAttempt(stored, { 'switchyard.attempt': 2 });
    second.end({ success: false, statusCode: 0, error: 'timeout', errorDetail: 'no answer within 15000 ms' });
    const third = tracing.startAttempt(stored, { 'switchyard.attempt': 3 });
    third.end({ success: true, statusCode: 204, error: null });

    const spans = memory.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['POST /in/{token}', 'deliver', 'deliver', 'deliver']);
    const [root, a1, a2, a3] = spans;
    expect(spans.every((s) => s.spanContext().traceId === '0af7651916cd43dd8448eb211c80319c')).toBe(true);
    expect(root!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(root!.kind).toBe(SpanKind.SERVER);
    expect(root!.resource.attributes['service.name']).toBe('switchyard-test');
    for (const a of [a1, a2, a3]) {
      expect(a!.kind).toBe(SpanKind.CLIENT);
      expect(a!.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
    }
    expect(first.headers.traceparent).toBe(`00-${a1!.spanContext().traceId}-${a1!.spanContext().spanId}-01`);
    expect(first.headers.tracestate).toBe(RECEIVED.traceState);
    expect(a1!.attributes).toMatchObject({ 'switchyard.attempt': 1, 'http.response.status_code': 503, 'error.type': '503' });
    expect(a1!.status.code).toBe(SpanStatusCode.ERROR);
    expect(a2!.attributes).toMatchObject({ 'error.type': 'timeout' });
    expect(a2!.attributes['http.response.status_code']).toBeUndefined();
    expect(a2!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no answer within 15000 ms' });
    expect(a3!.attributes).toMatchObject({ 'http.response.status_code': 204 });
    expect(a3!.status.code).toBe(SpanStatusCode.UNSET);
    await tracing.shutdown();
  });

  it('nothing received: the ingress span is a new trace root; a producer span for the API', async () => {
    const memory = new InMemorySpanExporter();
    const tracing = await startTracing({ settings: OFF, serviceName: 't', exporter: memory });
    const publish = tracing.startIngress('publish', 'producer', null, {});
    publish.end('boom');
    const [span] = memory.getFinishedSpans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.kind).toBe(SpanKind.PRODUCER);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(publish.context!.traceParent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
    expect(publish.context!.traceState).toBeNull();
    await tracing.shutdown();
  });
});
