import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitGracefullyOnSignal, SettingsError } from '@switchyard/platform';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { Logger } from 'nestjs-pino';
import { installApiAuthHook } from '../api-auth.hook.js';
import { AdminListener } from '../observability/index.js';
import { setupOpenApi, type OpenApiOptions } from '../observability/openapi.js';
import { fastifyLoggingOptions, installRequestLogging } from '../observability/logging.js';
import { MAX_PATH_PARAM_LENGTH } from '../path-params.pipe.js';
import { reportSecretsAtRest } from '../secrets-at-rest.js';

export interface ApiAppSpec {
  /** The root module, built with the app's settings and logger. */
  readonly module: DynamicModule;
  /** The root logger the module was built with (Fastify logs through it too). */
  readonly logger: PinoLogger;
  /** The management API's body limit (API_MAX_BODY_BYTES). */
  readonly bodyLimit: number;
  /** Path prefixes the early auth hook guards (health stays public). */
  readonly protectedPrefixes: readonly string[];
  readonly openApi: OpenApiOptions;
  /** App-specific wiring on the Fastify instance (the gateway's ingress, the dispatcher's portal), before init. */
  readonly configure?: (app: NestFastifyApplication, fastify: FastifyInstance) => void | Promise<void>;
}

/**
 * Builds an app of the house (not yet listening): Nest on Fastify with the raw body kept, pino
 * logging, the auth hook before any body is read, the OpenAPI document. Both apps' bootstrap.ts
 * and their tests build through this.
 */
export async function createApiApp(spec: ApiAppSpec): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    spec.module,
    new FastifyAdapter({ bodyLimit: spec.bodyLimit, routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH }, ...fastifyLoggingOptions(spec.logger) }),
    { rawBody: true, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  installRequestLogging(fastify);
  installApiAuthHook(app, { protectedPrefixes: [...spec.protectedPrefixes], publicRoutes: ['/api/v1/health'] });
  await spec.configure?.(app, fastify);
  setupOpenApi(app, spec.openApi);
  await app.init();
  await fastify.ready();
  return app;
}

/** What main.ts needs of an app's settings. */
export interface MainSettings {
  readonly port: number;
  readonly host: string;
  readonly adminApiKey: string;
  readonly adminApiKeyGenerated: boolean;
}

/**
 * An app's main.ts: reads the settings (a bad one exits 1 with its message, nothing else), builds
 * the app, reports secrets at rest, exits gracefully on SIGTERM/SIGINT, and listens on the public
 * and the admin port.
 */
export async function runMain<S extends MainSettings>(name: string, load: (env: NodeJS.ProcessEnv) => S, create: (settings: S) => Promise<NestFastifyApplication>): Promise<void> {
  let settings: S;
  try {
    settings = load(process.env);
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`${name}: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const app = await create(settings);
  await reportSecretsAtRest(app);
  exitGracefullyOnSignal(() => app.close(), { log: (m) => console.log(`${name}: ${m}`) });
  await app.listen(settings.port, settings.host);
  const adminUrl = await app.get(AdminListener).listen();
  if (settings.adminApiKeyGenerated) {
    console.log(`${name}: ADMIN_API_KEY was not set; generated one for this run: ${settings.adminApiKey}`);
  }
  console.log(`${name}: listening on http://${settings.host}:${settings.port}; admin (metrics, queues, readiness) on ${adminUrl}`);
}
