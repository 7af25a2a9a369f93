import { createHash } from 'node:crypto';
import { Inject, Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { ApiError, conflict } from './api-error.js';
import { IdempotencyStore } from './idempotency.store.js';

/** How long a key's first answer is replayed by default (docs/api.md §3; IDEMPOTENCY_TTL sets it). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** Injection token of the TTL in ms. */
export const IDEMPOTENCY_TTL = Symbol('IDEMPOTENCY_TTL');
const MAX_KEY_LENGTH = 256;
const HTTP_CODE_METADATA = '__httpCode__';
const NOT_REPLAYED = 'switchyard:not-replayed';

/**
 * Marks a POST whose answer must never be stored, because it holds a credential (an app portal
 * token): `idempotency-key` is ignored there, and a repeat runs again (issuing another token).
 */
export const NotReplayed = () => SetMetadata(NOT_REPLAYED, true);

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `idempotency-key` on POST: the first request with a key runs and its answer (2xx or 4xx) is
 * kept for IDEMPOTENCY_TTL (24 hours); a repeat with the same key and body gets that answer and changes nothing; the
 * same key with a different body is refused; a repeat while the first is running gets 409.
 * Keys are scoped by credential, method and path. Routes marked @NotReplayed() are left alone.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly keys: IdempotencyStore;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly reflector: Reflector,
    @Inject(IDEMPOTENCY_TTL) private readonly ttlMs: number,
  ) {
    this.keys = new IdempotencyStore(dataSource);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || key === '') return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(NOT_REPLAYED, [context.getHandler(), context.getClass()])) return next.handle();
    return from(this.run(context, request, key, next));
  }

  private async run(context: ExecutionContext, request: FastifyRequest & { rawBody?: Buffer }, key: string, next: CallHandler): Promise<unknown> {
    if (key.length > MAX_KEY_LENGTH)
      throw new ApiError(422, 'validation_error', 'idempotency-key is too long', [{ loc: ['header', 'idempotency-key'], msg: 'at most 256 characters', type: 'value_error' }]);
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const auth = typeof request.headers.authorization === 'string' ? request.headers.authorization : '';
    const scope = sha256(`${auth}\n${request.method}\n${request.url.split('?')[0]}`);
    const requestHash = sha256(request.rawBody ?? JSON.stringify(request.body ?? null));
    const expiresAt = new Date(Date.now() + this.ttlMs);

    // Claim the key, or take over one whose time is over (the sweep may not have removed it yet).
    if (!(await this.keys.claim(scope, key, requestHash, expiresAt))) {
      const existing = await this.keys.find(scope, key);
      if (!existing) throw conflict('request with this idempotency-key is in progress');
      if (existing.requestHash !== requestHash) throw conflict('idempotency-key was used with a different request', 'idempotency_conflict');
      if (existing.responseStatus === null) throw conflict('request with this idempotency-key is in progress');
      if (existing.responseStatus >= 400) throw ApiError.replay(existing.responseStatus, existing.responseBody as Record<string, unknown>);
      void reply.status(existing.responseStatus);
      return existing.responseBody;
    }

    // A handler may choose its status itself (getOrCreate: 200 or 201); note it to replay it.
    let chosen: number | undefined;
    const code = reply.code.bind(reply);
    const choose = (status: number) => {
      chosen = status;
      return code(status);
    };
    reply.code = choose;
    reply.status = choose;
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined }).finally(() => {
        reply.code = code;
        reply.status = code;
      });
      const status = chosen ?? this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
      await this.keys.answer(scope, key, status, (body ?? null) as object);
      return body;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        await this.keys.answer(scope, key, error.status, error.body());
      } else {
        await this.keys.release(scope, key);
      }
      throw error;
    }
  }
}
