import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppPortalCapability, Svix } from 'svix';
import { Svix as Svix2 } from 'svix2';
import { SDKS, startApiHarness, statusOf, type ApiHarness } from './harness.js';

// The official SDKs drive app portal access end to end (issue 13): the admin client issues a
// token with authentication.appPortalAccess, a client made with that token reads its own
// application and nothing else, and expireAll and logout end tokens.

describe.each(SDKS)('app portal access through the SDK ($name)', (sdk) => {
  let h: ApiHarness;
  let mine: { id: string };
  let theirs: { id: string };

  /** A client of the SDK under test, authenticated with the given token. */
  const clientFor = (token: string) =>
    sdk.major === 1 ? new Svix(token, { serverUrl: h.baseUrl, retryScheduleInMs: [] }) : (new Svix2(token, { serverUrl: h.baseUrl, retryScheduleInMs: [] }) as unknown as Svix);

  beforeAll(async () => {
    h = await startApiHarness('api-sdk-portal', { PORTAL_URL: 'https://portal.example.com/p' }, sdk);
    mine = await h.svix.application.create({ name: 'Mine', uid: 'sdk-mine' });
    theirs = await h.svix.application.create({ name: 'Theirs', uid: 'sdk-theirs' });
    await h.svix.endpoint.create(mine.id, { url: 'https://example.com/mine', uid: 'mine-ep' });
    await h.svix.endpoint.create(theirs.id, { url: 'https://example.com/theirs', uid: 'theirs-ep' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('issues a token whose client lists its own endpoints, by id and uid, and is refused another application', async () => {
    const access = await h.svix.authentication.appPortalAccess('sdk-mine', { featureFlags: ['x'] });
    expect(access.url).toBe(`https://portal.example.com/p#key=${access.token}`);
    const portal = clientFor(access.token);
    for (const appId of [mine.id, 'sdk-mine']) {
      const list = await portal.endpoint.list(appId);
      expect(list.data.map((e) => e.uid)).toEqual(['mine-ep']);
    }
    expect((await portal.application.get('sdk-mine')).id).toBe(mine.id);
    for (const appId of [theirs.id, 'sdk-theirs']) {
      expect(await statusOf(portal.endpoint.list(appId))).toBe(403);
      expect(await statusOf(portal.message.list(appId))).toBe(403);
    }
    expect(await statusOf(portal.application.list())).toBe(403);
    expect(await statusOf(portal.authentication.appPortalAccess(theirs.id, {}))).toBe(403);
  });

  it('creates the application on the way when the body carries one', async () => {
    const access = await h.svix.authentication.appPortalAccess('sdk-created', { application: { name: 'Created by the link' }, capabilities: [AppPortalCapability.ViewBase] });
    const portal = clientFor(access.token);
    expect((await portal.application.get('sdk-created')).name).toBe('Created by the link');
    expect(await statusOf(portal.endpoint.create('sdk-created', { url: 'https://example.com/no' }))).toBe(403);
  });

  it('logout ends the calling token only', async () => {
    const one = await h.svix.authentication.appPortalAccess(mine.id, {});
    const two = await h.svix.authentication.appPortalAccess(mine.id, {});
    await clientFor(one.token).authentication.logout();
    expect(await statusOf(clientFor(one.token).endpoint.list(mine.id))).toBe(401);
    expect((await clientFor(two.token).endpoint.list(mine.id)).data).toHaveLength(1);
    // The admin key is no app token: nothing to log out.
    expect(await statusOf(h.svix.authentication.logout())).toBe(400);
  });

  it('expireAll ends every token of the application, and only of it', async () => {
    const a = await h.svix.authentication.appPortalAccess(mine.id, { sessionId: 'a' });
    const b = await h.svix.authentication.appPortalAccess(theirs.id, {});
    await h.svix.authentication.expireAll('sdk-mine', {});
    expect(await statusOf(clientFor(a.token).endpoint.list(mine.id))).toBe(401);
    expect((await clientFor(b.token).endpoint.list(theirs.id)).data).toHaveLength(1);
  });

  if (sdk.major === 1) {
    it('dashboardAccess (1.x) answers a token with the defaults', async () => {
      const access = await h.svix.authentication.dashboardAccess(mine.id);
      expect(access.url).toBe(`https://portal.example.com/p#key=${access.token}`);
      expect((await clientFor(access.token).endpoint.list(mine.id)).data).toHaveLength(1);
    });
  }
});
