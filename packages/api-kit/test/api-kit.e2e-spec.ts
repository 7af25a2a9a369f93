import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationEntity, ApplicationKind, dataSourceOptions, endpointSecretContext, EndpointSecretEntity, SecretBox } from '@switchyard/db';
import { createTestDatabase, type TestDatabase } from '@switchyard/db/testing';
import { newId } from '@switchyard/events';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKitModule, EndpointStore, ListQueryDto, paginate, ID_CURSOR, Public, conflict, SECRET_BOX } from '../src/index.js';

const TOKEN = 'sk_test_api_kit_0123456789';

class ThingIn {
  @IsString()
  @MaxLength(20)
  name: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  count?: number;
}

let created = 0;

@Controller()
class ThingsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: EndpointStore,
  ) {}

  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @Post('things')
  @HttpCode(202)
  async create(@Body() body: ThingIn) {
    created++;
    if (body.name === 'taken') throw conflict('name taken');
    if (body.name === 'boom') throw new Error('kaboom with secret sk_live_zzz');
    const app = await this.dataSource.getRepository(ApplicationEntity).save({ id: newId('app'), name: body.name, kind: ApplicationKind.App, metadata: {} });
    return { id: app.id, name: app.name, count: body.count ?? null };
  }

  /** Chooses its own status, as getOrCreate does (200 when it found, 201 when it made). */
  @Post('choose')
  choose(@Body() body: ThingIn, @Res({ passthrough: true }) reply: FastifyReply) {
    created++;
    void reply.status(body.name === 'found' ? 200 : 201);
    return { name: body.name };
  }

  @Get('things')
  list(@Query() query: ListQueryDto) {
    const qb = this.dataSource.getRepository(ApplicationEntity).createQueryBuilder('a');
    return paginate(qb, query, { column: 'a.id', key: (a) => a.id, cursorPattern: ID_CURSOR, defaultOrder: 'ascending' }, (a) => ({ id: a.id }));
  }

  @Post('things/:appId/endpoints')
  @HttpCode(201)
  async endpoint(@Param('appId') appId: string, @Body() body: { url: string }) {
    const ep = await this.endpoints.create(appId, { url: body.url });
    return { id: ep.id };
  }
}

let db: TestDatabase;
let app: NestFastifyApplication;
let ds: DataSource;
const key = randomBytes(32);

beforeAll(async () => {
  db = await createTestDatabase('api-kit');
  @Module({
    imports: [TypeOrmModule.forRoot(dataSourceOptions({ url: db.url })), ApiKitModule.forRoot({ adminApiKey: TOKEN, secretEncryptionKeys: [key] })],
    controllers: [ThingsController],
  })
  class TestModule {}
  const moduleRef = await Test.createTestingModule({ imports: [TestModule] }).compile();
  app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { rawBody: true, logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  ds = app.get(DataSource);
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe('auth', () => {
  it('lets @Public routes through', async () => {
    expect((await request(app.getHttpServer()).get('/open')).status).toBe(200);
  });

  it.each([
    ['no header', {}],
    ['wrong token', { authorization: 'Bearer nope' }],
    ['wrong scheme', { authorization: `Basic ${TOKEN}` }],
    ['token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
  ])('answers 401 in Svix shape for %s', async (_label, headers) => {
    const res = await request(app.getHttpServer())
      .get('/things')
      .set(headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 'authentication_failed', detail: expect.any(String) });
  });
});

describe('validation', () => {
  it.each([
    ['unknown field', { name: 'a', extra: 1 }, ['body', 'extra'], 'extra_forbidden'],
    ['wrong type', { name: 5 }, ['body', 'name'], 'isString'],
    ['too long', { name: 'x'.repeat(21) }, ['body', 'name'], 'maxLength'],
    ['bad nested number', { name: 'a', count: 0 }, ['body', 'count'], 'min'],
  ])('answers 422 with loc for %s', async (_label, body, loc, type) => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).send(body);
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc, type })]));
  });

  it('answers 422 for a JSON array body', async () => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).send([1, 2]);
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['body']);
  });

  it('answers 400 in Svix shape for malformed JSON', async () => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).set('content-type', 'application/json').send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'bad_request', detail: expect.any(String) });
  });

  it('answers 422 under query for an absurd limit and a forged iterator', async () => {
    const limit = await request(app.getHttpServer()).get('/things?limit=100000').set(auth);
    expect(limit.status).toBe(422);
    expect(limit.body.detail[0].loc).toEqual(['query', 'limit']);
    const iterator = await request(app.getHttpServer()).get("/things?iterator=app_'%3B--").set(auth);
    expect(iterator.status).toBe(422);
    expect(iterator.body.detail[0].loc).toEqual(['query', 'iterator']);
  });

  it('hides internal errors behind an error id', async () => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).send({ name: 'boom' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'internal_error', detail: expect.stringMatching(/^internal error err_/) });
    expect(JSON.stringify(res.body)).not.toContain('sk_live');
  });
});

