import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export { isFrameAncestorsList } from './frame-ancestors.js';

/** Where the consumer portal is served (docs/api.md, "Consumer portal"). */
export const PORTAL_PATH = '/portal';

export interface PortalStaticOptions {
  /** The CSP `frame-ancestors` source list: who may show the portal in an iframe (PORTAL_FRAME_ANCESTORS). */
  readonly frameAncestors: string;
  /** The built portal (index.html and assets/); default: the @switchyard/portal package's dist. */
  readonly directory?: string;
}

/** The built portal's directory, or undefined when the package cannot be found. */
export function defaultPortalDirectory(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@switchyard/portal/package.json');
    return path.join(path.dirname(realpathSync(pkg)), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * The headers of every portal response. The token travels in the URL fragment, which no request
 * carries; still, no referrer leaves the page. The portal may be framed (svix-react's
 * <AppPortal>) by the origins PORTAL_FRAME_ANCESTORS names; nothing else is loosened: scripts
 * and API calls stay same-origin, images (the brand logo) may come from anywhere over http(s).
 */
export function portalSecurityHeaders(frameAncestors: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: https: http:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      `frame-ancestors ${frameAncestors}`,
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };
}

/**
 * Serves the built portal at /portal with @fastify/static: hashed assets cached for a year, and
 * index.html (revalidated every time) for /portal itself and for every client route under it
 * (/portal/endpoints, /portal/logs/…), so a reload or a deep link works. Without a built portal
 * the dispatcher still serves its API, and /portal answers 503 saying how to build it.
 */
export async function installPortal(fastify: FastifyInstance, options: PortalStaticOptions): Promise<{ directory: string | undefined }> {
  const directory = options.directory ?? defaultPortalDirectory();
  const built = directory !== undefined && existsSync(path.join(directory, 'index.html'));
  const security = portalSecurityHeaders(options.frameAncestors);

  if (!built) {
    const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .headers(security)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(`The consumer portal is not built (no index.html in ${directory ?? 'the @switchyard/portal package'}). Run \`pnpm build\` at the repository root.\n`);
    fastify.get(PORTAL_PATH, notBuilt);
    fastify.get(`${PORTAL_PATH}/*`, notBuilt);
    return { directory: undefined };
  }

  await fastify.register(fastifyStatic, { root: directory, serve: false });
  const sendIndex = (reply: FastifyReply) => reply.headers(security).header('cache-control', 'no-cache').sendFile('index.html', directory, { cacheControl: false });

  fastify.get(PORTAL_PATH, async (_request, reply) => sendIndex(reply));
  fastify.get(`${PORTAL_PATH}/*`, async (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const rest = request.params['*'];
    if (rest.startsWith('assets/')) {
      const file = path.normalize(rest);
      if (file.startsWith('assets/') && existsSync(path.join(directory, file))) {
        return reply.headers(security).sendFile(file, directory, { immutable: true, maxAge: '365d', cacheControl: true });
      }
      return reply.code(404).headers(security).type('text/plain; charset=utf-8').send('Not found\n');
    }
    const last = rest.split('/').pop() ?? '';
    if (last.includes('.')) {
      // A top-level file of the build (favicon.svg, …), never a client route.
      const file = path.normalize(rest);
      if (!file.startsWith('..') && !path.isAbsolute(file) && existsSync(path.join(directory, file))) {
        return reply.headers(security).header('cache-control', 'public, max-age=3600').sendFile(file, directory, { cacheControl: false });
      }
      return reply.code(404).headers(security).type('text/plain; charset=utf-8').send('Not found\n');
    }
    return sendIndex(reply);
  });
  return { directory };
}
