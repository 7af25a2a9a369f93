import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { answerBeforeBody, nestedJson, operationsOf, type OpenApiDoc } from '@switchyard/api-kit/testing';
import { Receiver } from '../support/receiver.js';
import { AUTH, eventually, startApiHarness, type ApiHarness } from './harness.js';

// The capability matrix of app portal tokens, table-driven over the routes: what each
// capability opens, that read-only forbids every write, that every other route of the
// OpenAPI document is closed to a token, and that no route reaches another application.

type Cap = 'ViewBase' | 'ViewEndpointSecret' | 'ManageEndpointSecret' | 'ManageTransformations' | 'CreateAttempts' | 'ManageEndpoint';

/** A route a token may reach: which capabilities open it (any one), and whether it writes. */
interface Row {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path; {app_id} etc. are filled in per test. */
  readonly path: string;
  readonly anyOf: readonly Cap[];
  readonly write: boolean;
  readonly body?: object;
}

const VIEW: readonly Cap[] = ['ViewBase'];
const APP = '/api/v1/app/{app_id}';
const EP = `${APP}/endpoint/{endpoint_id}`;
const MISSING_EP = `${APP}/endpoint/ep-missing`;

// Writes go to an endpoint that does not exist, or carry a body that fails validation, so that
// the answer proves the request got past authorization (it equals the admin key's) and changes nothing.
const ROWS: readonly Row[] = [
  { method: 'get', path: APP, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/endpoint`, anyOf: VIEW, write: false },
  { method: 'post', path: `${APP}/endpoint`, anyOf: ['ManageEndpoint'], write: true, body: {} },
  { method: 'get', path: EP, anyOf: VIEW, write: false },
  { method: 'put', path: MISSING_EP, anyOf: ['ManageEndpoint'], write: true, body: {} },
  { method: 'patch', path: MISSING_EP, anyOf: ['ManageEndpoint'], write: true, body: {} },
  { method: 'delete', path: MISSING_EP, anyOf: ['ManageEndpoint'], write: true },
  { method: 'get', path: `${EP}/secret`, anyOf: ['ViewEndpointSecret', 'ManageEndpointSecret', 'ManageEndpoint'], write: false },
  { method: 'post', path: `${MISSING_EP}/secret/rotate`, anyOf: ['ManageEndpointSecret', 'ManageEndpoint'], write: true, body: {} },
  { method: 'get', path: `${EP}/headers`, anyOf: VIEW, write: false },
  { method: 'put', path: `${MISSING_EP}/headers`, anyOf: ['ManageEndpoint'], write: true, body: {} },
  { method: 'patch', path: `${MISSING_EP}/headers`, anyOf: ['ManageEndpoint'], write: true, body: {} },
  { method: 'get', path: `${EP}/stats`, anyOf: VIEW, write: false },
  { method: 'post', path: `${MISSING_EP}/recover`, anyOf: ['CreateAttempts', 'ManageEndpoint'], write: true, body: {} },
  { method: 'post', path: `${MISSING_EP}/replay-missing`, anyOf: ['CreateAttempts', 'ManageEndpoint'], write: true, body: {} },
  { method: 'post', path: `${MISSING_EP}/send-example`, anyOf: ['CreateAttempts'], write: true, body: {} },
  { method: 'get', path: `${APP}/msg`, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/msg/{msg_id}`, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/attempt/endpoint/{endpoint_id}`, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/attempt/msg/{msg_id}`, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/msg/{msg_id}/attempt/{attempt_id}`, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/endpoint/{endpoint_id}/msg`, anyOf: VIEW, write: false },
  { method: 'get', path: `${APP}/msg/{msg_id}/endpoint`, anyOf: VIEW, write: false },
  { method: 'post', path: `${APP}/msg/{msg_id}/endpoint/ep-missing/resend`, anyOf: ['CreateAttempts'], write: true, body: {} },
  { method: 'get', path: '/api/v1/event-type', anyOf: VIEW, write: false },
  { method: 'get', path: '/api/v1/event-type/{event_type_name}', anyOf: VIEW, write: false },
  { method: 'get', path: '/api/v1/auth/portal-session', anyOf: VIEW, write: false },
];
/** Open to every token and tested on their own (it revokes the token). */
const ALSO_OPEN = ['post /api/v1/auth/logout'];

