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

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

/**
 * The credential check of the management APIs: one place, made twice per request, first by the
 * early hook (installApiAuthHook, before the body is read) and then by the guard.
 */
@Injectable()
export class ApiAuthenticator {
  constructor(@Inject(API_TOKEN) private readonly token: string) {}

  /** Throws a 401 ApiError unless the Authorization header carries the admin token (compared in constant time). */
  authenticate(authorization: string | string[] | undefined): void {
    const presented = bearerTokenOf(authorization);
    if (presented === undefined) throw new ApiError(401, 'authentication_failed', 'missing bearer token');
    if (!timingSafeEqualStrings(this.token, presented)) throw new ApiError(401, 'authentication_failed', 'invalid bearer token');
  }
}

/** Requires `Authorization: Bearer <ADMIN_API_KEY>` on every route not marked @Public(). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    this.authenticator.authenticate(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    return true;
  }
}
