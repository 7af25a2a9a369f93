import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiError, type AppPrincipal, type RouteRequest, type ScopedTokenAuthority } from '@switchyard/api-kit';
import { DataSource } from 'typeorm';
import { authorizeAppRoute } from './app-portal-access.js';
import { AppPortalTokenRepository, looksLikeAppPortalToken } from './app-portal-token.repository.js';

/** A 401 the portal can tell from a wrong token: the link worked once and no longer does. */
function tokenExpired(detail: string): ApiError {
  return new ApiError(401, 'token_expired', detail);
}

/**
 * The dispatcher's app portal tokens, as api-kit's authenticator sees them: recognised by
 * prefix, looked up by hash (before the request body is read), and allowed only their own
 * application's routes within their capabilities (APP_TOKEN_ROUTES).
 */
@Injectable()
export class AppPortalTokenAuthority implements ScopedTokenAuthority {
  private readonly tokens: AppPortalTokenRepository;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.tokens = new AppPortalTokenRepository(dataSource);
  }

  recognises(token: string): boolean {
    return looksLikeAppPortalToken(token);
  }

  async authenticate(token: string): Promise<AppPrincipal> {
    const record = await this.tokens.findByToken(token);
    if (!record) throw new ApiError(401, 'authentication_failed', 'invalid bearer token');
    if (record.revokedAt !== null) throw tokenExpired('this app portal token was revoked');
    if (record.expiresAt.getTime() <= record.now.getTime()) throw tokenExpired('this app portal token has expired');
    if (!record.appLive) throw tokenExpired('the application of this app portal token was deleted');
    return {
      kind: 'app',
      tokenId: record.id,
      appId: record.appId,
      appUid: record.appUid,
      appName: record.appName,
      appMetadata: record.appMetadata ?? {},
      capabilities: record.capabilities,
      readOnly: record.readOnly,
      featureFlags: record.featureFlags,
      sessionId: record.sessionId,
      expiresAt: record.expiresAt,
    };
  }

  authorize(principal: AppPrincipal, request: RouteRequest): void {
    authorizeAppRoute(principal, request);
  }
}
