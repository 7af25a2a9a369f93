import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { GatewaySettings } from './config/gateway-settings.js';
import { ingressPlugin } from './ingest/ingress.plugin.js';
import { IngressService } from './ingest/ingress.service.js';

/** Builds the gateway application (not yet listening): used by main.ts and by the tests alike. */
export async function createGatewayApp(settings: GatewaySettings): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings),
    new FastifyAdapter({ bodyLimit: settings.maxBodyBytes }),
    { rawBody: true, logger: settings.logLevel === 'silent' ? false : ['error', 'warn', 'log'] },
  );
  // The ingress keeps exact bytes for every content type, so it lives in its own Fastify context.
  void app.getHttpAdapter().getInstance().register(ingressPlugin(app.get(IngressService), settings.maxBodyBytes));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
