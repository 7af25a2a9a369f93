import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqualStrings } from '@switchyard/signing';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

/** Injection token: the bearer token with full access (ADMIN_API_KEY). */
export const API_TOKEN = Symbol('API_TOKEN');

const PUBLIC_ROUTE = 'switchyard:public';

/** Marks a controller or route as reachable without a bearer token (health, ingress). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Requires `Authorization: Bearer <ADMIN_API_KEY>` on every route not marked @Public(), compared in constant time. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_TOKEN) private readonly token: string,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'authentication_failed', 'missing bearer token');
    if (!timingSafeEqualStrings(this.token, match[1]!)) throw new ApiError(401, 'authentication_failed', 'invalid bearer token');
    return true;
  }
}
