import { readFile, writeFile } from 'node:fs/promises';
import { Svix } from 'svix2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without declarations
import { SCHEMA_FILE, generateApiTypes } from '../scripts/api-types.mjs';
import { ADMIN_KEY, startDispatcher, type Dispatcher } from './support/stack';

// No browser here: the API the portal is typed from, and what an app token reaches through it.
let dispatcher: Dispatcher;

beforeAll(async () => {
  dispatcher = await startDispatcher('api');
});
afterAll(async () => {
  await dispatcher?.close();
});

describe('the portal API client', () => {
  it('is typed from the dispatcher OpenAPI document as it is now (no drift)', async () => {
    const document = await (await fetch(`${dispatcher.url}/docs-json`)).json();
    const generated: string = await generateApiTypes(document);
    if (process.env.UPDATE_API_TYPES === '1') await writeFile(SCHEMA_FILE, generated);
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    // On failure: `pnpm --filter @switchyard/portal api-types` regenerates src/api/schema.d.ts.
    expect(committed === generated, 'apps/portal/src/api/schema.d.ts is out of date: run `pnpm --filter @switchyard/portal api-types`').toBe(true);
  });
});

describe('an app portal token through the API', () => {
  it('reaches its own application only: nothing of another application', async () => {
    const svix = new Svix(ADMIN_KEY, { serverUrl: dispatcher.url });
    const appA = await svix.application.create({ name: 'Tenant A', uid: 'tenant-a' });
    const appB = await svix.application.create({ name: 'Tenant B', uid: 'tenant-b' });
    const epB = await svix.endpoint.create(appB.id, { url: 'https://b.example.com/hook', description: 'B secret endpoint' });
    const msgB = await svix.message.create(appB.id, { eventType: 'b.only', payload: { tenant: 'b' } });
    const { token } = await svix.authentication.appPortalAccess(appA.id, {});
    const call = async (path: string) => {
      const response = await fetch(`${dispatcher.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, text: await response.text() };
    };
    expect((await call(`/api/v1/app/${appA.id}/endpoint`)).status).toBe(200);
    const session = JSON.parse((await call('/api/v1/auth/portal-session')).text);
    expect(session).toMatchObject({ appId: appA.id, appName: 'Tenant A' });
    for (const path of [
      `/api/v1/app/${appB.id}/endpoint`,
      `/api/v1/app/tenant-b/endpoint`,
      `/api/v1/app/${appB.id}/endpoint/${epB.id}`,
      `/api/v1/app/${appB.id}/msg`,
      `/api/v1/app/${appB.id}/msg/${msgB.id}`,
      `/api/v1/app/${appA.id}/endpoint/${epB.id}`,
      `/api/v1/app/${appA.id}/msg/${msgB.id}`,
      `/api/v1/app`,
    ]) {
      const answer = await call(path);
      expect([401, 403, 404], `${path} answered ${answer.status}`).toContain(answer.status);
      expect(answer.text).not.toContain('B secret endpoint');
      expect(answer.text).not.toContain('Tenant B');
    }
  });
});
