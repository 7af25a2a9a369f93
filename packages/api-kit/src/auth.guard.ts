import { Inject, Injectable, Optional, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqualStrings } from '@switchyard/signing';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

/** Injection token: the bearer token with full access (ADMIN_API_KEY). */
export const API_TOKEN = Symbol('API_TOKEN');

/** Injection token: the app's ScopedTokenAuthority, if it issues narrower tokens than the admin key (the dispatcher's portal tokens). */
export const SCOPED_TOKEN_AUTHORITY = Symbol('SCOPED_TOKEN_AUTHORITY');

const PUBLIC_ROUTE = 'switchyard:public';

/** Marks a controller or route as reachable without a bearer token (health, ingress). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

/** The admin key: full access. */
export interface AdminPrincipal {
  readonly kind: 'admin';
}

/** A token scoped to one application (the dispatcher's app portal tokens); what it may do is its authority's to say. */
export interface AppPrincipal {
  readonly kind: 'app';
  /** The row of the token (never the token itself). */
  readonly tokenId: string;
  readonly appId: string;
  readonly appUid: string | null;
  readonly appName: string;
  readonly appMetadata: Readonly<Record<string, string>>;
  readonly capabilities: readonly string[];
  readonly readOnly: boolean;
  readonly featureFlags: readonly string[];
  readonly sessionId: string | null;
  readonly expiresAt: Date;
}

/** Who made a request, once authenticated. */
export type Principal = AdminPrincipal | AppPrincipal;

/** What a route-level decision sees of a request: the matched route pattern, never the raw URL. */
export interface RouteRequest {
  readonly method: string;
  /** The route pattern Fastify matched (`/api/v1/app/:app_id/endpoint`). */
  readonly route: string;
  /** Its path parameters; an authority may pin one (the app id) to what it checked. */
  readonly params: Record<string, string>;
}

/**
 * Tokens narrower than the admin key. The authenticator asks it about every bearer token that is
 * not the admin key and that it recognises (by prefix), before the request body is read.
 */
export interface ScopedTokenAuthority {
  /** Whether this bearer token is of the authority's kind (a cheap check of its shape, no I/O). */
  recognises(token: string): boolean;
  /** The principal of a live token; throws a 401 ApiError for an unknown, expired or revoked one. */
  authenticate(token: string): Promise<AppPrincipal>;
  /** Throws a 401/403 ApiError unless the principal may make this request; may rewrite `params` to what it checked. */
  authorize(principal: AppPrincipal, request: RouteRequest): void;
}

const PRINCIPAL = Symbol('switchyard.principal');
type WithPrincipal = { [PRINCIPAL]?: Principal };

/** The principal the auth hook (or guard) attached to this request, if any. */
export function principalOf(request: object): Principal | undefined {
  return (request as WithPrincipal)[PRINCIPAL];
}

/** Attaches the principal to the request, for the guard and the handlers. */
export function setPrincipal(request: object, principal: Principal): void {
  (request as WithPrincipal)[PRINCIPAL] = principal;
}

const ADMIN: AdminPrincipal = { kind: 'admin' };

/**
 * The credential check of the management APIs: one place, made by the early hook
 * (installApiAuthHook, before the body is read) and, when the hook did not run, by the guard.
 */
@Injectable()
export class ApiAuthenticator {
  constructor(
    @Inject(API_TOKEN) private readonly token: string,
    @Optional() @Inject(SCOPED_TOKEN_AUTHORITY) private readonly scoped: ScopedTokenAuthority | null = null,
  ) {}

  /**
   * Who may make this request: the admin key (anything), or a scoped token its authority
   * recognises, authenticates and authorizes for this route. Throws a 401/403 ApiError otherwise.
   * The admin key is compared in constant time; a scoped token is looked up by its hash.
   */
  async authenticateRequest(authorization: string | string[] | undefined, request: RouteRequest): Promise<Principal> {
    const presented = bearerTokenOf(authorization);
    if (presented === undefined) throw new ApiError(401, 'authentication_failed', 'missing bearer token');
    if (timingSafeEqualStrings(this.token, presented)) return ADMIN;
    if (!this.scoped?.recognises(presented)) throw new ApiError(401, 'authentication_failed', 'invalid bearer token');
    const principal = await this.scoped.authenticate(presented);
    this.scoped.authorize(principal, request);
    return principal;
  }
}

/** Requires a bearer token on every route not marked @Public(): the admin key, or a scoped token allowed this route. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // The early hook already decided (and may have pinned path parameters): deciding again would cost a second lookup.
    if (principalOf(request)) return true;
    const principal = await this.authenticator.authenticateRequest(request.headers.authorization, {
      method: request.method,
      route: request.routeOptions.url ?? '',
      params: (request.params ?? {}) as Record<string, string>,
    });
    setPrincipal(request, principal);
    return true;
  }
}
