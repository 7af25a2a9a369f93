import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '@switchyard/events';
import type { DataSource } from 'typeorm';
import {
  ApplicationEntity,
  ApplicationKind,
  AttemptEntity,
  createDataSource,
  DeliveryEntity,
  DeliveryStatus,
  EndpointEntity,
  EndpointSecretEntity,
  EventTypeEntity,
  IdempotencyKeyEntity,
  InboundDedupKeyEntity,
  InboundOutcome,
  InboundRequestEntity,
  MessageEntity,
  SourceEntity,
  TriggerType,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let db: TestDatabase;
let ds: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('db-entities');
  ds = createDataSource({ url: db.url, poolSize: 4 });
  await ds.initialize();
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

async function makeApp(kind = ApplicationKind.App, uid: string | null = null): Promise<ApplicationEntity> {
  return ds.getRepository(ApplicationEntity).save({ id: newId('app'), uid, name: 'Acme', kind, rateLimit: null, metadata: { tier: 'gold' } });
}

async function makeEndpoint(appId: string, uid: string | null = null): Promise<EndpointEntity> {
  return ds.getRepository(EndpointEntity).save({
    id: newId('ep'),
    appId,
    uid,
    url: 'https://example.com/hook',
    filterTypes: ['user.*', 'invoice.paid'],
    channels: ['eu'],
    headers: { 'x-tenant': 'a' },
    metadata: {},
  });
}

async function makeMessage(appId: string, eventId: string | null = null): Promise<MessageEntity> {
  return ds.getRepository(MessageEntity).save({ id: newId('msg'), appId, eventType: 'user.created', eventId, payload: '{"a":1}', channels: ['eu'], tags: null });
}

describe('entities round-trip through PostgreSQL', () => {
  it('applications keep kind, metadata and timestamps', async () => {
    const app = await makeApp(ApplicationKind.Source, 'uid-app-1');
    const found = await ds.getRepository(ApplicationEntity).findOneByOrFail({ id: app.id });
    expect(found).toMatchObject({ uid: 'uid-app-1', name: 'Acme', kind: 'source', metadata: { tier: 'gold' }, rateLimit: null });
    expect(found.createdAt).toBeInstanceOf(Date);
  });

  it('application uid is unique', async () => {
    await makeApp(ApplicationKind.App, 'dup-uid');
    await expect(makeApp(ApplicationKind.App, 'dup-uid')).rejects.toMatchObject({ driverError: { code: '23505' } });
  });

  it('rate limits must be positive', async () => {
    await expect(ds.getRepository(ApplicationEntity).save({ id: newId('app'), name: 'x', kind: ApplicationKind.App, rateLimit: 0, metadata: {} })).rejects.toMatchObject({
      driverError: { code: '23514' },
    });
  });

  it('endpoints keep arrays and headers; uid unique per app only', async () => {
    const a = await makeApp();
    const b = await makeApp();
    const ep = await makeEndpoint(a.id, 'ep-uid');
    await makeEndpoint(b.id, 'ep-uid');
    await expect(makeEndpoint(a.id, 'ep-uid')).rejects.toMatchObject({ driverError: { code: '23505' } });
    const found = await ds.getRepository(EndpointEntity).findOneByOrFail({ id: ep.id });
    expect(found).toMatchObject({ filterTypes: ['user.*', 'invoice.paid'], channels: ['eu'], headers: { 'x-tenant': 'a' }, disabled: false, version: 1 });
  });

  it('endpoint secrets list the current one and rotated ones with expiry', async () => {
    const ep = await makeEndpoint((await makeApp()).id);
    const repo = ds.getRepository(EndpointSecretEntity);
    await repo.save({ endpointId: ep.id, secret: 'whsec_old', expiresAt: new Date(Date.now() + 86_400_000) });
    await repo.save({ endpointId: ep.id, secret: 'whsec_new', expiresAt: null });
    const secrets = await repo.find({ where: { endpointId: ep.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    expect(secrets.map((s) => s.secret)).toEqual(['whsec_old', 'whsec_new']);
    expect(secrets[0]!.expiresAt).toBeInstanceOf(Date);
  });

  it('message eventId is unique per application', async () => {
    const app = await makeApp();
    await makeMessage(app.id, 'evt-1');
    await makeMessage(app.id, null);
    await makeMessage(app.id, null);
    await expect(makeMessage(app.id, 'evt-1')).rejects.toMatchObject({ driverError: { code: '23505' } });
    await makeMessage((await makeApp()).id, 'evt-1');
  });

  it('deliveries are unique per (message, endpoint) and keep the due time', async () => {
    const app = await makeApp();
    const ep = await makeEndpoint(app.id);
    const msg = await makeMessage(app.id);
    const due = new Date(Date.now() + 5000);
    const repo = ds.getRepository(DeliveryEntity);
    const d = await repo.save({ id: newId('mdst'), messageId: msg.id, endpointId: ep.id, appId: app.id, status: DeliveryStatus.Pending, attempts: 0, nextAttemptAt: due });
    const found = await repo.findOneByOrFail({ id: d.id });
    expect(found.status).toBe(DeliveryStatus.Pending);
    expect(found.nextAttemptAt?.getTime()).toBe(due.getTime());
    expect(found.nextTrigger).toBe(TriggerType.Scheduled);
    await expect(repo.save({ id: newId('mdst'), messageId: msg.id, endpointId: ep.id, appId: app.id })).rejects.toMatchObject({ driverError: { code: '23505' } });
  });

  it('delivery status is constrained to Svix message statuses', async () => {
    const app = await makeApp();
    const ep = await makeEndpoint(app.id);
    const msg = await makeMessage(app.id);
    await expect(ds.getRepository(DeliveryEntity).save({ id: newId('mdst'), messageId: msg.id, endpointId: ep.id, appId: app.id, status: 7 as DeliveryStatus })).rejects.toMatchObject({
      driverError: { code: '23514' },
    });
  });

  it('attempts keep headers and are unique by id (one row per number is kept by the recording, the table being partitioned by id)', async () => {
    const app = await makeApp();
    const ep = await makeEndpoint(app.id);
    const msg = await makeMessage(app.id);
    const d = await ds.getRepository(DeliveryEntity).save({ id: newId('mdst'), messageId: msg.id, endpointId: ep.id, appId: app.id });
    const base = {
      deliveryId: d.id,
      messageId: msg.id,
      endpointId: ep.id,
      appId: app.id,
      attemptNumber: 1,
      url: ep.url,
      status: DeliveryStatus.Fail,
      responseStatusCode: 500,
      response: 'oops',
      responseDurationMs: 12,
      triggerType: TriggerType.Scheduled,
      requestHeaders: { 'webhook-id': msg.id },
      responseHeaders: { 'retry-after': '5' },
      error: null,
    };
    const saved = await ds.getRepository(AttemptEntity).save({ id: newId('atmpt'), ...base });
    const found = await ds.getRepository(AttemptEntity).findOneByOrFail({ id: saved.id });
    expect(found).toMatchObject({ responseStatusCode: 500, requestHeaders: { 'webhook-id': msg.id }, responseHeaders: { 'retry-after': '5' } });
    await expect(ds.getRepository(AttemptEntity).insert({ id: saved.id, ...base })).rejects.toMatchObject({ driverError: { code: '23505' } });
  });

  it('deleting an application cascades to endpoints, messages, deliveries and attempts', async () => {
    const app = await makeApp();
    const ep = await makeEndpoint(app.id);
    const msg = await makeMessage(app.id);
    const d = await ds.getRepository(DeliveryEntity).save({ id: newId('mdst'), messageId: msg.id, endpointId: ep.id, appId: app.id });
    await ds.getRepository(ApplicationEntity).delete({ id: app.id });
    expect(await ds.getRepository(EndpointEntity).countBy({ id: ep.id })).toBe(0);
    expect(await ds.getRepository(MessageEntity).countBy({ id: msg.id })).toBe(0);
    expect(await ds.getRepository(DeliveryEntity).countBy({ id: d.id })).toBe(0);
  });

  it('event types keep schemas and flags', async () => {
    const repo = ds.getRepository(EventTypeEntity);
    await repo.save({ name: 'user.created', description: 'A user', schemas: { '1': { examples: [{ id: 1 }] } }, featureFlags: ['beta'], groupName: 'user' });
    expect(await repo.findOneByOrFail({ name: 'user.created' })).toMatchObject({ schemas: { '1': { examples: [{ id: 1 }] } }, featureFlags: ['beta'], archived: false });
  });

  it('idempotency keys are unique per scope', async () => {
    const repo = ds.getRepository(IdempotencyKeyEntity);
    const row = { scope: 's1', key: 'k1', requestHash: 'a'.repeat(64), responseStatus: 202, responseBody: { id: 'msg_1' }, expiresAt: new Date(Date.now() + 1000) };
    await repo.insert(row);
    await repo.insert({ ...row, scope: 's2' });
    await expect(repo.insert(row)).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect((await repo.findOneByOrFail({ scope: 's1', key: 'k1' })).responseBody).toEqual({ id: 'msg_1' });
  });

  it('sources and inbound requests keep raw bytes exactly; the log takes any number of rows per provider id', async () => {
    const app = await makeApp(ApplicationKind.Source);
    const source = await ds.getRepository(SourceEntity).save({ id: newId('src'), name: 'gh', type: 'github', config: '{"secret":"x"}', metadata: {}, ingestToken: 'tok_1', appId: app.id });
    const bytes = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x7d]);
    const repo = ds.getRepository(InboundRequestEntity);
    const base = { sourceId: source.id, method: 'POST', url: '/in/tok_1', headers: { 'x-a': ['1', '2'] }, body: bytes, bodySize: bytes.length, responseStatus: 204, providerEventId: 'd1' };
    const accepted = await repo.save({ id: newId('req'), ...base, outcome: InboundOutcome.Accepted, reason: null });
    const found = await repo.findOneByOrFail({ id: accepted.id });
    expect(Buffer.compare(found.body, bytes)).toBe(0);
    expect(found.headers).toEqual({ 'x-a': ['1', '2'] });
    // Changed with the dedup window: the log only records; inbound_dedup_keys decides (next test).
    await repo.save({ id: newId('req'), ...base, outcome: InboundOutcome.Duplicate, reason: 'duplicate' });
    await repo.save({ id: newId('req'), ...base, outcome: InboundOutcome.Accepted, reason: null, dedupKey: 'sha256:ab' });
    expect(await repo.countBy({ sourceId: source.id, providerEventId: 'd1' })).toBe(3);
  });

  it('a dedup key is held once per source, and goes with its source', async () => {
    const sources = ds.getRepository(SourceEntity);
    const source = async (name: string) =>
      sources.save({ id: newId('src'), name, type: 'github', config: '{}', metadata: {}, ingestToken: `tok_${newId('req')}`, appId: (await makeApp(ApplicationKind.Source)).id });
    const a = await source('a');
    const b = await source('b');
    const keys = ds.getRepository(InboundDedupKeyEntity);
    const row = { dedupKey: `sha256:${'0'.repeat(64)}`, requestId: newId('req'), eventId: newId('evt'), messageId: newId('msg') };
    await keys.insert({ sourceId: a.id, ...row });
    await keys.insert({ sourceId: b.id, ...row });
    await expect(keys.insert({ sourceId: a.id, ...row, requestId: newId('req') })).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect((await keys.findOneByOrFail({ sourceId: a.id, dedupKey: row.dedupKey })).acceptedAt).toBeInstanceOf(Date);
    await sources.delete({ id: a.id });
    expect(await keys.countBy({ dedupKey: row.dedupKey })).toBe(1);
  });

  it('ingest tokens are unique', async () => {
    const repo = ds.getRepository(SourceEntity);
    const a = await makeApp(ApplicationKind.Source);
    const b = await makeApp(ApplicationKind.Source);
    await repo.save({ id: newId('src'), name: 'a', type: 'stripe', config: '{}', metadata: {}, ingestToken: 'same', appId: a.id });
    await expect(repo.save({ id: newId('src'), name: 'b', type: 'stripe', config: '{}', metadata: {}, ingestToken: 'same', appId: b.id })).rejects.toMatchObject({
      driverError: { code: '23505' },
    });
  });
});