/** Token profiles: what was asked for at issue, and the capabilities and read-only flag that result. */
const PROFILES: readonly { name: string; body: object; caps: readonly Cap[]; readOnly: boolean }[] = [
  { name: 'all (default)', body: {}, caps: ['ViewBase', 'ViewEndpointSecret', 'ManageEndpointSecret', 'ManageTransformations', 'CreateAttempts', 'ManageEndpoint'], readOnly: false },
  { name: 'ViewBase', body: { capabilities: ['ViewBase'] }, caps: ['ViewBase'], readOnly: false },
  { name: 'ViewEndpointSecret', body: { capabilities: ['ViewBase', 'ViewEndpointSecret'] }, caps: ['ViewBase', 'ViewEndpointSecret'], readOnly: false },
  { name: 'ManageEndpointSecret', body: { capabilities: ['ManageEndpointSecret'] }, caps: ['ViewBase', 'ManageEndpointSecret'], readOnly: false },
  { name: 'CreateAttempts', body: { capabilities: ['ViewBase', 'CreateAttempts'] }, caps: ['ViewBase', 'CreateAttempts'], readOnly: false },
  { name: 'ManageEndpoint', body: { capabilities: ['ViewBase', 'ManageEndpoint'] }, caps: ['ViewBase', 'ManageEndpoint'], readOnly: false },
  {
    name: 'readOnly with every capability',
    body: { readOnly: true, capabilities: ['ViewBase', 'ViewEndpointSecret', 'ManageEndpointSecret', 'CreateAttempts', 'ManageEndpoint'] },
    caps: ['ViewBase', 'ViewEndpointSecret', 'ManageEndpointSecret', 'CreateAttempts', 'ManageEndpoint'],
    readOnly: true,
  },
  { name: 'readOnly (default capabilities)', body: { readOnly: true }, caps: ['ViewBase'], readOnly: true },
];

let h: ApiHarness;
let receiver: Receiver;
let ids: Record<string, string>;
let other: { id: string; uid: string };
let doc: OpenApiDoc;

beforeAll(async () => {
  h = await startApiHarness('api-portal-matrix');
  receiver = await Receiver.start();
  await h.http().post('/api/v1/event-type').set(AUTH).send({ name: 'order.created', description: 'An order' }).expect(201);
  const app = (await h.http().post('/api/v1/app').set(AUTH).send({ name: 'Mine', uid: 'mine' }).expect(201)).body;
  other = (await h.http().post('/api/v1/app').set(AUTH).send({ name: 'Theirs', uid: 'theirs' }).expect(201)).body;
  const ep = (
    await h
      .http()
      .post(`/api/v1/app/${app.id}/endpoint`)
      .set(AUTH)
      .send({ url: receiver.url('/mine') })
      .expect(201)
  ).body;
  await h
    .http()
    .post(`/api/v1/app/${other.id}/endpoint`)
    .set(AUTH)
    .send({ url: receiver.url('/theirs') })
    .expect(201);
  const msg = (
    await h
      .http()
      .post(`/api/v1/app/${app.id}/msg`)
      .set(AUTH)
      .send({ eventType: 'order.created', payload: { n: 1 } })
      .expect(202)
  ).body;
  const attempt = await eventually(async () => {
    const list = await h.http().get(`/api/v1/app/${app.id}/attempt/msg/${msg.id}`).set(AUTH).expect(200);
    expect(list.body.data).toHaveLength(1);
    return list.body.data[0] as { id: string };
  });
  ids = { app_id: app.id, endpoint_id: ep.id, msg_id: msg.id, attempt_id: attempt.id, event_type_name: 'order.created', task_id: 'qtask_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW' };
  doc = (await h.http().get('/docs-json').expect(200)).body as OpenApiDoc;
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/\{([a-z_]+)\}/g, (_, name: string) => values[name] ?? `missing-${name}`);
}

async function call(method: Row['method'], path: string, authorization: string, body?: object): Promise<{ status: number; body: { code?: string } }> {
  const req = h.http()[method](path).set({ authorization });
  const res = await (body === undefined ? req : req.send(body));
  return { status: res.status, body: res.body };
}

async function issue(body: object): Promise<string> {
  return (await h.http().post(`/api/v1/auth/app-portal-access/${ids.app_id}`).set(AUTH).send(body).expect(200)).body.token;
}

