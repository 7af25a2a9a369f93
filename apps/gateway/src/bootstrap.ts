import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { GatewaySettings } from './config/gateway-settings.js';

/** Builds the gateway application (not yet listening): used by main.ts and by the tests alike. */
export async function createGatewayApp(settings: GatewaySettings): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings),
    new FastifyAdapter({ bodyLimit: settings.maxBodyBytes }),
    { rawBody: true, logger: settings.logLevel === 'silent' ? false : ['error', 'warn', 'log'] },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
