// Tracing through the dispatcher (in-memory exporter): the publish span is a child of the
// caller's traceparent, each delivery attempt a child of the publish span, and every attempt
// sends its own span as `traceparent`. Off: the caller's context is stored and sent on as it is.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { failTimes, Receiver } from '../support/receiver.js';
import { AUTH, eventually, SDK_1, startApiHarness, verifyDelivery, type ApiHarness } from './harness.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

async function post(h: ApiHarness, appId: string, headers: Record<string, string>, eventType = 'user.created'): Promise<{ status: number; id: string }> {
  const res = await fetch(`${h.baseUrl}/api/v1/app/${appId}/msg`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ eventType, payload: { hello: 'trace' } }),
  });
  const body = (await res.json()) as { id: string };
  return { status: res.status, id: body.id };
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe('tracing on', () => {
  const memory = new InMemorySpanExporter();
  let h: ApiHarness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await startApiHarness('tracing-on', {}, SDK_1, { spanExporter: memory });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('caller → publish → attempts: one trace; each attempt a child of the publish span, sent as traceparent; a failed one marked', async () => {
    const app = await h.svix.application.create({ name: 'traced' });
    receiver.route('/traced', failTimes(1, { status: 503, body: 'busy' }));
    const ep = await h.svix.endpoint.create(app.id, { url: receiver.url('/traced') });
    const { key } = await h.svix.endpoint.getSecret(app.id, ep.id);
    memory.reset();

    const { status, id: msgId } = await post(h, app.id, { traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7' });
    expect(status).toBe(202);
    await eventually(() => expect(receiver.requestsTo('/traced')).toHaveLength(2), { timeoutMs: 15_000 });
    const attempts = await eventually(() => {
      const found = byName(memory.getFinishedSpans(), 'deliver');
      expect(found).toHaveLength(2);
      return found;
    });

    const [publish] = byName(memory.getFinishedSpans(), 'publish');
    expect(publish!.kind).toBe(SpanKind.PRODUCER);
    expect(publish!.spanContext().traceId).toBe(TRACE_ID);
    expect(publish!.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(publish!.attributes).toMatchObject({ 'switchyard.message_id': msgId, 'switchyard.event_type': 'user.created' });
    expect(publish!.resource.attributes['service.name']).toBe('switchyard-dispatcher');
    const [stored] = await h.ds.query(`SELECT trace_parent, trace_state FROM messages WHERE id = $1`, [msgId]);
    expect(stored).toEqual({ trace_parent: `00-${TRACE_ID}-${publish!.spanContext().spanId}-01`, trace_state: 'rojo=00f067aa0ba902b7' });

    attempts.sort((a, b) => Number(a.attributes['switchyard.attempt']) - Number(b.attributes['switchyard.attempt']));
    const requests = receiver.requestsTo('/traced');
    attempts.forEach((span, i) => {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
      expect(span.attributes).toMatchObject({ 'switchyard.endpoint_id': ep.id, 'switchyard.message_id': msgId, 'switchyard.attempt': i + 1 });
      expect(requests[i]!.headers.traceparent).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
      expect(requests[i]!.headers.tracestate).toBe('rojo=00f067aa0ba902b7');
    });
    expect(attempts[0]!.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]!.attributes).toMatchObject({ 'http.response.status_code': 200 });
    expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET);
    // the header is not signed: the signature still verifies
    expect(() => verifyDelivery(key, requests[1]!)).not.toThrow();
  });

  it('no traceparent, or a malformed one (ignored, 202 all the same): the publish span starts a new trace', async () => {
    const app = await h.svix.application.create({ name: 'untraced' });
    await h.svix.endpoint.create(app.id, { url: receiver.url('/fresh') });
    const cases: Record<string, string>[] = [{}, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01-extra` }, { traceparent: 'x'.repeat(2000) }];
    for (const [i, headers] of cases.entries()) {
      memory.reset();
      expect((await post(h, app.id, headers)).status).toBe(202);
      await eventually(() => expect(receiver.requestsTo('/fresh')).toHaveLength(i + 1));
      const [attempt] = await eventually(() => {
        const found = byName(memory.getFinishedSpans(), 'deliver');
        expect(found).toHaveLength(1);
        return found;
      });
      const [publish] = byName(memory.getFinishedSpans(), 'publish');
      expect(publish!.parentSpanContext).toBeUndefined();
      expect(publish!.spanContext().traceId).not.toBe(TRACE_ID);
      expect(attempt!.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
      expect(receiver.requestsTo('/fresh')[i]!.headers.traceparent).toBe(`00-${publish!.spanContext().traceId}-${attempt!.spanContext().spanId}-01`);
    }
  });

  it('a refused publish (404) ends its span without an error status and stores nothing', async () => {
    memory.reset();
    expect((await post(h, 'app_doesnotexist000000000000', { traceparent: TRACEPARENT })).status).toBe(404);
    const [publish] = byName(memory.getFinishedSpans(), 'publish');
    expect(publish!.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('tracing off', () => {
  let h: ApiHarness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await startApiHarness('tracing-off');
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("the caller's traceparent is stored and sent on unchanged with every attempt; none is made up", async () => {
    const app = await h.svix.application.create({ name: 'off' });
    await h.svix.endpoint.create(app.id, { url: receiver.url('/off') });
    const traced = await post(h, app.id, { traceparent: TRACEPARENT, tracestate: 'rojo=1' });
    const plain = await post(h, app.id, {}, 'user.deleted');
    await eventually(() => expect(receiver.requestsTo('/off')).toHaveLength(2));
    const got = (id: string) => receiver.requestsTo('/off').find((r) => r.headers['webhook-id'] === id)!;
    expect(got(traced.id).headers).toMatchObject({ traceparent: TRACEPARENT, tracestate: 'rojo=1' });
    expect(got(plain.id).headers.traceparent).toBeUndefined();
    const rows = await h.ds.query(`SELECT id, trace_parent FROM messages WHERE id = ANY($1) ORDER BY id`, [[traced.id, plain.id]]);
    expect(rows).toEqual([
      { id: traced.id, trace_parent: TRACEPARENT },
      { id: plain.id, trace_parent: null },
    ]);
  });
});
