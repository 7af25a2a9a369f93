import { createApiApp, createRootLogger } from '@switchyard/api-kit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AppOptions } from './app.module.js';
import type { GatewaySettings } from './config/gateway-settings.js';
import { INGRESS_OPENAPI_PATHS, ingressPlugin } from './ingest/ingress.plugin.js';
import { IngressService } from './ingest/ingress.service.js';

/** Most headers a request may carry; 16 KB of headers cannot hold more than this many anyway. */
const MAX_HEADERS_COUNT = 4096;

/** Builds the gateway application (not yet listening): used by main.ts and by the tests alike. */
export async function createGatewayApp(settings: GatewaySettings, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger({ level: settings.logLevel, service: 'gateway', destination: options.logDestination });
  return createApiApp({
    module: AppModule.forRoot(settings, logger, options),
    logger,
    // The management API's limit; the ingress sets MAX_BODY_BYTES in its own context.
    bodyLimit: settings.apiMaxBodyBytes,
    protectedPrefixes: ['/ingest/api/', '/api/'],
    openApi: {
      title: 'Switchyard gateway',
      description: 'Svix Ingest-compatible source management, and provider ingress at POST /in/{token}.',
      version: '1.0',
      extraPaths: INGRESS_OPENAPI_PATHS,
    },
    configure(app, fastify) {
      // The ingress keeps exact bytes for every content type, so it lives in its own Fastify context.
      void fastify.register(ingressPlugin(app.get(IngressService), settings.maxBodyBytes));
      // Node answers 400 from about 1,000 headers (its count limit is in raw name/value entries); the
      // 16 KB header-size limit already bounds a request, so let the count follow from it and log
      // such requests like any other.
      app.getHttpServer().maxHeadersCount = MAX_HEADERS_COUNT;
    },
  });
}
