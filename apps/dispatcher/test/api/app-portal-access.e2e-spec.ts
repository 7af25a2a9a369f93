import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH, eventually, SDK_1, startApiHarness, type ApiHarness } from './harness.js';

// App-scoped access (issue 13): app portal tokens, issued with the admin key, reach one
// application within their capabilities; stored hashed; revocable.

const PORTAL_URL = 'https://hooks.example.com/portal';

let h: ApiHarness;
/** Every log line, at trace level: no token may appear in one. */
const logLines: string[] = [];
/** Every token issued here. */
const issued: string[] = [];
let appA: { id: string; uid: string };
let appB: { id: string; uid: string };
beforeAll(async () => {
  h = await startApiHarness('api-portal-access', { PORTAL_URL: `${PORTAL_URL}/`, LOG_LEVEL: 'trace' }, SDK_1, { logDestination: { write: (line) => void logLines.push(line) } });
  appA = (
    await h
      .http()
      .post('/api/v1/app')
      .set(AUTH)
      .send({ name: 'Tenant A', uid: 'tenant-a', metadata: { brandColor: '#123456' } })
  ).body;
  appB = (await h.http().post('/api/v1/app').set(AUTH).send({ name: 'Tenant B', uid: 'tenant-b' })).body;
  await h.http().post(`/api/v1/app/${appA.id}/endpoint`).set(AUTH).send({ url: 'https://example.com/a', uid: 'ep-a' }).expect(201);
  await h.http().post(`/api/v1/app/${appB.id}/endpoint`).set(AUTH).send({ url: 'https://example.com/b', uid: 'ep-b' }).expect(201);
});
afterAll(async () => {
  await h?.close();
});

async function issue(appId: string, body: Record<string, unknown> = {}): Promise<{ url: string; token: string }> {
  const res = await h.http().post(`/api/v1/auth/app-portal-access/${appId}`).set(AUTH).send(body);
  expect(res.status).toBe(200);
  issued.push(res.body.token);
  return res.body;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('issuing', () => {
  it('answers a recognisable token and a PORTAL_URL link carrying it in the fragment only', async () => {
    const { url, token } = await issue(appA.id);
    expect(token).toMatch(/^sy_portal_[A-Za-z0-9_-]{43}$/);
    expect(url).toBe(`${PORTAL_URL}#key=${token}`);
    expect(new URL(url).search).toBe('');
  });

  it('stores only the hash: the token appears nowhere in the database, even when issued with an idempotency-key (as the SDKs send)', async () => {
    const res = await h
      .http()
      .post(`/api/v1/auth/app-portal-access/${appA.id}`)
      .set({ ...AUTH, 'idempotency-key': 'mint-1' })
      .send({ sessionId: 'hash-check' })
      .expect(200);
    const token = res.body.token as string;
    // A repeat issues another token rather than replaying a stored answer.
    const again = await h
      .http()
      .post(`/api/v1/auth/app-portal-access/${appA.id}`)
      .set({ ...AUTH, 'idempotency-key': 'mint-1' })
      .send({ sessionId: 'hash-check' })
      .expect(200);
    expect(again.body.token).not.toBe(token);
    const tables = (await h.ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)) as { table_name: string }[];
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['app_portal_tokens', 'idempotency_keys']));
    for (const { table_name } of tables) {
      const dump = (await h.ds.query(`SELECT coalesce(string_agg(row_to_json(t)::text, E'\n'), '') AS j FROM "${table_name}" t`)) as { j: string }[];
      for (const secret of [token, again.body.token as string]) {
        expect({ table_name, found: dump[0]!.j.includes(secret.slice('sy_portal_'.length)) }).toEqual({ table_name, found: false });
      }
    }
    const { createHash } = await import('node:crypto');
    const hashes = ((await h.ds.query(`SELECT token_hash FROM app_portal_tokens WHERE session_id = 'hash-check'`)) as { token_hash: string }[]).map((r) => r.token_hash);
    expect(hashes.sort()).toEqual([token, again.body.token as string].map((t) => createHash('sha256').update(t).digest('hex')).sort());
  });

  it('answers the portal session of the token', async () => {
    const { token } = await issue(appA.uid, { capabilities: ['ViewEndpointSecret'], featureFlags: ['beta'], sessionId: 'sess-1', expiry: 3600 });
    const res = await h.http().get('/api/v1/auth/portal-session').set(bearer(token)).expect(200);
    expect(res.body).toEqual({
      appId: appA.id,
      appUid: 'tenant-a',
      appName: 'Tenant A',
      metadata: { brandColor: '#123456' },
      capabilities: ['ViewBase', 'ViewEndpointSecret'],
      readOnly: false,
      featureFlags: ['beta'],
      sessionId: 'sess-1',
      expiresAt: expect.any(String),
    });
    const expiresInMs = Date.parse(res.body.expiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(3590_000);
    expect(expiresInMs).toBeLessThanOrEqual(3600_000);
  });

  it('gives every capability by default, ViewBase only when readOnly', async () => {
    const all = await issue(appA.id);
    expect((await h.http().get('/api/v1/auth/portal-session').set(bearer(all.token))).body.capabilities).toEqual([
      'ViewBase',
      'ViewEndpointSecret',
      'ManageEndpointSecret',
      'ManageTransformations',
      'CreateAttempts',
      'ManageEndpoint',
    ]);
    const readOnly = await issue(appA.id, { readOnly: true });
    expect((await h.http().get('/api/v1/auth/portal-session').set(bearer(readOnly.token))).body).toMatchObject({ capabilities: ['ViewBase'], readOnly: true });
  });

  it('creates the application when the path is a new uid and the body carries one, as Svix does', async () => {
    const { token } = await issue('tenant-new', { application: { name: 'New tenant' } });
    const session = (await h.http().get('/api/v1/auth/portal-session').set(bearer(token)).expect(200)).body;
    expect(session).toMatchObject({ appUid: 'tenant-new', appName: 'New tenant' });
    const app = await h.http().get('/api/v1/app/tenant-new').set(AUTH).expect(200);
    expect(app.body.id).toBe(session.appId);
  });

  it('refuses bad input with a clear 4xx and stores nothing', async () => {
    const before = Number((await h.ds.query(`SELECT count(*)::int AS n FROM app_portal_tokens`))[0].n);
    await h.http().post('/api/v1/auth/app-portal-access/no-such-app').set(AUTH).send({}).expect(404);
    await h
      .http()
      .post('/api/v1/auth/app-portal-access/app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW')
      .set(AUTH)
      .send({ application: { name: 'x' } })
      .expect(404);
    for (const body of [
      { expiry: 0 },
      { expiry: 604801 },
      { expiry: 'soon' },
      { capabilities: ['Everything'] },
      { readOnly: 'yes' },
      { featureFlags: [1] },
      { sessionId: '' },
      { application: { uid: 'x' } },
    ]) {
      const res = await h.http().post(`/api/v1/auth/app-portal-access/${appA.id}`).set(AUTH).send(body);
      expect([res.status, body]).toEqual([422, body]);
    }
    expect(Number((await h.ds.query(`SELECT count(*)::int AS n FROM app_portal_tokens`))[0].n)).toBe(before);
  });
});

