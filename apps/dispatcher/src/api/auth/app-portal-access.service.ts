import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiError, notFound, unprocessable, type Principal } from '@switchyard/api-kit';
import type { ApplicationEntity } from '@switchyard/db';
import { isId } from '@switchyard/events';
import { DataSource } from 'typeorm';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { grantedCapabilities } from './app-portal-access.js';
import { AppPortalTokenRepository } from './app-portal-token.repository.js';
import type { AppPortalAccessInDto, AppPortalAccessOut, ApplicationTokenExpireInDto, PortalSessionOut } from './dto/app-portal-access.dto.js';

/** Svix's default app portal token lifetime: 7 days. */
export const DEFAULT_APP_PORTAL_EXPIRY_SECONDS = 7 * 24 * 3600;

function appTokenRequired(what: string): ApiError {
  return new ApiError(400, 'app_token_required', `${what} needs an app portal token, not the admin key`);
}

/** Svix `authentication.*` for application tokens: issue (appPortalAccess, dashboardAccess), expireAll, logout; and the portal's session. */
@Injectable()
export class AppPortalAccessService {
  private readonly tokens: AppPortalTokenRepository;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly applications: ApplicationsService,
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
  ) {
    this.tokens = new AppPortalTokenRepository(dataSource);
  }

  /**
   * Issues a token for the application (created first, as Svix does, when the path is a uid no
   * application has and the body carries `application`) and answers it with its portal link.
   */
  async appPortalAccess(appIdOrUid: string, dto: AppPortalAccessInDto): Promise<AppPortalAccessOut> {
    const maxSeconds = Math.floor(this.settings.portalTokenMaxExpiryMs / 1000);
    const expiry = dto.expiry ?? Math.min(DEFAULT_APP_PORTAL_EXPIRY_SECONDS, maxSeconds);
    if (expiry > maxSeconds) throw unprocessable(['body', 'expiry'], `expiry must be at most ${maxSeconds} seconds (PORTAL_TOKEN_MAX_EXPIRY)`, 'value_error.number.not_le');
    const app = await this.appFor(appIdOrUid, dto);
    const readOnly = dto.readOnly === true;
    const { token } = await this.tokens.issue({
      appId: app.id,
      capabilities: grantedCapabilities(dto.capabilities, readOnly),
      readOnly,
      featureFlags: [...new Set(dto.featureFlags ?? [])],
      sessionId: dto.sessionId ?? null,
      expiresAt: new Date(Date.now() + expiry * 1000),
    });
    return { url: `${this.settings.portalUrl}#key=${token}`, token };
  }

  /** The older Svix call (SDK 1.x `dashboardAccess`): a token with the defaults. */
  dashboardAccess(appIdOrUid: string): Promise<AppPortalAccessOut> {
    return this.appPortalAccess(appIdOrUid, {});
  }

  /** Ends the application's tokens (those of the given sessions), now or after `expiry` seconds. */
  async expireAll(appIdOrUid: string, dto: ApplicationTokenExpireInDto): Promise<void> {
    const maxSeconds = Math.floor(this.settings.portalTokenMaxExpiryMs / 1000);
    if (dto.expiry != null && dto.expiry > maxSeconds) {
      throw unprocessable(['body', 'expiry'], `expiry must be at most ${maxSeconds} seconds (PORTAL_TOKEN_MAX_EXPIRY)`, 'value_error.number.not_le');
    }
    const app = await this.applications.findApp(appIdOrUid);
    await this.tokens.expireAll(app.id, dto.expiry ?? null, dto.sessionIds ?? null);
  }

  /** Revokes the caller's own token. */
  async logout(principal: Principal | undefined): Promise<void> {
    if (principal?.kind !== 'app') throw appTokenRequired('logout');
    await this.tokens.revoke(principal.tokenId);
  }

  /** What the portal shows about its token and application. */
  session(principal: Principal | undefined): PortalSessionOut {
    if (principal?.kind !== 'app') throw appTokenRequired('the portal session');
    return {
      appId: principal.appId,
      appUid: principal.appUid,
      appName: principal.appName,
      metadata: { ...principal.appMetadata },
      capabilities: [...principal.capabilities],
      readOnly: principal.readOnly,
      featureFlags: [...principal.featureFlags],
      sessionId: principal.sessionId,
      expiresAt: principal.expiresAt.toISOString(),
    };
  }

  private async appFor(appIdOrUid: string, dto: AppPortalAccessInDto): Promise<ApplicationEntity | { id: string }> {
    const existing = await this.applications.findAppOrNull(appIdOrUid);
    if (existing) return existing;
    if (!dto.application || isId('app', appIdOrUid)) throw notFound('application');
    const { value } = await this.applications.create({ ...dto.application, uid: appIdOrUid }, true);
    return value;
  }
}
