import { randomUUID } from 'node:crypto';
import { RequestMethod, type DynamicModule } from '@nestjs/common';
import { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { SECRET_CONFIG_FIELDS } from '@switchyard/providers';
import { pino, type DestinationStream, type Logger } from 'pino';
import { principalOf } from '../auth.guard.js';

/**
 * Paths pino blanks out wherever they appear in a log line: credentials, signatures, secrets, and
 * every provider config field marked secret (SECRET_CONFIG_FIELDS, from the providers' own
 * marks), alone, one level down, and inside a `config` object up to two levels down.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  ...new Set([
    'req.headers.authorization',
    'req.headers.cookie',
    'headers.authorization',
    'headers.cookie',
    '*.secret',
    '*.key',
    '*.token',
    '*.password',
    '*.adminApiKey',
    '*.secretEncryptionKey',
    '*.secretEncryptionKeys',
    ...SECRET_CONFIG_FIELDS.flatMap((field) => [field, `*.${field}`, `config.${field}`, `*.config.${field}`, `*.*.config.${field}`]),
  ]),
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Routes too frequent to be worth a line each (probes and scrapes). */
const QUIET_PATHS = new Set(['/api/v1/health', '/health/ready']);

export interface LoggingOptions {
  readonly level: string;
  /** Service name on every line (gateway, dispatcher). */
  readonly service: string;
  /** Where lines go instead of stdout (tests read what a process would have printed). */
  readonly destination?: DestinationStream;
}

/** Bytes of log lines buffered before a write to stdout. */
const LOG_BUFFER_BYTES = 4096;

/**
 * The process's root logger: JSON lines, service name, secrets redacted. Lines are written to
 * stdout in batches, not one syscall each (a hot-path cost under load); the buffer is flushed
 * when the process exits, so only a kill -9 can lose its last few KB of lines.
 */
export function createRootLogger(options: LoggingOptions): Logger {
  const silent = options.level === 'silent';
  if (options.destination) return pino(loggerSettings(options), options.destination);
  const destination = silent ? undefined : pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  if (destination) process.once('exit', () => destination.flushSync());
  const settings = loggerSettings(options);
  return destination ? pino(settings, destination) : pino(settings);
}

function loggerSettings(options: LoggingOptions) {
  return {
    level: options.level,
    base: { service: options.service },
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** The request id: the caller's `x-request-id` when it is sane, otherwise a new UUID. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const incoming = headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Options for Nest's FastifyAdapter so that Fastify logs through the root logger and every
 * request (Nest routes and raw Fastify routes such as the gateway's ingress alike) gets a
 * request id that its log lines carry as `reqId`.
 */
export function fastifyLoggingOptions(logger: Logger) {
  return {
    loggerInstance: logger,
    // Fastify's own two lines per request are replaced by installRequestLogging's one.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    requestIdHeader: false as const,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => requestIdOf(req.headers),
  };
}

/** One line per finished request (method, path, status, duration, the credential once authenticated), and the id echoed as `x-request-id`. */
export function installRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply) => {
    const path = request.url.split('?')[0]!;
    if (QUIET_PATHS.has(path)) return;
    const line: Record<string, unknown> = { method: request.method, path: redactPath(path), statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime * 10) / 10 };
    // Who called, for an audit trail: an app portal token by its row id and application (never the token).
    const principal = principalOf(request);
    if (principal?.kind === 'app') Object.assign(line, { credential: 'app_portal_token', tokenId: principal.tokenId, appId: principal.appId });
    else if (principal?.kind === 'admin') line.credential = 'admin';
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else request.log.info(line, 'request completed');
  });
}

/** Ingest URLs carry a credential (the token): logs show only its first characters. */
export function redactPath(path: string): string {
  return path.replace(/^\/in\/([^/]{4})[^/]*/, '/in/$1…');
}

/**
 * Nest's logger on the same root logger as Fastify's: inside a request, lines carry its
 * request id; outside one (start-up, processors), they come from the root logger.
 */
export function loggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: { logger },
    useExisting: true,
    // On Fastify, nestjs-pino's default route pattern matches nothing (fastify-addons.md).
    forRoutes: [{ path: '*splat', method: RequestMethod.ALL }],
  });
}
