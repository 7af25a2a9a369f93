import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IngressResponse, IngressService } from './ingress.service.js';

const ingressResponses = {
  '200': { description: 'Accepted and committed (or a duplicate, acknowledged), or a handshake answered' },
  '400': { description: 'The body is not what its content type says' },
  '401': { description: 'The signature does not verify; `code` is the reason (missing_header, malformed, bad_signature, stale_timestamp, future_timestamp)' },
  '404': { description: 'No source has this ingest URL' },
  '405': { description: 'The source type does not take this method' },
  '413': { description: 'The body is larger than MAX_BODY_BYTES, or the event built from it larger than MAX_EVENT_BYTES (`payload_too_large`)' },
};

/** The ingress in the OpenAPI document (it is a raw Fastify route, which Nest's scanner does not see). */
export const INGRESS_OPENAPI_PATHS = {
  '/in/{token}': {
    post: {
      operationId: 'ingress_post',
      summary: "Receive a provider's webhook",
      description: "Verified over the raw bytes with the source's provider scheme; answered 2xx only after the event is committed.",
      tags: ['Ingress'],
      security: [],
      parameters: [{ name: 'token', in: 'path' as const, required: true, schema: { type: 'string' as const } }],
      requestBody: { required: false, content: { '*/*': { schema: { type: 'string' as const, format: 'binary' } } } },
      responses: ingressResponses,
    },
    get: {
      operationId: 'ingress_get',
      summary: 'Answer a provider verification (Meta hub.challenge)',
      tags: ['Ingress'],
      security: [],
      parameters: [{ name: 'token', in: 'path' as const, required: true, schema: { type: 'string' as const } }],
      responses: ingressResponses,
    },
  },
};

/** Methods routed to the ingress; the service answers 405 for those a source type does not take. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function searchOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q);
}

function tokenOf(request: FastifyRequest): string {
  const token = (request.params as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? token : '';
}

/**
 * `/in/:token` in a Fastify context of its own, where one catch-all parser keeps every body as
 * the exact bytes received, whatever its content type (JSON, form, text, binary, none, or
 * malformed). Nest's JSON parser would reject malformed JSON before it could be logged, and
 * parsed bodies cannot be verified.
 */
export function ingressPlugin(service: IngressService, maxBodyBytes: number) {
  const logger = new Logger('Ingress');
  return async function ingress(instance: FastifyInstance): Promise<void> {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => done(null, body));

    instance.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) {
        logger.error(`ingress failed: ${error.stack ?? error.message}`);
        return reply.code(500).type('application/json; charset=utf-8').send({ code: 'internal_error', detail: 'internal error' });
      }
      const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
      const detail = status === 413 ? `body is larger than ${maxBodyBytes} bytes` : error.message;
      await service.logOversized(tokenOf(request), request.method, searchOf(request.url), request.headers, status, code).catch(() => undefined);
      return reply.code(status).type('application/json; charset=utf-8').send({ code, detail });
    });

    const send = async (reply: FastifyReply, answer: IngressResponse): Promise<FastifyReply> => {
      reply.code(answer.status);
      for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
      if (answer.contentType) reply.type(answer.contentType);
      await reply.send(answer.body ?? '');
      return reply;
    };

    instance.route({
      method: [...METHODS],
      url: '/in/:token',
      // the server's own bodyLimit is the management API's (API_MAX_BODY_BYTES)
      bodyLimit: maxBodyBytes,
      // Before the body is read: an unknown token costs a lookup, not MAX_BODY_BYTES of reading.
      onRequest: async (request, reply) => {
        const unknown = await service.unknownToken(tokenOf(request));
        if (unknown) await send(reply, unknown);
      },
      handler: async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const answer = await service.handle({ token: tokenOf(request), method: request.method, search: searchOf(request.url), headers: request.headers, body });
        await send(reply, answer);
        if (answer.afterResponse) void answer.afterResponse();
        return reply;
      },
    });
  };
}
