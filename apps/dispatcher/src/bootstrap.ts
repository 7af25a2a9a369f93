import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MAX_PATH_PARAM_LENGTH } from '@switchyard/api-kit';
import { AppModule } from './app.module.js';
import type { DispatcherSettings } from './config/dispatcher-settings.js';

/** Room above MAX_PAYLOAD_BYTES for the rest of a message body (eventType, channels, …). */
const ENVELOPE_BYTES = 64 * 1024;

/** Builds the dispatcher application (not yet listening): used by main.ts and by the tests alike. */
export async function createDispatcherApp(settings: DispatcherSettings): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings),
    new FastifyAdapter({ bodyLimit: settings.maxPayloadBytes + ENVELOPE_BYTES, routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH } }),
    { rawBody: true, logger: settings.logLevel === 'silent' ? false : ['error', 'warn', 'log'] },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
