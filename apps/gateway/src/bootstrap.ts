import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { GatewaySettings } from './config/gateway-settings.js';
import { ingressPlugin } from './ingest/ingress.plugin.js';
import { IngressService } from './ingest/ingress.service.js';

/** Most headers a request may carry; 16 KB of headers cannot hold more than this many anyway. */
const MAX_HEADERS_COUNT = 4096;

/** Builds the gateway application (not yet listening): used by main.ts and by the tests alike. */
export async function createGatewayApp(settings: GatewaySettings): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings),
    new FastifyAdapter({ bodyLimit: settings.maxBodyBytes }),
    { rawBody: true, logger: settings.logLevel === 'silent' ? false : ['error', 'warn', 'log'] },
  );
  // The ingress keeps exact bytes for every content type, so it lives in its own Fastify context.
  void app.getHttpAdapter().getInstance().register(ingressPlugin(app.get(IngressService), settings.maxBodyBytes));
  // Node answers 400 from about 1,000 headers (its count limit is in raw name/value entries); the
  // 16 KB header-size limit already bounds a request, so let the count follow from it and log
  // such requests like any other.
  app.getHttpServer().maxHeadersCount = MAX_HEADERS_COUNT;
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
