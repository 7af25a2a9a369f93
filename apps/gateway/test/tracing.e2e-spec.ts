// Tracing at the ingress: the span of each request (in-memory exporter) and the trace context
// stored with the accepted event's message; with tracing off, a received context is stored as it
// came and nothing else is.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { sign } from '@octokit/webhooks-methods';
import { createSource, deliver, type CreatedSource } from './support/ingest.js';
import { startTestGateway, type TestGateway } from './support/test-app.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

let seq = 0;
async function github(t: TestGateway, source: CreatedSource, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.', n: ++seq });
  const res = await deliver(t, source.ingestUrl, {
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': `trace-${seq}-${Math.random()}`,
      'x-hub-signature-256': await sign('trace-secret', body),
      ...headers,
    },
    body,
  });
  const message = (await t.messages(source.appId)).at(-1);
  return { res, message };
}

describe('tracing on (in-memory exporter)', () => {
  const memory = new InMemorySpanExporter();
  let t: TestGateway;
  let source: CreatedSource;

  beforeAll(async () => {
    t = await startTestGateway('tracing-on', {}, { spanExporter: memory });
    source = await createSource(t, 'github', { secret: 'trace-secret' });
  });
  afterAll(async () => t?.close());

  it('a received traceparent: the ingress span is its child, and the message stores the ingress span', async () => {
    memory.reset();
    const { res, message } = await github(t, source, { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' });
    expect(res.status).toBe(200);
    const [span] = memory.getFinishedSpans();
    expect(span).toMatchObject({ name: 'POST /in/{token}', kind: SpanKind.SERVER });
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(span!.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/in/{token}',
      'http.response.status_code': 200,
      'switchyard.source_id': source.id,
      'switchyard.source_type': 'github',
      'switchyard.message_id': message!.id,
    });
    expect(span!.resource.attributes['service.name']).toBe('switchyard-gateway');
    expect(message!.traceParent).toBe(`00-${TRACE_ID}-${span!.spanContext().spanId}-01`);
    expect(message!.traceState).toBe('congo=t61rcWkgMzE');
  });

  it('nothing received, or a malformed traceparent (ignored, never an error): a new trace starts at the ingress', async () => {
    const cases: Record<string, string>[] = [{}, { traceparent: 'not-a-trace' }, { traceparent: `00-${'0'.repeat(32)}-${PARENT_ID}-01` }];
    for (const headers of cases) {
      memory.reset();
      const { res, message } = await github(t, source, headers);
      expect(res.status).toBe(200);
      const [span] = memory.getFinishedSpans();
      expect(span!.parentSpanContext).toBeUndefined();
      expect(span!.spanContext().traceId).not.toBe(TRACE_ID);
      expect(message!.traceParent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
      expect(message!.traceState).toBeNull();
    }
  });

  it("every request gets a span, also a rejected one (not an error: 4xx is the sender's)", async () => {
    memory.reset();
    const res = await deliver(t, source.ingestUrl, { headers: { 'content-type': 'application/json', traceparent: TRACEPARENT }, body: '{}' });
    expect(res.status).toBe(401);
    const [span] = memory.getFinishedSpans();
    expect(span!.attributes['http.response.status_code']).toBe(401);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
  });
});

describe('tracing off', () => {
  let t: TestGateway;
  let source: CreatedSource;

  beforeAll(async () => {
    t = await startTestGateway('tracing-off');
    source = await createSource(t, 'github', { secret: 'trace-secret' });
  });
  afterAll(async () => t?.close());

  it('a valid received traceparent is stored as it came (normalized to version 00), with its tracestate', async () => {
    const { message } = await github(t, source, { traceparent: TRACEPARENT, tracestate: 'rojo=1' });
    expect(message).toMatchObject({ traceParent: TRACEPARENT, traceState: 'rojo=1' });
    const later = await github(t, source, { traceparent: `42-${TRACE_ID}-${PARENT_ID}-01-future` });
    expect(later.message).toMatchObject({ traceParent: TRACEPARENT, traceState: null });
  });

  it('none, or a malformed one: nothing is stored, and the request is accepted all the same', async () => {
    const cases: Record<string, string>[] = [{}, { traceparent: `ff-${TRACE_ID}-${PARENT_ID}-01` }, { traceparent: TRACEPARENT.toUpperCase(), tracestate: 'a=1' }];
    for (const headers of cases) {
      const { res, message } = await github(t, source, headers);
      expect(res.status).toBe(200);
      expect(message).toMatchObject({ traceParent: null, traceState: null });
    }
  });
});