describe('isolation', () => {
  it('reaches its own application by id and uid, never another one, whether it exists or not', async () => {
    const { token } = await issue(appA.id);
    const own = await h.http().get(`/api/v1/app/${appA.id}/endpoint`).set(bearer(token)).expect(200);
    expect(own.body.data.map((e: { uid: string }) => e.uid)).toEqual(['ep-a']);
    await h.http().get(`/api/v1/app/tenant-a/endpoint/ep-a`).set(bearer(token)).expect(200);
    await h.http().get(`/api/v1/app/tenant-a`).set(bearer(token)).expect(200);

    for (const other of [appB.id, appB.uid, 'no-such-tenant', 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW']) {
      for (const path of [`/api/v1/app/${other}`, `/api/v1/app/${other}/endpoint`, `/api/v1/app/${other}/endpoint/ep-b`, `/api/v1/app/${other}/msg`]) {
        const res = await h.http().get(path).set(bearer(token));
        expect([path, res.status, res.body.code]).toEqual([path, 403, 'forbidden']);
      }
    }
    // Another application's endpoint, through the token's own application, is simply not there.
    await h.http().get(`/api/v1/app/${appA.id}/endpoint/ep-b`).set(bearer(token)).expect(404);
  });

  it('cannot list, create or change applications, write event types or reach operational webhooks', async () => {
    const { token } = await issue(appA.id);
    const cases: [string, string, object?][] = [
      ['get', '/api/v1/app'],
      ['post', '/api/v1/app', { name: 'x' }],
      ['put', `/api/v1/app/${appA.id}`, { name: 'x' }],
      ['patch', `/api/v1/app/${appA.id}`, { name: 'x' }],
      ['delete', `/api/v1/app/${appA.id}`],
      ['post', '/api/v1/event-type', { name: 'x.y', description: 'x' }],
      ['get', '/api/v1/operational-webhook/endpoint'],
      ['get', '/api/v1/background-task'],
      ['post', `/api/v1/auth/app-portal-access/${appA.id}`, {}],
      ['post', `/api/v1/auth/app/${appA.id}/expire-all`, {}],
      ['post', `/api/v1/app/${appA.id}/msg`, { eventType: 'x', payload: {} }],
    ];
    for (const [method, path, body] of cases) {
      const req = (h.http() as unknown as Record<string, (p: string) => ReturnType<ReturnType<ApiHarness['http']>['get']>>)[method]!(path).set(bearer(token));
      const res = await (body ? req.send(body) : req);
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'forbidden']);
    }
    expect((await h.http().get(`/api/v1/app/${appA.id}`).set(AUTH)).body.name).toBe('Tenant A');
  });

  it('reads the event type catalog', async () => {
    await h.http().post('/api/v1/event-type').set(AUTH).send({ name: 'invoice.paid', description: 'Paid' }).expect(201);
    const { token } = await issue(appA.id, { readOnly: true });
    const list = await h.http().get('/api/v1/event-type').set(bearer(token)).expect(200);
    expect(list.body.data.map((t: { name: string }) => t.name)).toContain('invoice.paid');
    await h.http().get('/api/v1/event-type/invoice.paid').set(bearer(token)).expect(200);
  });
});

