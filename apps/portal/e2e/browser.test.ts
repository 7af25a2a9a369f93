import { Svix } from 'svix2';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, screenshot, seriousViolations } from './support/browser';
import { ADMIN_KEY, eventually, startDispatcher, startReceiver, type Dispatcher } from './support/stack';

// Real headless Chromium against the built dispatcher serving the built portal, a real receiver
// on loopback, links made by the current svix SDK (2.x). One browser; one context per token.
let dispatcher: Dispatcher;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let browser: Browser;
let svix: Svix;
let appA: { id: string };
let appB: { id: string };
let epB: { id: string };
let msgB: { id: string };
const contexts: BrowserContext[] = [];

const B_URL_MARK = 'tenant-b-private-endpoint';
const B_PAYLOAD_MARK = 'b-private-payload-7f3c';

async function open(url: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: options.colorScheme ?? 'light' });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function expectAccessible(page: Page, what: string) {
  const violations = await seriousViolations(page);
  expect(violations, `${what}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

beforeAll(async () => {
  [dispatcher, receiver, browser] = await Promise.all([
    startDispatcher('browser'),
    startReceiver((req) => {
      // Another origin embedding the portal, as svix-react's <AppPortal> does (an iframe).
      if (req.path.startsWith('/embed?src=')) {
        const src = decodeURIComponent(req.path.slice('/embed?src='.length)).replace(/"/g, '');
        return { status: 200, contentType: 'text/html', body: `<!doctype html><title>Host app</title><iframe title="Webhooks portal" src="${src}" width="1200" height="700"></iframe>` };
      }
      return req.path.startsWith('/fail') ? { status: 500, body: 'receiver says no' } : { status: 200, body: `thanks from receiver ${req.path}` };
    }),
    launch(),
  ]);
  svix = new Svix(ADMIN_KEY, { serverUrl: dispatcher.url });
  await svix.eventType.create({
    name: 'invoice.paid',
    description: 'An invoice was paid in full',
    schemas: { '1': { type: 'object', properties: { invoiceId: { type: 'string' }, amount: { type: 'integer' } }, examples: [{ invoiceId: 'inv_example_42', amount: 4200 }] } },
  });
  await svix.eventType.create({ name: 'user.created', description: 'A user signed up' });
  appA = await svix.application.create({ name: 'Tenant A', uid: 'tenant-a', metadata: { primaryColor: '#0f766e' } });
  appB = await svix.application.create({ name: 'Tenant B', uid: 'tenant-b' });
  epB = await svix.endpoint.create(appB.id, { url: `${receiver.url}/${B_URL_MARK}`, description: 'Tenant B endpoint' });
  msgB = await svix.message.create(appB.id, { eventType: 'invoice.paid', payload: { mark: B_PAYLOAD_MARK } });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await receiver?.close();
  await dispatcher?.close();
});

describe('the portal in Chromium', () => {
  let page: Page;
  let endpointId: string;
  let msgId: string;

  it('opens from an svix SDK link, keeps the token out of the URL, and shows the empty state', async () => {
    const { url, token } = await svix.authentication.appPortalAccess(appA.id, {});
    expect(url).toBe(`${dispatcher.url}/portal#key=${token}`);
    page = await open(url);
    await page.getByTestId('app-name').getByText('Tenant A').waitFor();
    expect(page.url()).toBe(`${dispatcher.url}/portal`);
    await page.getByText('No endpoints yet').waitFor();
    await expectAccessible(page, 'empty endpoints page');
  });

  it('creates an endpoint through the UI, and that endpoint receives a delivery', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/a`);
    await page.getByLabel('Description').fill('Billing webhooks');
    await page.getByRole('checkbox', { name: 'invoice.paid' }).check();
    await page.getByText('An invoice was paid in full').waitFor();
    // The catalog shows each type's schema and example.
    await page.getByText('Schema and example of invoice.paid').click();
    await page.getByLabel('Example of invoice.paid').getByText('inv_example_42').waitFor();
    await page.getByLabel('Schema of invoice.paid').getByText('"amount"').waitFor();
    await page.getByLabel('Custom headers').fill('X-Tenant: a');
    await page.getByLabel('Endpoint URL').scrollIntoViewIfNeeded();
    await screenshot(page, 'endpoint-form');
    await expectAccessible(page, 'endpoint form');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByTestId('endpoint-url').getByText(`${receiver.url}/a`).waitFor();
    endpointId = page.url().split('/').pop()!;
    expect(endpointId).toMatch(/^ep_/);

    const msg = await svix.message.create(appA.id, { eventType: 'invoice.paid', payload: { invoiceId: 'inv_1', amount: 100 } });
    msgId = msg.id;
    const delivery = await eventually(() => receiver.received.find((r) => r.path === '/a' && r.headers['webhook-id'] === msgId));
    expect(delivery.headers['x-tenant']).toBe('a');
    expect(JSON.parse(delivery.body)).toEqual({ invoiceId: 'inv_1', amount: 100 });

    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await expect.poll(() => page.getByTestId('secret').textContent()).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    await page.getByRole('button', { name: 'Hide secret' }).click();
    await screenshot(page, 'endpoint');
    await expectAccessible(page, 'endpoint page');
  });

  it('shows the attempt with its response in the logs, and resends', async () => {
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('link', { name: msgId }).click();
    const attempt = page.getByTestId('attempt').first();
    await attempt.waitFor();
    await attempt.getByText('Request and response').click();
    await page.getByText('thanks from receiver /a').first().waitFor();
    await expect.poll(() => page.getByTestId('response-status').first().textContent()).toBe('200');
    await page.getByText('"invoiceId": "inv_1"').first().waitFor();
    await page.getByText('x-tenant: a', { exact: false }).first().waitFor();

    const before = receiver.received.filter((r) => r.headers['webhook-id'] === msgId).length;
    await page.getByRole('button', { name: `Resend to ${receiver.url}/a` }).click();
    await eventually(() => receiver.received.filter((r) => r.headers['webhook-id'] === msgId).length > before);
    await expect.poll(() => page.getByTestId('attempt').count(), { timeout: 15_000 }).toBe(2);
    await page.getByText('manual').first().waitFor();
    await screenshot(page, 'message');
    await expectAccessible(page, 'message page');

    await page.getByRole('link', { name: '← All messages' }).click();
    await page.getByTestId('messages').waitFor();
    await screenshot(page, 'logs');
    await expectAccessible(page, 'logs page');
  });

  it('sends an event type example from the Testing page and shows its attempt', async () => {
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Testing' }).click();
    await page.getByLabel('Endpoint').selectOption({ label: `${receiver.url}/a` });
    await page.getByLabel('Event type').selectOption('invoice.paid');
    await page.getByText('"invoiceId": "inv_example_42"').waitFor();
    await page.getByRole('button', { name: 'Send example' }).click();
    await eventually(() => receiver.received.find((r) => r.body.includes('inv_example_42')));
    await page.getByTestId('attempt').first().waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { name: 'Endpoints' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'testing');
    await expectAccessible(page, 'testing page');
  });

  it('charts each endpoint health with its circuit state', async () => {
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Health' }).click();
    const chart = page.getByRole('img', { name: new RegExp(`Attempts to ${receiver.url}/a: [1-9]\\d* succeeded, 0 failed`) });
    await chart.waitFor();
    await page.getByText('Closed (delivering)').waitFor();
    await screenshot(page, 'health');
    await expectAccessible(page, 'health page');
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: `${receiver.url}/a` }).waitFor();
    await screenshot(page, 'endpoints');
    await expectAccessible(page, 'endpoints page');
  });

  it('edits, disables, enables, rotates, filters failures, recovers and deletes through the UI', async () => {
    page.on('dialog', (dialog) => void dialog.accept());
    const nav = page.getByRole('navigation', { name: 'Portal' });
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/fail`);
    await page.getByRole('checkbox', { name: 'user.created' }).check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByTestId('endpoint-url').getByText(`${receiver.url}/fail`).waitFor();
    const failId = page.url().split('/').pop()!;

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Description').fill('Always failing');
    await page.getByLabel('Channels').fill('ops, alerts');
    await page.getByLabel('Rate limit (messages per second)').fill('7');
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByRole('heading', { name: 'Always failing' }).waitFor();
    await page.getByText('7 per second').waitFor();
    const edited = await dispatcher.admin<{ channels: string[]; throttleRate: number; filterTypes: string[] }>('GET', `/api/v1/app/${appA.id}/endpoint/${failId}`);
    expect(edited.body).toMatchObject({ channels: ['ops', 'alerts'], throttleRate: 7, filterTypes: ['user.created'] });

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await dispatcher.admin<{ disabled: boolean }>('GET', `/api/v1/app/${appA.id}/endpoint/${failId}`)).body.disabled).toBe(true);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();

    const before = (await dispatcher.admin<{ key: string }>('GET', `/api/v1/app/${appA.id}/endpoint/${failId}/secret`)).body.key;
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('The secret was rotated').waitFor();
    expect((await dispatcher.admin<{ key: string }>('GET', `/api/v1/app/${appA.id}/endpoint/${failId}/secret`)).body.key).not.toBe(before);

    const failing = await svix.message.create(appA.id, { eventType: 'user.created', payload: { user: 'u_1' }, channels: ['ops'] });
    await nav.getByRole('link', { name: 'Logs' }).click();
    await page
      .getByLabel('Endpoint', { exact: true })
      .first()
      .selectOption({ label: `${receiver.url}/fail` });
    await page.getByLabel('Status').selectOption('2');
    await page.getByRole('link', { name: failing.id }).waitFor({ timeout: 20_000 });
    await page.getByLabel('Event type').selectOption('invoice.paid');
    await page.getByText('No message matches these filters yet.').waitFor();
    await page.getByLabel('Event type').selectOption('user.created');
    await page.getByRole('link', { name: failing.id }).waitFor();

    const sentBefore = receiver.received.filter((r) => r.path === '/fail').length;
    const recover = page.getByRole('form', { name: 'Recover failed messages' });
    await recover.getByLabel('Endpoint').selectOption({ label: `${receiver.url}/fail` });
    const since = new Date(Date.now() - 3_600_000);
    const local = new Date(since.getTime() - since.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await recover.getByLabel('Failed since').fill(local);
    await recover.getByRole('button', { name: 'Recover' }).click();
    await recover.getByText('Recovery started').waitFor();
    await eventually(() => receiver.received.filter((r) => r.path === '/fail').length > sentBefore);

    await page.goto(`${dispatcher.url}/portal/endpoints/${failId}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    expect((await dispatcher.admin('GET', `/api/v1/app/${appA.id}/endpoint/${failId}`)).status).toBe(404);
    expect(await page.getByRole('link', { name: `${receiver.url}/fail` }).count()).toBe(0);
  });

  it('shows nothing of another application, in the UI or through the API', async () => {
    const { url, token } = await svix.authentication.appPortalAccess(appA.id, {});
    const other = await open(url);
    await other.getByTestId('app-name').getByText('Tenant A').waitFor();
    for (const route of ['endpoints', 'logs', 'health', `endpoints/${epB.id}`, `messages/${msgB.id}`, `logs/endpoint/${epB.id}`]) {
      await other.goto(`${dispatcher.url}/portal/${route}`);
      await other.getByTestId('app-name').waitFor();
      await other.waitForLoadState('networkidle');
      const text = await other.locator('body').innerText();
      expect(text, route).not.toContain(B_URL_MARK);
      expect(text, route).not.toContain(B_PAYLOAD_MARK);
      expect(text, route).not.toContain('Tenant B');
    }
    await other.goto(`${dispatcher.url}/portal/endpoints/${epB.id}`);
    await other.getByRole('alert').waitFor();
    const api = await other.evaluate(
      async ([app, ep, msg, key]) => {
        const get = async (path: string) => (await fetch(path, { headers: { authorization: `Bearer ${key}` } })).status;
        return [await get(`/api/v1/app/${app}/endpoint`), await get(`/api/v1/app/${app}/endpoint/${ep}`), await get(`/api/v1/app/${app}/msg/${msg}`), await get('/api/v1/app')];
      },
      [appB.id, epB.id, msgB.id, token] as const,
    );
    for (const status of api) expect([401, 403, 404]).toContain(status);
  });

  it("is keyboard navigable, and embeddable in another origin's iframe", async () => {
    await page.goto(`${dispatcher.url}/portal/endpoints`);
    await page.getByTestId('app-name').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Endpoints');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Logs' }).waitFor();
    expect(page.url()).toBe(`${dispatcher.url}/portal/logs`);

    const { url } = await svix.authentication.appPortalAccess(appA.id, {});
    const host = await open(`${receiver.url}/embed?src=${encodeURIComponent(url)}`);
    const frame = host.frameLocator('iframe[title="Webhooks portal"]');
    await frame.getByTestId('app-name').getByText('Tenant A').waitFor();
    await frame.getByRole('link', { name: `${receiver.url}/a` }).waitFor();
  });

  it('hides the write actions from a read-only link', async () => {
    const { url } = await svix.authentication.appPortalAccess(appA.id, { readOnly: true });
    const ro = await open(`${url.replace('#', '?darkMode=true&primaryColor=7c3aed#')}`, { colorScheme: 'dark' });
    await ro.getByText('Read-only').waitFor();
    await ro.getByRole('link', { name: `${receiver.url}/a` }).waitFor();
    expect(await ro.getByRole('link', { name: 'Add endpoint' }).count()).toBe(0);
    await screenshot(ro, 'endpoints-dark');
    await expectAccessible(ro, 'dark endpoints page');
    await ro.getByRole('link', { name: `${receiver.url}/a` }).click();
    await ro.getByTestId('endpoint-url').waitFor();
    expect(await ro.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await ro.getByRole('button', { name: 'Rotate secret' }).count()).toBe(0);
    await ro.goto(`${dispatcher.url}/portal/messages/${msgId}`);
    await ro.getByTestId('attempt').first().waitFor();
    expect(await ro.getByRole('button', { name: /^Resend/ }).count()).toBe(0);
  });

  it('lands an expired link on a clear page, and signing out revokes the token', async () => {
    const { url, token } = await svix.authentication.appPortalAccess(appA.id, { expiry: 1 });
    await eventually(async () => (await fetch(`${dispatcher.url}/api/v1/auth/portal-session`, { headers: { authorization: `Bearer ${token}` } })).status === 401, 5000);
    const expired = await open(url);
    await expired.getByRole('heading', { name: 'This link has expired' }).waitFor();
    await screenshot(expired, 'expired');
    await expectAccessible(expired, 'expired page');

    const live = await svix.authentication.appPortalAccess(appA.id, {});
    const p = await open(live.url);
    await p.getByTestId('app-name').waitFor();
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('heading', { name: 'Signed out' }).waitFor();
    const after = await fetch(`${dispatcher.url}/api/v1/app/${appA.id}/endpoint`, { headers: { authorization: `Bearer ${live.token}` } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'token_expired' });
  });
});
