import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

/** Paths pino blanks out wherever they appear in a log line: credentials, signatures, secrets. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.key',
  '*.token',
  '*.password',
  '*.adminApiKey',
  '*.secretEncryptionKey',
  '*.config.secret',
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Routes too frequent to be worth a line each (probes and scrapes). */
const QUIET_PATHS = new Set(['/api/v1/health', '/health/ready', '/metrics']);

export interface LoggingOptions {
  readonly level: string;
  /** Service name on every line (gateway, dispatcher). */
  readonly service: string;
}

/**
 * Structured JSON logs (pino) with a request id on every line logged while a request is
 * handled: the caller's `x-request-id` when it is sane, otherwise a new one, echoed back in the
 * response. Credentials and secrets are redacted; request headers and bodies are not logged.
 */
export function loggingModule(options: LoggingOptions): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: options.level,
      base: { service: options.service },
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string; raw?: { originalUrl?: string } }) => ({
          id: req.id,
          method: req.method,
          url: (req.raw?.originalUrl ?? req.url ?? '').split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: {
        ignore: (req: IncomingMessage) => QUIET_PATHS.has(((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0]!),
      },
      quietReqLogger: true,
    },
    // On Fastify, nestjs-pino's default route pattern matches nothing (fastify-addons.md).
    forRoutes: [{ path: '*splat', method: RequestMethod.ALL }],
  });
}
