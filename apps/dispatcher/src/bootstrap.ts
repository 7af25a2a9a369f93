import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRootLogger, fastifyLoggingOptions, installApiAuthHook, installRequestLogging, MAX_PATH_PARAM_LENGTH, setupOpenApi } from '@switchyard/api-kit';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { installPortal } from './portal/portal-static.js';
import type { DispatcherSettings } from './config/dispatcher-settings.js';

/** Builds the dispatcher application (not yet listening): used by main.ts and by the tests alike. */
export async function createDispatcherApp(settings: DispatcherSettings, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger({ level: settings.logLevel, service: 'dispatcher', destination: options.logDestination });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings, logger, options),
    new FastifyAdapter({
      bodyLimit: settings.apiMaxBodyBytes,
      routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
      ...fastifyLoggingOptions(logger),
    }),
    { rawBody: true, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  installRequestLogging(app.getHttpAdapter().getInstance());
  installApiAuthHook(app, { protectedPrefixes: ['/api/'], publicRoutes: ['/api/v1/health'] });
  setupOpenApi(app, {
    title: 'Switchyard dispatcher',
    description: "Svix-compatible API: applications, event types, endpoints, messages and attempts. Works with the official svix SDKs.",
    version: '1.0',
  });
  const portal = await installPortal(app.getHttpAdapter().getInstance(), { frameAncestors: settings.portalFrameAncestors });
  if (!portal.directory) app.get(Logger).warn('the consumer portal is not built: /portal answers 503 until `pnpm build` builds apps/portal');
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
