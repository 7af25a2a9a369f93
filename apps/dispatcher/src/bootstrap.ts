import 'reflect-metadata';
import { getQueueToken } from '@nestjs/bull';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRootLogger, fastifyLoggingOptions, installRequestLogging, MAX_PATH_PARAM_LENGTH, setupOpenApi, setupQueueBoard } from '@switchyard/api-kit';
import { QueueName } from '@switchyard/events';
import type { Queue } from 'bull';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import type { DispatcherSettings } from './config/dispatcher-settings.js';

/** Room above MAX_PAYLOAD_BYTES for the rest of a message body (eventType, channels, …). */
const ENVELOPE_BYTES = 64 * 1024;

/** Builds the dispatcher application (not yet listening): used by main.ts and by the tests alike. */
export async function createDispatcherApp(settings: DispatcherSettings, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger({ level: settings.logLevel, service: 'dispatcher' });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(settings, logger, options),
    new FastifyAdapter({
      bodyLimit: settings.maxPayloadBytes + ENVELOPE_BYTES,
      routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
      ...fastifyLoggingOptions(logger),
    }),
    { rawBody: true, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  installRequestLogging(app.getHttpAdapter().getInstance());
  setupOpenApi(app, {
    title: 'Switchyard dispatcher',
    description: "Svix-compatible API: applications, event types, endpoints, messages and attempts. Works with the official svix SDKs.",
    version: '1.0',
  });
  await setupQueueBoard(app, [app.get<Queue>(getQueueToken(QueueName.FanOut)), app.get<Queue>(getQueueToken(QueueName.Turns))], settings.adminApiKey);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
