import { createApiApp, createRootLogger } from '@switchyard/api-kit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { installPortal } from './portal/portal-static.js';
import type { DispatcherSettings } from './config/dispatcher-settings.js';

/** Builds the dispatcher application (not yet listening): used by main.ts and by the tests alike. */
export async function createDispatcherApp(settings: DispatcherSettings, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger({ level: settings.logLevel, service: 'dispatcher', destination: options.logDestination });
  return createApiApp({
    module: AppModule.forRoot(settings, logger, options),
    logger,
    bodyLimit: settings.apiMaxBodyBytes,
    protectedPrefixes: ['/api/'],
    openApi: {
      title: 'Switchyard dispatcher',
      description: 'Svix-compatible API: applications, event types, endpoints, messages and attempts. Works with the official svix SDKs.',
      version: '1.0',
    },
    // The consumer portal's built files at /portal (no token: the page authenticates its API calls).
    configure: async (app, fastify) => {
      const portal = await installPortal(fastify, { frameAncestors: settings.portalFrameAncestors });
      if (!portal.directory) app.get(Logger).warn('the consumer portal is not built: /portal answers 503 until `pnpm build` builds apps/portal');
    },
  });
}
