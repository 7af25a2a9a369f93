import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLoopbackProxy, testDatabaseBaseUrl, type LoopbackProxy } from '@switchyard/db/testing';
import { AUTH, eventually, SDK_1, startApiHarness, type ApiHarness } from './harness.js';

// An app portal token is looked up in PostgreSQL before the body is read. While PostgreSQL is
// unreachable that lookup fails: the caller gets Svix's 500 with an error id only (no driver
// text, no address, no token), and the token works again once PostgreSQL is back.

let database: LoopbackProxy;
let h: ApiHarness;
let appId: string;
let token: string;

beforeAll(async () => {
  database = await startLoopbackProxy(Number(new URL(testDatabaseBaseUrl()).port || 5432));
  h = await startApiHarness('api-portal-outage', {}, SDK_1, { databaseUrl: (url) => database.via(url) });
  appId = (await h.http().post('/api/v1/app').set(AUTH).send({ name: 'Outage' }).expect(201)).body.id;
  token = (await h.http().post(`/api/v1/auth/app-portal-access/${appId}`).set(AUTH).send({}).expect(200)).body.token;
});
afterAll(async () => {
  await database?.restore();
  await h?.close();
  await database?.cut();
});

describe('app portal tokens while PostgreSQL is unreachable', () => {
  it('answers 500 internal_error with an error id only, then works again', async () => {
    await h
      .http()
      .get(`/api/v1/app/${appId}/endpoint`)
      .set({ authorization: `Bearer ${token}` })
      .expect(200);
    await database.cut();
    const res = await h
      .http()
      .get(`/api/v1/app/${appId}/endpoint`)
      .set({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'internal_error', detail: expect.stringMatching(/^internal error err_[0-9A-Z]{26}$/) });
    for (const leak of [token.slice('sy_portal_'.length), '127.0.0.1', String(database.port), 'ECONNREFUSED', 'Connection']) expect(res.text).not.toContain(leak);
    await database.restore();
    await eventually(async () =>
      expect(
        (
          await h
            .http()
            .get(`/api/v1/app/${appId}/endpoint`)
            .set({ authorization: `Bearer ${token}` })
        ).status,
      ).toBe(200),
    );
  });
});