describe('pagination', () => {
  it('walks forward and back over every row exactly once', async () => {
    for (let i = 0; i < 7; i++)
      await request(app.getHttpServer())
        .post('/things')
        .set(auth)
        .send({ name: `p${i}` });
    const all: string[] = [];
    let iterator: string | null = null;
    let pages = 0;
    for (;;) {
      const res: request.Response = await request(app.getHttpServer())
        .get(`/things?limit=3${iterator ? `&iterator=${iterator}` : ''}`)
        .set(auth);
      expect(res.status).toBe(200);
      all.push(...res.body.data.map((d: { id: string }) => d.id));
      pages++;
      if (res.body.done) break;
      iterator = res.body.iterator;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([...all].sort());
    expect(pages).toBe(Math.ceil(all.length / 3) + (all.length % 3 === 0 ? 1 : 0) || 1);
    const second = await request(app.getHttpServer()).get(`/things?limit=3&iterator=${all[2]}`).set(auth);
    const back = await request(app.getHttpServer()).get(`/things?limit=3&iterator=${second.body.prevIterator}`).set(auth);
    expect(back.body.data.map((d: { id: string }) => d.id)).toEqual(all.slice(0, 3));
  });
});

describe('idempotency', () => {
  it('replays the first answer and creates nothing more', async () => {
    const before = created;
    const first = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-1').send({ name: 'idem' });
    const second = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-1').send({ name: 'idem' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(created - before).toBe(1);
    expect(await ds.getRepository(ApplicationEntity).countBy({ name: 'idem' })).toBe(1);
  });

  it('refuses the same key with a different body', async () => {
    await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-2').send({ name: 'one' });
    const res = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-2').send({ name: 'two' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('idempotency_conflict');
  });

  it('replays a 4xx answer too', async () => {
    const a = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-3').send({ name: 'taken' });
    const b = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-3').send({ name: 'taken' });
    expect(a.status).toBe(409);
    expect(b.status).toBe(409);
    expect(b.body).toEqual(a.body);
  });

  it('forgets a key whose request failed with a 5xx, so it can be retried', async () => {
    await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-4').send({ name: 'boom' });
    const retry = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-4').send({ name: 'boom' });
    expect(retry.status).toBe(500);
  });

  it('replays the status a handler chose, not the route default', async () => {
    const before = created;
    const first = await request(app.getHttpServer()).post('/choose').set(auth).set('idempotency-key', 'k-6').send({ name: 'found' });
    const again = await request(app.getHttpServer()).post('/choose').set(auth).set('idempotency-key', 'k-6').send({ name: 'found' });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(created - before).toBe(1);
  });

  it('keys are scoped per path', async () => {
    const a = await request(app.getHttpServer()).post('/things').set(auth).set('idempotency-key', 'k-5').send({ name: 'scoped' });
    expect(a.status).toBe(202);
    const appId = a.body.id;
    const b = await request(app.getHttpServer()).post(`/things/${appId}/endpoints`).set(auth).set('idempotency-key', 'k-5').send({ url: 'https://example.com/x' });
    expect(b.status).toBe(201);
  });
});

describe('endpoint store', () => {
  it('creates an endpoint with an encrypted secret and rotates with a grace period', async () => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).send({ name: 'store' });
    const store = app.get(EndpointStore);
    const ep = await store.create(res.body.id, { url: 'https://example.com/hook', uid: 'u1' });
    const first = await store.currentSecret(ep.id);
    expect(first).toMatch(/^whsec_/);
    const row = await ds.getRepository(EndpointSecretEntity).findOneByOrFail({ endpointId: ep.id });
    expect(row.secret).not.toContain(first.slice(6));
    expect(new SecretBox(key).open(row.secret, endpointSecretContext(ep.id))).toBe(first);
    expect(app.get(SECRET_BOX)).toBeInstanceOf(SecretBox);

    await store.rotateSecret(ep.id, { gracePeriodSeconds: 60 });
    const second = await store.currentSecret(ep.id);
    expect(second).not.toBe(first);
    expect(await store.activeSecrets(ep.id)).toEqual([second, first]);
    await store.rotateSecret(ep.id, { gracePeriodSeconds: 0 });
    const third = await store.currentSecret(ep.id);
    // grace 0 retires the second at once; the first keeps its own 60 s.
    expect(await store.activeSecrets(ep.id)).toEqual([third, first]);
    expect(await store.activeSecrets(ep.id, new Date(Date.now() + 120_000))).toEqual([third]);
    await expect(store.create(res.body.id, { url: 'https://example.com/other', uid: 'u1' })).rejects.toMatchObject({ status: 409 });
    await expect(store.create(res.body.id, { url: 'ftp://example.com' })).rejects.toMatchObject({ status: 422 });
    await expect(store.create(res.body.id, { url: 'https://example.com', secret: 'whsec_short' })).rejects.toMatchObject({ status: 422 });
  });

  it('bounds the number of secrets kept across many rotations', async () => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).send({ name: 'bounded' });
    const store = app.get(EndpointStore);
    const ep = await store.create(res.body.id, { url: 'https://example.com/hook' });
    for (let i = 0; i < 15; i++) await store.rotateSecret(ep.id, { gracePeriodSeconds: 3600 });
    expect(await ds.getRepository(EndpointSecretEntity).countBy({ endpointId: ep.id })).toBe(10);
  });

  it('refuses reserved and malformed headers', async () => {
    const res = await request(app.getHttpServer()).post('/things').set(auth).send({ name: 'headers' });
    const store = app.get(EndpointStore);
    for (const headers of <Record<string, string>[]>[{ 'webhook-signature': 'x' }, { 'content-length': '1' }, { 'bad name': 'x' }, { 'x-ok': 'a\r\nb' }]) {
      await expect(store.create(res.body.id, { url: 'https://example.com', headers })).rejects.toMatchObject({ status: 422 });
    }
    const ep = await store.create(res.body.id, { url: 'https://example.com', headers: { 'x-tenant': 'a', authorization: 'Bearer t' } });
    expect(ep.headers).toEqual({ 'x-tenant': 'a', authorization: 'Bearer t' });
  });
});
