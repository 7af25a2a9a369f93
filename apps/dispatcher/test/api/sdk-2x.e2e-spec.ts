import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EndpointEntity } from '@switchyard/db';
import { Receiver } from '../support/receiver.js';
import { AUTH, eventually, SDK_2, startApiHarness, type ApiHarness } from './harness.js';

// What changed for a user who installs today's SDK (issue 14): 2.x sends and reads an endpoint's
// type filter as `eventTypes`, and reads messages and attempts with `with_content=false` unless told.

let h: ApiHarness;
let receiver: Receiver;
let appId: string;
beforeAll(async () => {
  h = await startApiHarness('api-sdk2', {}, SDK_2);
  receiver = await Receiver.start();
  appId = (await h.svix2.application.create({ name: 'SDK 2', uid: 'sdk2-app' })).id;
  await h.svix2.eventType.create({ name: 'invoice.paid', description: 'paid' });
  await h.svix2.eventType.create({ name: 'invoice.void', description: 'void' });
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

async function storedFilter(endpointId: string): Promise<string[] | null> {
  return (await h.ds.getRepository(EndpointEntity).findOneByOrFail({ id: endpointId })).filterTypes;
}

describe('endpoint type filter: eventTypes (2.x) and filterTypes (1.x)', () => {
  it('takes eventTypes on create, upsert and patch, and answers both names', async () => {
    const created = await h.svix2.endpoint.create(appId, { url: 'https://example.com/a', eventTypes: ['invoice.paid'] });
    expect(created.eventTypes).toEqual(['invoice.paid']);
    expect(await storedFilter(created.id)).toEqual(['invoice.paid']);
    const raw = await h.http().get(`/api/v1/app/${appId}/endpoint/${created.id}`).set(AUTH);
    expect(raw.body).toMatchObject({ eventTypes: ['invoice.paid'], filterTypes: ['invoice.paid'] });

    const upserted = await h.svix2.endpoint.upsert(appId, created.id, { url: 'https://example.com/a', eventTypes: ['invoice.void', 'invoice.*'] });
    expect(upserted.eventTypes).toEqual(['invoice.void', 'invoice.*']);
    const patched = await h.svix2.endpoint.patch(appId, created.id, { eventTypes: ['invoice.paid'] });
    expect(patched.eventTypes).toEqual(['invoice.paid']);
    // A patch that names neither leaves the filter alone; null clears it.
    expect((await h.svix2.endpoint.patch(appId, created.id, { description: 'x' })).eventTypes).toEqual(['invoice.paid']);
    expect((await h.svix2.endpoint.patch(appId, created.id, { eventTypes: null })).eventTypes).toBeNull();
    expect(await storedFilter(created.id)).toBeNull();

    const list = await h.svix2.endpoint.list(appId);
    expect(list.data.find((e) => e.id === created.id)).toHaveProperty('eventTypes', null);
  });

  it('routes by a filter set through eventTypes', async () => {
    const ep = await h.svix2.endpoint.create(appId, { url: receiver.url('/routed'), eventTypes: ['invoice.paid'] });
    await h.svix2.message.create(appId, { eventType: 'invoice.void', payload: { n: 1 } });
    const paid = await h.svix2.message.create(appId, { eventType: 'invoice.paid', payload: { n: 2 } });
    await eventually(() => expect(receiver.requestsTo('/routed').map((r) => r.headers['webhook-id'])).toEqual([paid.id]));
    await h.svix2.endpoint.delete(appId, ep.id);
  });

  it('accepts both names when they agree, and refuses them with a clear 422 when they do not', async () => {
    const agree = await h
      .http()
      .post(`/api/v1/app/${appId}/endpoint`)
      .set(AUTH)
      .send({ url: 'https://example.com/both', filterTypes: ['invoice.paid', 'invoice.void'], eventTypes: ['invoice.void', 'invoice.paid'] });
    expect(agree.status).toBe(201);
    expect(agree.body).toMatchObject({ filterTypes: ['invoice.paid', 'invoice.void'], eventTypes: ['invoice.paid', 'invoice.void'] });

    const before = await h.counts();
    for (const [method, path] of [
      ['post', `/api/v1/app/${appId}/endpoint`],
      ['put', `/api/v1/app/${appId}/endpoint/${agree.body.id}`],
      ['patch', `/api/v1/app/${appId}/endpoint/${agree.body.id}`],
    ] as const) {
      const res = await h
        .http()
        [method](path)
        .set(AUTH)
        .send({ url: 'https://example.com/both', filterTypes: ['invoice.paid'], eventTypes: ['invoice.void'] });
      expect({ method, status: res.status }).toEqual({ method, status: 422 });
      expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'eventTypes'], msg: expect.stringContaining('must agree') })]);
    }
    const nullVsList = await h
      .http()
      .patch(`/api/v1/app/${appId}/endpoint/${agree.body.id}`)
      .set(AUTH)
      .send({ filterTypes: null, eventTypes: ['invoice.void'] });
    expect(nullVsList.status).toBe(422);
    expect(await h.counts()).toEqual(before);
    expect(await storedFilter(agree.body.id)).toEqual(['invoice.paid', 'invoice.void']);
  });

  it('checks eventTypes as it checks filterTypes (unknown types, empty lists)', async () => {
    const unknown = await h
      .http()
      .post(`/api/v1/app/${appId}/endpoint`)
      .set(AUTH)
      .send({ url: 'https://example.com/u', eventTypes: ['no.such.type'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail[0]).toMatchObject({ msg: expect.stringContaining('no.such.type') });
    const empty = await h.http().post(`/api/v1/app/${appId}/endpoint`).set(AUTH).send({ url: 'https://example.com/u', eventTypes: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.detail[0]).toMatchObject({ loc: ['body', 'eventTypes'] });
  });

  it('lets each SDK read what the other wrote', async () => {
    const by1 = await h
      .http()
      .post(`/api/v1/app/${appId}/endpoint`)
      .set(AUTH)
      .send({ url: 'https://example.com/v1', filterTypes: ['invoice.*'] });
    expect((await h.svix2.endpoint.get(appId, by1.body.id)).eventTypes).toEqual(['invoice.*']);
  });

  it('takes and answers eventTypes on operational webhook endpoints too', async () => {
    const ep = await h.svix2.operationalWebhook.endpoint.create({ url: 'https://ops.example.com/h', eventTypes: ['endpoint.disabled'] });
    expect(ep.eventTypes).toEqual(['endpoint.disabled']);
    const raw = await h.http().get(`/api/v1/operational-webhook/endpoint/${ep.id}`).set(AUTH);
    expect(raw.body).toMatchObject({ eventTypes: ['endpoint.disabled'], filterTypes: ['endpoint.disabled'] });
  });
});

describe('with_content, which 2.x sends as false unless told', () => {
  let endpointId: string;
  let msgId: string;
  beforeAll(async () => {
    const app = await h.svix2.application.create({ name: 'Content', uid: 'content-app' });
    receiver.route('/content', () => ({ status: 200, body: 'response body' }));
    endpointId = (await h.svix2.endpoint.create(app.id, { url: receiver.url('/content') })).id;
    msgId = (await h.svix2.message.create('content-app', { eventType: 'invoice.paid', payload: { secret: 'payload' } })).id;
    await eventually(async () => expect((await h.svix2.messageAttempt.listByMsg('content-app', msgId)).data).toHaveLength(1));
  });

  it('leaves the payload out of message create, get and list', async () => {
    const created = await h.svix2.message.create('content-app', { eventType: 'invoice.paid', payload: { other: 1 } });
    expect(created.payload).toEqual({});
    expect((await h.svix2.message.create('content-app', { eventType: 'invoice.paid', payload: { other: 2 } }, { withContent: true })).payload).toEqual({ other: 2 });
    expect((await h.svix2.message.get('content-app', msgId)).payload).toEqual({});
    expect((await h.svix2.message.get('content-app', msgId, { withContent: true })).payload).toEqual({ secret: 'payload' });
    const list = await h.svix2.message.list('content-app');
    expect(list.data.map((m) => m.payload)).toEqual(list.data.map(() => ({})));
    expect((await h.svix2.message.list('content-app', { withContent: true })).data.find((m) => m.id === msgId)?.payload).toEqual({ secret: 'payload' });
    // Without the parameter the server's default stays Svix's: with content.
    expect((await h.http().get(`/api/v1/app/content-app/msg/${msgId}`).set(AUTH)).body.payload).toEqual({ secret: 'payload' });
  });

  it('leaves response bodies out of attempt lists, and payloads out of attempted messages', async () => {
    const byMsg = await h.svix2.messageAttempt.listByMsg('content-app', msgId);
    expect(byMsg.data[0]!.response).toBe('{}');
    expect((await h.svix2.messageAttempt.listByMsg('content-app', msgId, { withContent: true })).data[0]!.response).toBe('response body');
    const byEndpoint = await h.svix2.messageAttempt.listByEndpoint('content-app', endpointId, { withMsg: true });
    expect(byEndpoint.data.find((a) => a.msgId === msgId)).toMatchObject({ response: '{}', msg: { id: msgId, payload: {} } });
    const full = await h.svix2.messageAttempt.listByEndpoint('content-app', endpointId, { withMsg: true, withContent: true });
    expect(full.data.find((a) => a.msgId === msgId)).toMatchObject({ response: 'response body', msg: { payload: { secret: 'payload' } } });
    const attempted = await h.svix2.messageAttempt.listAttemptedMessages('content-app', endpointId);
    expect(attempted.data.find((m) => m.id === msgId)?.payload).toEqual({});
    const attemptedFull = await h.svix2.messageAttempt.listAttemptedMessages('content-app', endpointId, { withContent: true });
    expect(attemptedFull.data.find((m) => m.id === msgId)?.payload).toEqual({ secret: 'payload' });
    // messageAttempt.get takes no with_content in either SDK: it always has the body.
    expect((await h.svix2.messageAttempt.get('content-app', msgId, byMsg.data[0]!.id)).response).toBe('response body');
  });

  it('leaves schemas out of event type lists unless asked', async () => {
    await h.svix2.eventType.create({ name: 'with.schema', description: 's', schemas: { '1': { type: 'object', examples: [{ a: 1 }] } } });
    expect((await h.svix2.eventType.list()).data.find((t) => t.name === 'with.schema')?.schemas ?? null).toBeNull();
    expect((await h.svix2.eventType.list({ withContent: true })).data.find((t) => t.name === 'with.schema')?.schemas).toEqual({ '1': { type: 'object', examples: [{ a: 1 }] } });
  });
});
