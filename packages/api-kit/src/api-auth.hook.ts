import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { ApiAuthenticator, setPrincipal } from './auth.guard.js';

export interface ApiAuthHookOptions {
  /** Routes whose pattern starts with one of these are the management API: they need the bearer token. */
  readonly protectedPrefixes: readonly string[];
  /** Routes under those prefixes that need none (each is @Public() in Nest too), as route patterns. */
  readonly publicRoutes: readonly string[];
}

function answer(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.status).header('content-type', 'application/json; charset=utf-8').send(error.body());
}

/**
 * Authenticates management-API requests in Fastify's onRequest hook, which runs before the body is
 * read, let alone parsed: a caller without a token allowed this route costs the headers (and, for a
 * scoped token, one indexed lookup) and nothing more, whatever body it declares or sends. The
 * principal is attached to the request for the guard and the handlers.
 * The decision is made on the route pattern Fastify matched, never on the raw URL, which
 * percent-encoding could disguise (`/%61pi/v1/app` routes to `/api/v1/app`). A request that
 * matches no route is answered 404 here as well: Fastify would otherwise read and parse its body
 * before its not-found handler ran. Call before init(), after installRequestLogging.
 */
export function installApiAuthHook(app: NestFastifyApplication, options: ApiAuthHookOptions): void {
  const authenticator = app.get(ApiAuthenticator);
  const publicRoutes = new Set(options.publicRoutes);
  const isProtected = (route: string) => !publicRoutes.has(route) && options.protectedPrefixes.some((prefix) => route.startsWith(prefix));
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.is404) return answer(reply, new ApiError(404, 'not_found', `Cannot ${request.method} ${request.url.split('?')[0]}`));
      const route = request.routeOptions.url;
      if (route === undefined || !isProtected(route)) return;
      try {
        const principal = await authenticator.authenticateRequest(request.headers.authorization, {
          method: request.method,
          route,
          params: (request.params ?? {}) as Record<string, string>,
        });
        setPrincipal(request, principal);
      } catch (error) {
        if (error instanceof ApiError) return answer(reply, error);
        throw error;
      }
    });
}
