import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, NotReplayed, principalOf } from '@switchyard/api-kit';
import type { FastifyRequest } from 'fastify';
import { ApiAppIdParam } from '../common/api-docs.js';
import { AppPortalAccessService } from './app-portal-access.service.js';
import { AppPortalAccessInDto, AppPortalAccessOut, ApplicationTokenExpireInDto, PortalSessionOut } from './dto/app-portal-access.dto.js';

/** Svix `authentication.*` (app portal tokens) and the portal's session: `/api/v1/auth`. */
@Controller('api/v1/auth')
@ApiTags('Authentication')
@ApiErrors(401, 403, 422)
export class AppPortalAccessController {
  constructor(private readonly access: AppPortalAccessService) {}

  // The answer holds the token, which must never be stored (an idempotency key's answer would be, for 24 h).
  @Post('app-portal-access/:app_id')
  @HttpCode(200)
  @NotReplayed()
  @ApiOperation({
    operationId: 'v1.authentication.app-portal-access',
    summary: 'Get Consumer App Portal Access',
    description: 'Admin key only. Issues a token for one application (created first when the path is a new uid and `application` is given) and its portal link, `PORTAL_URL#key=<token>`.',
  })
  @ApiAppIdParam()
  @ApiOkResponse({ type: AppPortalAccessOut })
  @ApiErrors(404)
  appPortalAccess(@Param('app_id') appId: string, @Body() body: AppPortalAccessInDto): Promise<AppPortalAccessOut> {
    return this.access.appPortalAccess(appId, body);
  }

  @Post('dashboard-access/:app_id')
  @HttpCode(200)
  @NotReplayed()
  @ApiOperation({
    operationId: 'v1.authentication.dashboard-access',
    summary: 'Dashboard Access',
    deprecated: true,
    description: 'Admin key only. The older form of app-portal-access, with its defaults.',
  })
  @ApiAppIdParam()
  @ApiOkResponse({ type: AppPortalAccessOut })
  @ApiErrors(404)
  dashboardAccess(@Param('app_id') appId: string): Promise<AppPortalAccessOut> {
    return this.access.dashboardAccess(appId);
  }

  @Post('app/:app_id/expire-all')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'v1.authentication.expire-all',
    summary: 'Expire All',
    description: "Admin key only. Ends the application's tokens (only those of `sessionIds`, when given): at once, or after `expiry` seconds.",
  })
  @ApiAppIdParam()
  @ApiNoContentResponse({ description: 'Expired' })
  @ApiErrors(404)
  async expireAll(@Param('app_id') appId: string, @Body() body: ApplicationTokenExpireInDto): Promise<void> {
    await this.access.expireAll(appId, body);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ operationId: 'v1.authentication.logout', summary: 'Logout', description: 'Revokes the app portal token the request carries. With the admin key: 400 `app_token_required`.' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400)
  async logout(@Req() request: FastifyRequest): Promise<void> {
    await this.access.logout(principalOf(request));
  }

  @Get('portal-session')
  @ApiOperation({
    operationId: 'v1.authentication.portal-session',
    summary: 'Portal Session (Switchyard)',
    description: "Switchyard's extension for the portal: the application, capabilities and expiry of the app portal token the request carries. With the admin key: 400 `app_token_required`.",
  })
  @ApiOkResponse({ type: PortalSessionOut })
  @ApiErrors(400)
  session(@Req() request: FastifyRequest): PortalSessionOut {
    return this.access.session(principalOf(request));
  }
}
