import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { PgErrorCode, pgErrorOf } from '@switchyard/db';
import { newId } from '@switchyard/events';
import { GroupCommitterFullError } from '@switchyard/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'authentication_failed',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_error',
  429: 'rate_limited',
};

/** PostgreSQL errors that bad input can cause, when a service did not map them itself. */
const PG_ERRORS: Record<string, [number, string, string]> = {
  [PgErrorCode.UniqueViolation]: [409, 'conflict', 'an object with this identifier already exists'],
  [PgErrorCode.InvalidTextRepresentation]: [422, 'validation_error', 'a value has the wrong type'],
  [PgErrorCode.StringDataRightTruncation]: [422, 'validation_error', 'a value is too long'],
  [PgErrorCode.ProgramLimitExceeded]: [422, 'validation_error', 'a value is too large'],
};

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return exception.message;
}

/**
 * Maps every error to the Svix error shapes: `{ code, detail }` for 4xx, `{ detail: [...] }`
 * for 422. A 500 never shows a stack: the client gets an error id, the log gets the stack.
 */
@Catch()
export class SvixExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('SvixExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = this.translate(exception, host.switchToHttp().getRequest<FastifyRequest | undefined>());
    if (reply.sent) return;
    if (headers) void reply.headers(headers);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  translate(exception: unknown, request?: FastifyRequest): { status: number; body: Record<string, unknown>; headers?: Record<string, string> } {
    if (exception instanceof ApiError) return { status: exception.status, body: exception.body() };
    // More writes are waiting for PostgreSQL than COMMIT_QUEUE_MAX: shed load, and say when to come back.
    if (exception instanceof GroupCommitterFullError) {
      return { status: 503, body: { code: 'overloaded', detail: 'too many writes are waiting; retry shortly' }, headers: { 'retry-after': '1' } };
    }
    const fastify = exception as { statusCode?: number; code?: string; message?: string };
    // Refused by the body parser (Nest hands it over as a 413 HttpException), before anything was
    // parsed: name the limit (API_MAX_BODY_BYTES). Services say 413 with an ApiError of their own.
    if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || (exception instanceof HttpException && exception.getStatus() === 413)) {
      const limit = request?.routeOptions?.bodyLimit;
      return { status: 413, body: { code: 'payload_too_large', detail: limit ? `request body is larger than ${limit} bytes` : 'request body is too large' } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) return { status, body: { code: STATUS_CODES[status] ?? 'http_error', detail: messageOf(exception) } };
      // A deliberate 5xx other than 500 (readiness answering 503 with its report) keeps its body.
      const response = exception.getResponse();
      if (status !== 500 && typeof response === 'object' && response !== null) return { status, body: response as Record<string, unknown> };
    }
    if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
      const detail = fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(fastify.message ?? '') ? 'body is not valid JSON' : (fastify.message ?? 'bad request');
      return { status: fastify.statusCode, body: { code: STATUS_CODES[fastify.statusCode] ?? 'bad_request', detail } };
    }
    const pg = pgErrorOf(exception).code;
    if (pg && PG_ERRORS[pg]) {
      const [status, code, detail] = PG_ERRORS[pg];
      return { status, body: status === 422 ? { detail: [{ loc: ['body'], msg: detail, type: 'value_error' }] } : { code, detail } };
    }
    const errorId = newId('err');
    this.logger.error(`${errorId}: ${(exception as Error)?.stack ?? String(exception)}`);
    return { status: 500, body: { code: 'internal_error', detail: `internal error ${errorId}` } };
  }
}
