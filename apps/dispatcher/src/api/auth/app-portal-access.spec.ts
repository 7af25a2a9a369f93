import { describe, expect, it } from '@jest/globals';
import type { AppPrincipal } from '@switchyard/api-kit';
import { authorizeAppRoute, grantedCapabilities } from './app-portal-access.js';

const principal = (fields: Partial<AppPrincipal> = {}): AppPrincipal => ({
  kind: 'app',
  tokenId: 'aptok_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW',
  appId: 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW',
  appUid: 'acme',
  appName: 'Acme',
  appMetadata: {},
  capabilities: ['ViewBase'],
  readOnly: false,
  featureFlags: [],
  sessionId: null,
  expiresAt: new Date(),
  ...fields,
});

const attempt = (p: AppPrincipal, method: string, route: string, params: Record<string, string> = {}) => {
  const request = { method, route, params: { ...params } };
  try {
    authorizeAppRoute(p, request);
    return { allowed: true, params: request.params };
  } catch (error) {
    return { allowed: false, status: (error as { status: number }).status, code: (error as { code: string }).code };
  }
};

describe('grantedCapabilities', () => {
  it('grants every capability by default, ViewBase alone when read-only, and always adds ViewBase', () => {
    expect(grantedCapabilities(undefined, false)).toEqual(['ViewBase', 'ViewEndpointSecret', 'ManageEndpointSecret', 'ManageTransformations', 'CreateAttempts', 'ManageEndpoint']);
    expect(grantedCapabilities(null, true)).toEqual(['ViewBase']);
    expect(grantedCapabilities([], false)).toEqual(['ViewBase']);
    expect(grantedCapabilities(['ManageEndpoint' as never, 'ManageEndpoint' as never], true)).toEqual(['ViewBase', 'ManageEndpoint']);
  });
});

describe('authorizeAppRoute', () => {
  it("pins the application named by id or uid to the token's id", () => {
    for (const named of ['app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW', 'acme']) {
      expect(attempt(principal(), 'GET', '/api/v1/app/:app_id/endpoint', { app_id: named })).toEqual({ allowed: true, params: { app_id: 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW' } });
    }
  });

  it("refuses any other application, and a uid path when the token's application has none", () => {
    for (const named of ['app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XX', 'other', 'ACME', '']) {
      expect(attempt(principal(), 'GET', '/api/v1/app/:app_id/endpoint', { app_id: named })).toEqual({ allowed: false, status: 403, code: 'forbidden' });
    }
    expect(attempt(principal({ appUid: null }), 'GET', '/api/v1/app/:app_id', { app_id: 'null' })).toMatchObject({ allowed: false });
    expect(attempt(principal(), 'GET', '/api/v1/app/:app_id', {})).toMatchObject({ allowed: false });
  });

  it('denies by default: unknown routes, methods not listed (HEAD included), and the application list', () => {
    expect(attempt(principal(), 'GET', '/api/v1/app')).toMatchObject({ allowed: false, status: 403 });
    expect(attempt(principal(), 'HEAD', '/api/v1/app/:app_id', { app_id: 'acme' })).toMatchObject({ allowed: false, status: 403 });
    expect(attempt(principal(), 'GET', '/api/v1/something-new')).toMatchObject({ allowed: false, status: 403 });
  });

  it("needs one of the route's capabilities, and no write for a read-only token", () => {
    const rotate = ['POST', '/api/v1/app/:app_id/endpoint/:endpoint_id/secret/rotate', { app_id: 'acme', endpoint_id: 'e' }] as const;
    expect(attempt(principal(), ...rotate)).toMatchObject({ allowed: false });
    expect(attempt(principal({ capabilities: ['ViewBase', 'ManageEndpointSecret'] }), ...rotate)).toMatchObject({ allowed: true });
    expect(attempt(principal({ capabilities: ['ViewBase', 'ManageEndpoint'], readOnly: true }), ...rotate)).toMatchObject({ allowed: false });
    expect(attempt(principal({ readOnly: true }), 'POST', '/api/v1/auth/logout')).toMatchObject({ allowed: true });
  });
});
