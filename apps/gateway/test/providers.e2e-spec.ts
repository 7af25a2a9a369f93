// Every provider end to end: signed with the provider's own library (or documented bytes certified
// by it), verified over the raw bytes, committed as a CloudEvent message, deduplicated on the
// provider's event id; every forgery refused with its reason, logged, and never published.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InboundOutcome } from '@switchyard/db';
import { CloudEvent } from 'cloudevents';
import { createSource, deliver, tamper, without, type CreatedSource } from './support/ingest.js';
import { PROVIDER_CASES, type ProviderCase } from './support/providers.js';
import { startTestGateway, type TestGateway } from './support/test-app.js';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway('providers');
});
afterAll(async () => {
  await t?.close();
});

async function lastRequest(sourceId: string) {
  const rows = await t.requests(sourceId);
  return rows[rows.length - 1]!;
}

describe.each(PROVIDER_CASES.map((c, i) => [`${c.type}#${i}`, c] as [string, ProviderCase]))('%s', (_label, c) => {
  let source: CreatedSource;
  const publicUrl = () => source.ingestUrl;

  beforeAll(async () => {
    source = await createSource(t, c.type, c.config(''));
  });

  async function expectRefused(d: Awaited<ReturnType<ProviderCase['sign']>>, reason: string) {
    const before = (await t.messages(source.appId)).length;
    const res = await deliver(t, publicUrl(), d);
    expect({ status: res.status, body: res.json() }).toEqual({ status: 401, body: { code: reason, detail: expect.any(String) } });
    expect(await t.messages(source.appId)).toHaveLength(before);
    expect(await lastRequest(source.id)).toMatchObject({ outcome: InboundOutcome.Rejected, reason, responseStatus: 401, messageId: null });
  }

  if (c.certify) {
    it(`the test vector is genuine: ${c.oracle.split(', certified by ').pop()} accepts it`, async () => {
      const d = await c.sign({ url: publicUrl() });
      await expect(c.certify!(d, { url: publicUrl() })).resolves.toBe(true);
    });
  }

  it(`accepts a signed delivery and commits one CloudEvent message of type ${c.expectedType}, fanned out (this source has no endpoints)`, async () => {
    const d = await c.sign({ url: publicUrl() });
    const res = await deliver(t, publicUrl(), d);
    expect(res.status).toBe(200);
    const rows = await t.messages(source.appId);
    const message = rows[rows.length - 1]!;
    expect(message.id).toMatch(/^msg_/);
    expect(message.eventType).toBe(c.expectedType);

    const event = JSON.parse(message.payload!) as Record<string, unknown>;
    const validated = new CloudEvent(event as never);
    expect(validated.validate()).toBe(true);
    expect(event).toMatchObject({ specversion: '1.0', source: `/sources/${source.id}`, type: c.expectedType, provider: c.type, datacontenttype: 'application/json' });
    expect(event.id).toMatch(/^evt_/);
    expect(event.data).toBeDefined();

    const logged = await lastRequest(source.id);
    expect(logged).toMatchObject({ outcome: InboundOutcome.Accepted, responseStatus: 200, eventId: event.id, messageId: message.id, method: 'POST' });
    expect(logged.body.toString('utf8')).toBe(d.body);
    if (c.type === 'twilio') expect(res.text).toContain('<Response>');
    else expect(res.json()).toEqual({ status: 'accepted', eventId: event.id });

    // Routed in the statement that stored it: to no endpoint, so no delivery and no fan-out job.
    expect(message.fannedOutAt).toBeInstanceOf(Date);
    expect(await t.fanOut.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
  });

  it('a replayed delivery gets 2xx, is logged as a duplicate and is not published again', async () => {
    const d = await c.sign({ url: publicUrl() });
    const first = await deliver(t, publicUrl(), d);
    expect(first.status).toBe(200);
    const count = (await t.messages(source.appId)).length;
    const again = await deliver(t, publicUrl(), d);
    expect(again.status).toBe(200);
    if (c.type !== 'twilio') expect(again.json()).toMatchObject({ status: 'duplicate', eventId: (await t.requests(source.id)).at(-2)!.eventId });
    expect(await t.messages(source.appId)).toHaveLength(count);
    expect(await lastRequest(source.id)).toMatchObject({ outcome: InboundOutcome.Duplicate, responseStatus: 200, messageId: (await t.messages(source.appId)).at(-1)!.id });
  });

  if (c.signsBody !== false) {
    it('a tampered byte is refused: 401 bad_signature', async () => {
      await expectRefused(tamper(await c.sign({ url: publicUrl() })), 'bad_signature');
    });
  }

  it('a wrong secret is refused: 401 bad_signature', async () => {
    await expectRefused(await c.sign({ url: publicUrl(), wrongSecret: true }), 'bad_signature');
  });

  if (c.timestamped) {
    it('a stale timestamp is refused: 401 stale_timestamp', async () => {
      await expectRefused(await c.sign({ url: publicUrl(), timestampS: Math.floor(Date.now() / 1000) - 3600 }), 'stale_timestamp');
    });
  }

  it(`a missing ${c.signatureHeader} is refused: 401 missing_header`, async () => {
    await expectRefused(without(await c.sign({ url: publicUrl() }), c.signatureHeader), 'missing_header');
  });
});
