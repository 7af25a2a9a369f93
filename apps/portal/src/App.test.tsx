import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from './App';
import type { PortalSession } from './capabilities';
import { TOKEN_STORAGE_KEY } from './session';

/** A tiny in-memory stand-in for the dispatcher's API, recording what the portal asked. */
function fakeApi(session: PortalSession | { status: number; body: unknown }, endpoints: Record<string, unknown>[] = []) {
  const calls: { method: string; path: string; auth: string | null; body: unknown }[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.text();
    calls.push({ method: request.method, path: url.pathname, auth: request.headers.get('authorization'), body: text ? JSON.parse(text) : undefined });
    if (url.pathname === '/api/v1/auth/portal-session') return 'status' in session ? json(session.status, session.body) : json(200, session);
    if (url.pathname === '/api/v1/event-type')
      return json(200, {
        data: [{ name: 'invoice.paid', description: 'An invoice was paid', archived: false, schemas: { '1': { examples: [{ id: 'inv_1' }] } } }],
        iterator: null,
        prevIterator: null,
        done: true,
      });
    if (url.pathname === '/api/v1/app/app_1/endpoint' && request.method === 'GET') return json(200, { data: endpoints, iterator: null, prevIterator: null, done: true });
    if (url.pathname === '/api/v1/app/app_1/endpoint' && request.method === 'POST') {
      const created = {
        id: 'ep_new',
        url: 'https://hooks.example.com/in',
        description: '',
        disabled: false,
        filterTypes: ['invoice.paid'],
        channels: null,
        throttleRate: 5,
        createdAt: new Date().toISOString(),
      };
      endpoints.push(created);
      return json(201, created);
    }
    if (url.pathname === '/api/v1/app/app_1/msg') {
      const older = url.searchParams.get('iterator') === 'page2';
      const msg = (n: number) => ({ id: `msg_${n}`, eventType: 'invoice.paid', timestamp: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), payload: {} });
      return json(200, older ? { data: [msg(1)], iterator: null, prevIterator: null, done: true } : { data: [msg(3), msg(2)], iterator: 'page2', prevIterator: null, done: false });
    }
    return json(404, { code: 'not_found', detail: `no ${url.pathname}` });
  };
  return { calls, fetchImpl };
}

const base: PortalSession = {
  appUid: null,
  sessionId: null,
  appId: 'app_1',
  appName: 'Acme Corp',
  metadata: {},
  capabilities: ['ViewBase'],
  readOnly: false,
  featureFlags: [],
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
};

beforeEach(() => {
  window.history.replaceState(null, '', '/portal');
});

describe('App', () => {
  it('without a token, says that a portal link is needed', () => {
    render(<App token={null} search="" />);
    expect(screen.getByRole('heading', { name: 'No access key' })).toBeTruthy();
  });

  it('with an expired token, lands on the expired page and forgets the token', async () => {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, 'old');
    const api = fakeApi({ status: 401, body: { code: 'token_expired', detail: 'the token expired' } });
    render(<App token="old" baseUrl="http://portal.test" fetch={api.fetchImpl} search="" />);
    expect(await screen.findByRole('heading', { name: 'This link has expired' })).toBeTruthy();
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    expect(api.calls[0]).toMatchObject({ path: '/api/v1/auth/portal-session', auth: 'Bearer old' });
  });

  it('shows the empty state, and no write actions for a read-only link', async () => {
    const api = fakeApi({ ...base, capabilities: ['ViewBase', 'ManageEndpoint'], readOnly: true });
    render(<App token="t" baseUrl="http://portal.test" fetch={api.fetchImpl} search="" />);
    expect(await screen.findByText('No endpoints yet')).toBeTruthy();
    expect(screen.getByTestId('app-name').textContent).toBe('Acme Corp');
    expect(screen.queryByRole('link', { name: 'Add endpoint' })).toBeNull();
    expect(screen.getByText('Read-only')).toBeTruthy();
  });

  it('applies the brand colour and dark mode from the query', async () => {
    const api = fakeApi(base);
    const { container } = render(<App token="t" baseUrl="http://portal.test" fetch={api.fetchImpl} search="?primaryColor=ff5500&darkMode=true" />);
    await screen.findByText('No endpoints yet');
    const root = container.querySelector('.portal') as HTMLElement;
    expect(root.classList.contains('dark')).toBe(true);
    expect(root.style.getPropertyValue('--primary')).toBe('#ff5500');
  });

  it('creates an endpoint through the form with event types, rate limit and headers', async () => {
    const user = userEvent.setup();
    const api = fakeApi({ ...base, capabilities: ['ViewBase', 'ManageEndpoint'] });
    render(<App token="t" baseUrl="http://portal.test" fetch={api.fetchImpl} search="" />);
    await user.click(await screen.findByRole('link', { name: 'Add endpoint' }));
    await user.type(await screen.findByLabelText('Endpoint URL'), 'https://hooks.example.com/in');
    await user.click(await screen.findByRole('checkbox', { name: 'invoice.paid' }));
    expect(screen.getByText('An invoice was paid')).toBeTruthy();
    await user.type(screen.getByLabelText('Rate limit (messages per second)'), '5');
    await user.type(screen.getByLabelText('Custom headers'), 'X-Tenant: acme');
    await user.click(screen.getByRole('button', { name: 'Create endpoint' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'POST')).toBe(true));
    const post = api.calls.find((c) => c.method === 'POST');
    expect(post).toMatchObject({
      path: '/api/v1/app/app_1/endpoint',
      body: { url: 'https://hooks.example.com/in', filterTypes: ['invoice.paid'], throttleRate: 5, headers: { 'X-Tenant': 'acme' }, channels: null },
    });
    await waitFor(() => expect(window.location.pathname).toBe('/portal/endpoints/ep_new'));
  });

  it('refuses a malformed header line without calling the API', async () => {
    const user = userEvent.setup();
    const api = fakeApi({ ...base, capabilities: ['ViewBase', 'ManageEndpoint'] });
    render(<App token="t" baseUrl="http://portal.test" fetch={api.fetchImpl} search="" />);
    await user.click(await screen.findByRole('link', { name: 'Add endpoint' }));
    await user.type(await screen.findByLabelText('Endpoint URL'), 'https://hooks.example.com/in');
    await user.type(screen.getByLabelText('Custom headers'), 'not a header');
    await user.click(screen.getByRole('button', { name: 'Create endpoint' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Header line 1/);
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('pages through the log with the API iterator', async () => {
    const user = userEvent.setup();
    window.history.replaceState(null, '', '/portal/logs');
    const api = fakeApi(base);
    render(<App token="t" baseUrl="http://portal.test" fetch={api.fetchImpl} search="" />);
    await screen.findByRole('link', { name: 'msg_3' });
    expect(screen.queryByRole('link', { name: 'msg_1' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Load older messages' }));
    await screen.findByRole('link', { name: 'msg_1' });
    expect(screen.getByRole('link', { name: 'msg_2' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load older messages' })).toBeNull();
    expect(api.calls.some((c) => c.path === '/api/v1/app/app_1/msg')).toBe(true);
  });
});
