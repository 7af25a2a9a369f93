import { describe, expect, it } from '@jest/globals';
import { loadDispatcherSettings } from './dispatcher-settings.js';

describe('app portal settings', () => {
  it("defaults PORTAL_URL to the dispatcher's own /portal on its PORT, and token lifetimes to 7 days", () => {
    const settings = loadDispatcherSettings({});
    expect(settings.portalUrl).toBe('http://localhost:3001/portal');
    expect(loadDispatcherSettings({ PORT: '8080' }).portalUrl).toBe('http://localhost:8080/portal');
    expect(settings.portalTokenMaxExpiryMs).toBe(7 * 24 * 3600 * 1000);
    expect(settings.portalTokenRetentionMs).toBe(7 * 24 * 3600 * 1000);
  });

  it('takes PORTAL_URL without its trailing slashes, a query allowed', () => {
    expect(loadDispatcherSettings({ PORTAL_URL: 'https://hooks.example.com/portal//' }).portalUrl).toBe('https://hooks.example.com/portal');
    expect(loadDispatcherSettings({ PORTAL_URL: 'https://hooks.example.com/portal?primaryColor=%23ff0000' }).portalUrl).toBe('https://hooks.example.com/portal?primaryColor=%23ff0000');
  });

  it('refuses a PORTAL_URL that is not http(s) or has a fragment, and lifetimes that are not positive durations', () => {
    expect(() => loadDispatcherSettings({ PORTAL_URL: 'ftp://example.com/portal' })).toThrow(/PORTAL_URL must be a http: or https: URL/);
    expect(() => loadDispatcherSettings({ PORTAL_URL: 'not a url' })).toThrow(/PORTAL_URL is not a URL/);
    expect(() => loadDispatcherSettings({ PORTAL_URL: 'https://example.com/portal#x' })).toThrow(/PORTAL_URL must not have a fragment/);
    expect(() => loadDispatcherSettings({ PORTAL_TOKEN_MAX_EXPIRY: '0s' })).toThrow(/PORTAL_TOKEN_MAX_EXPIRY must be more than zero/);
    expect(() => loadDispatcherSettings({ PORTAL_TOKEN_RETENTION: 'soon' })).toThrow(/PORTAL_TOKEN_RETENTION/);
  });
});
