import { ApiError, type AppPrincipal, type RouteRequest } from '@switchyard/api-kit';
import { isId } from '@switchyard/events';

/** Svix `AppPortalCapability`: what an app portal token may do within its application. */
export enum AppPortalCapability {
  /** Read the application, its endpoints (not their secrets), messages, attempts and the event type catalog. Always granted. */
  ViewBase = 'ViewBase',
  ViewEndpointSecret = 'ViewEndpointSecret',
  /** Rotate (and view) endpoint secrets. */
  ManageEndpointSecret = 'ManageEndpointSecret',
  /** Accepted for Svix compatibility; Switchyard has no transformations, so it grants nothing. */
  ManageTransformations = 'ManageTransformations',
  /** Resend messages, send examples, recover and replay missing messages. */
  CreateAttempts = 'CreateAttempts',
  /** Create, change, disable and delete endpoints (headers included), view and rotate their secrets, recover and replay. */
  ManageEndpoint = 'ManageEndpoint',
}

export const ALL_CAPABILITIES: readonly AppPortalCapability[] = Object.values(AppPortalCapability);

/**
 * The capabilities a token gets: those asked for (ViewBase added: Svix says it is always
 * required), else every one (Svix's default), or ViewBase alone for a read-only token.
 */
export function grantedCapabilities(asked: readonly AppPortalCapability[] | null | undefined, readOnly: boolean): AppPortalCapability[] {
  const base = asked ?? (readOnly ? [AppPortalCapability.ViewBase] : ALL_CAPABILITIES);
  return ALL_CAPABILITIES.filter((c) => c === AppPortalCapability.ViewBase || base.includes(c));
}

/** What an app portal token needs for one route. */
export interface AppRouteRule {
  /** Any one of these capabilities grants the route. */
  readonly anyOf: readonly AppPortalCapability[];
  /** A write: refused to a read-only token. */
  readonly write: boolean;
  /** The route names the application (`:app_id`), which must be the token's own. */
  readonly app: boolean;
}

const C = AppPortalCapability;
const view: AppRouteRule = { anyOf: [C.ViewBase], write: false, app: true };
const manageEndpoint: AppRouteRule = { anyOf: [C.ManageEndpoint], write: true, app: true };
const createAttempts: AppRouteRule = { anyOf: [C.CreateAttempts], write: true, app: true };
const APP = '/api/v1/app/:app_id';
const EP = `${APP}/endpoint/:endpoint_id`;

/**
 * Every route an app portal token may reach, by method and the route pattern Fastify matched;
 * anything not listed answers 403 (default deny). Not listed on purpose: the application list
 * and every application write, message create and the expunge routes (the platform's, not its
 * customer's), event type writes, operational webhooks, background tasks, and the token routes
 * but logout and the portal session.
 */
export const APP_TOKEN_ROUTES: Readonly<Record<string, AppRouteRule>> = {
  [`GET ${APP}`]: view,

  [`GET ${APP}/endpoint`]: view,
  [`POST ${APP}/endpoint`]: manageEndpoint,
  [`GET ${EP}`]: view,
  [`PUT ${EP}`]: manageEndpoint,
  [`PATCH ${EP}`]: manageEndpoint,
  [`DELETE ${EP}`]: manageEndpoint,
  [`GET ${EP}/secret`]: { anyOf: [C.ViewEndpointSecret, C.ManageEndpointSecret, C.ManageEndpoint], write: false, app: true },
  [`POST ${EP}/secret/rotate`]: { anyOf: [C.ManageEndpointSecret, C.ManageEndpoint], write: true, app: true },
  [`GET ${EP}/headers`]: view,
  [`PUT ${EP}/headers`]: manageEndpoint,
  [`PATCH ${EP}/headers`]: manageEndpoint,
  [`GET ${EP}/stats`]: view,
  [`POST ${EP}/recover`]: { anyOf: [C.CreateAttempts, C.ManageEndpoint], write: true, app: true },
  [`POST ${EP}/replay-missing`]: { anyOf: [C.CreateAttempts, C.ManageEndpoint], write: true, app: true },
  [`POST ${EP}/send-example`]: createAttempts,

  [`GET ${APP}/msg`]: view,
  [`GET ${APP}/msg/:msg_id`]: view,

  [`GET ${APP}/attempt/endpoint/:endpoint_id`]: view,
  [`GET ${APP}/attempt/msg/:msg_id`]: view,
  [`GET ${APP}/msg/:msg_id/attempt/:attempt_id`]: view,
  [`GET ${APP}/endpoint/:endpoint_id/msg`]: view,
  [`GET ${APP}/msg/:msg_id/endpoint`]: view,
  [`POST ${APP}/msg/:msg_id/endpoint/:endpoint_id/resend`]: createAttempts,

  'GET /api/v1/event-type': { anyOf: [C.ViewBase], write: false, app: false },
  'GET /api/v1/event-type/:event_type_name': { anyOf: [C.ViewBase], write: false, app: false },

  // A read-only token may still end its own session.
  'POST /api/v1/auth/logout': { anyOf: [C.ViewBase], write: false, app: false },
  'GET /api/v1/auth/portal-session': { anyOf: [C.ViewBase], write: false, app: false },
};

function forbidden(detail: string): ApiError {
  return new ApiError(403, 'forbidden', detail);
}

/**
 * Throws a 403 unless the token may make this request. The application in the path must be the
 * token's, by id or by its current uid, resolved exactly as the services resolve it (an `app_…`
 * id is only ever an id); another application is refused the same way whether it exists or not.
 * On success `:app_id` is pinned to the token's application id, so the handler reads the very
 * application that was checked, even if a uid changes hands meanwhile.
 */
export function authorizeAppRoute(principal: AppPrincipal, request: RouteRequest): void {
  const rule = APP_TOKEN_ROUTES[`${request.method} ${request.route}`];
  if (!rule) throw forbidden('an app portal token cannot use this route');
  if (rule.app) {
    const named = request.params.app_id;
    const own = named !== undefined && (isId('app', named) ? named === principal.appId : principal.appUid !== null && named === principal.appUid);
    if (!own) throw forbidden('this token does not grant access to that application');
    request.params.app_id = principal.appId;
  }
  if (rule.write && principal.readOnly) throw forbidden('this token is read-only');
  if (!rule.anyOf.some((c) => principal.capabilities.includes(c))) {
    throw forbidden(`this token lacks the capability for this route (one of ${rule.anyOf.join(', ')})`);
  }
}