describe('the capability matrix', () => {
  it('lists only routes the OpenAPI document has', async () => {
    const documented = new Set(operationsOf(doc).map(({ method, path }) => `${method} ${path}`));
    for (const row of ROWS) expect(documented.has(`${row.method} ${row.path.replace('ep-missing', '{endpoint_id}')}`)).toBe(true);
  });

  it.each(PROFILES)('$name: each route is open exactly as its capabilities and read-only say', async (profile) => {
    const token = `Bearer ${await issue(profile.body)}`;
    expect((await h.http().get('/api/v1/auth/portal-session').set({ authorization: token })).body).toMatchObject({ capabilities: [...profile.caps], readOnly: profile.readOnly });
    for (const row of ROWS) {
      const path = fill(row.path, ids);
      const allowed = row.anyOf.some((c) => profile.caps.includes(c)) && !(row.write && profile.readOnly);
      const got = await call(row.method, path, token, row.body);
      if (allowed) {
        const admin = path === '/api/v1/auth/portal-session' ? { status: 200 } : await call(row.method, path, AUTH.authorization, row.body);
        expect({ route: `${row.method} ${path}`, status: got.status }).toEqual({ route: `${row.method} ${path}`, status: admin.status });
        expect([401, 403]).not.toContain(got.status);
      } else {
        expect({ route: `${row.method} ${path}`, status: got.status, code: got.body.code }).toEqual({ route: `${row.method} ${path}`, status: 403, code: 'forbidden' });
      }
    }
  });

  it('closes every other route of the API to a token with every capability', async () => {
    const token = `Bearer ${await issue({})}`;
    const open = new Set([...ROWS.map((r) => `${r.method} ${r.path.replace('ep-missing', '{endpoint_id}')}`), ...ALSO_OPEN, 'get /api/v1/health']);
    const closed = operationsOf(doc).filter(({ method, path }) => path.startsWith('/api/') && !open.has(`${method} ${path}`));
    // the application list and writes, publishing, expunge, event type writes, operational webhooks, background tasks, token minting
    expect(closed.length).toBeGreaterThanOrEqual(25);
    for (const { method, path } of closed) {
      const filled = fill(path, ids);
      const got = await call(method as Row['method'], filled, token, method === 'get' || method === 'delete' ? undefined : {});
      expect({ route: `${method} ${filled}`, status: got.status, code: got.body.code }).toEqual({ route: `${method} ${filled}`, status: 403, code: 'forbidden' });
    }
    // nothing changed: the application, its endpoint and message are all still there
    await h.http().get(`/api/v1/app/${ids.app_id}/endpoint/${ids.endpoint_id}`).set(AUTH).expect(200);
    await h.http().get(`/api/v1/app/${ids.app_id}/msg/${ids.msg_id}`).set(AUTH).expect(200);
  });

  it('reaches no route of another application, named by id or uid, nor of one that does not exist', async () => {
    const token = `Bearer ${await issue({})}`;
    for (const appId of [other.id, other.uid, 'nobody', 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW']) {
      for (const row of ROWS.filter((r) => r.path.includes('{app_id}'))) {
        const path = fill(row.path, { ...ids, app_id: appId });
        const got = await call(row.method, path, token, row.body);
        expect({ route: `${row.method} ${path}`, status: got.status, code: got.body.code }).toEqual({ route: `${row.method} ${path}`, status: 403, code: 'forbidden' });
      }
    }
  });

  it("reads only its own application's objects through its own path", async () => {
    const token = `Bearer ${await issue({})}`;
    const theirs = (await h.http().get(`/api/v1/app/${other.id}/endpoint`).set(AUTH)).body.data[0].id as string;
    for (const path of [`/api/v1/app/${ids.app_id}/endpoint/${theirs}`, `/api/v1/app/${ids.app_id}/endpoint/${theirs}/secret`, `/api/v1/app/${ids.app_id}/attempt/endpoint/${theirs}`]) {
      expect((await call('get', path, token)).status).toBe(404);
    }
  });
});

describe('authentication before the body, for app tokens too', () => {
  it('answers a closed route, another application and a revoked token before reading the body', async () => {
    const limit = h.settings.apiMaxBodyBytes;
    const live = await issue({ capabilities: ['ViewBase'] });
    const revoked = await issue({});
    await h
      .http()
      .post('/api/v1/auth/logout')
      .set({ authorization: `Bearer ${revoked}` })
      .expect(204);
    const cases: [string, string, number, string][] = [
      [live, `/api/v1/app/${ids.app_id}/msg`, 403, 'forbidden'],
      [live, `/api/v1/app/${ids.app_id}/endpoint`, 403, 'forbidden'],
      [live, `/api/v1/app/${other.id}/endpoint`, 403, 'forbidden'],
      [live, '/api/v1/app', 403, 'forbidden'],
      [revoked, `/api/v1/app/${ids.app_id}/endpoint`, 401, 'token_expired'],
    ];
    for (const [token, path, status, code] of cases) {
      const answer = await answerBeforeBody(`${h.baseUrl}${path}`, { body: nestedJson(limit), sendBytes: 64 * 1024, headers: { authorization: `Bearer ${token}` } });
      expect({ path, status: answer.status, code: (answer.body as { code?: string }).code }).toEqual({ path, status, code });
      expect(answer.bytesSent).toBeLessThan(answer.bytesDeclared);
    }
  });
});