describe('revocation and expiry', () => {
  it('an expired token answers 401 token_expired', async () => {
    const { token } = await issue(appA.id, { expiry: 1 });
    await h.http().get(`/api/v1/app/${appA.id}/endpoint`).set(bearer(token)).expect(200);
    await eventually(async () => {
      const res = await h.http().get(`/api/v1/app/${appA.id}/endpoint`).set(bearer(token));
      expect([res.status, res.body.code]).toEqual([401, 'token_expired']);
    });
  });

  it('an unknown token of the right shape is just a wrong token', async () => {
    const res = await h
      .http()
      .get(`/api/v1/app/${appA.id}`)
      .set(bearer(`sy_portal_${'A'.repeat(43)}`));
    expect([res.status, res.body.code]).toEqual([401, 'authentication_failed']);
  });

  it("logout revokes the caller's own token and no other", async () => {
    const one = await issue(appA.id);
    const two = await issue(appA.id);
    await h.http().post('/api/v1/auth/logout').set(bearer(one.token)).expect(204);
    const res = await h.http().get('/api/v1/auth/portal-session').set(bearer(one.token));
    expect([res.status, res.body.code]).toEqual([401, 'token_expired']);
    await h.http().get('/api/v1/auth/portal-session').set(bearer(two.token)).expect(200);
  });

  it('logout and the portal session need an app token: the admin key gets 400 app_token_required', async () => {
    for (const res of [await h.http().post('/api/v1/auth/logout').set(AUTH), await h.http().get('/api/v1/auth/portal-session').set(AUTH)]) {
      expect([res.status, res.body.code]).toEqual([400, 'app_token_required']);
    }
  });

  it("expire-all ends every token of the application (only of named sessions when asked), not another application's", async () => {
    const a1 = await issue(appA.id, { sessionId: 's1' });
    const a2 = await issue(appA.id, { sessionId: 's2' });
    const b = await issue(appB.id);
    await h
      .http()
      .post(`/api/v1/auth/app/${appA.uid}/expire-all`)
      .set(AUTH)
      .send({ sessionIds: ['s1'] })
      .expect(204);
    expect((await h.http().get('/api/v1/auth/portal-session').set(bearer(a1.token))).body.code).toBe('token_expired');
    await h.http().get('/api/v1/auth/portal-session').set(bearer(a2.token)).expect(200);
    await h.http().post(`/api/v1/auth/app/${appA.id}/expire-all`).set(AUTH).send({}).expect(204);
    expect((await h.http().get('/api/v1/auth/portal-session').set(bearer(a2.token))).body.code).toBe('token_expired');
    await h.http().get('/api/v1/auth/portal-session').set(bearer(b.token)).expect(200);
  });

  it('expire-all with an expiry leaves a grace', async () => {
    const t = await issue(appA.id);
    await h.http().post(`/api/v1/auth/app/${appA.id}/expire-all`).set(AUTH).send({ expiry: 1 }).expect(204);
    await h.http().get('/api/v1/auth/portal-session').set(bearer(t.token)).expect(200);
    await eventually(async () => expect((await h.http().get('/api/v1/auth/portal-session').set(bearer(t.token))).body.code).toBe('token_expired'));
  });

  it("a deleted application's tokens stop working", async () => {
    const app = (await h.http().post('/api/v1/app').set(AUTH).send({ name: 'Doomed' })).body;
    const t = await issue(app.id);
    await h.http().delete(`/api/v1/app/${app.id}`).set(AUTH).expect(204);
    const res = await h.http().get(`/api/v1/app/${app.id}/endpoint`).set(bearer(t.token));
    expect([res.status, res.body.code]).toEqual([401, 'token_expired']);
  });
});

describe('logs', () => {
  it('name the credential of each request: an app portal token by its row id and application', async () => {
    const { token } = await issue(appB.id);
    await h.http().get(`/api/v1/app/${appB.id}/endpoint`).set(bearer(token)).expect(200);
    const [row] = (await h.ds.query(`SELECT id FROM app_portal_tokens ORDER BY created_at DESC, id DESC LIMIT 1`)) as { id: string }[];
    await eventually(() => {
      const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed' && l.path === `/api/v1/app/${appB.id}/endpoint`);
      expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ credential: 'app_portal_token', tokenId: row!.id, appId: appB.id, statusCode: 200 })]));
      expect(logLines.some((l) => l.includes('"credential":"admin"'))).toBe(true);
    });
  });

  it('never hold a token, issued or presented', async () => {
    expect(issued.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(50);
    const leaks = issued.filter((token) => logLines.some((line) => line.includes(token.slice('sy_portal_'.length))));
    expect(leaks).toEqual([]);
  });
});
