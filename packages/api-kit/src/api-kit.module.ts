import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { SecretBox } from '@switchyard/db';
import { ApiAuthenticator, API_TOKEN, BearerAuthGuard, SCOPED_TOKEN_AUTHORITY, type ScopedTokenAuthority } from './auth.guard.js';
import { EndpointStore, SECRET_BOX } from './endpoint-store.js';
import { IDEMPOTENCY_TTL, IDEMPOTENCY_TTL_MS, IdempotencyInterceptor } from './idempotency.interceptor.js';
import { PathParamsPipe } from './path-params.pipe.js';
import { RequestShapeInterceptor } from './request-shape.interceptor.js';
import { SvixExceptionFilter } from './svix-exception.filter.js';
import { createValidationPipe } from './validation.js';

export interface ApiKitOptions {
  /** The bearer token with full access (ADMIN_API_KEY). */
  readonly adminApiKey: string;
  /** Keys for secrets at rest (SECRET_ENCRYPTION_KEYS): the first seals, every one opens; none: stored in clear. */
  readonly secretEncryptionKeys?: readonly Buffer[];
  /** How long an idempotency key's answer is replayed (IDEMPOTENCY_TTL); 24 hours when not given. */
  readonly idempotencyTtlMs?: number;
  /** Tokens narrower than the admin key (the dispatcher's app portal tokens); none: the admin key is the only credential. */
  readonly scopedTokenAuthority?: Type<ScopedTokenAuthority>;
}

/**
 * Installs the Svix API conventions app-wide: bearer auth (routes opt out with @Public()),
 * Svix error shapes, path parameters and body shape checked, strict DTO validation answering
 * 422, idempotency keys, and the endpoint store.
 */
@Module({})
export class ApiKitModule {
  static forRoot(options: ApiKitOptions): DynamicModule {
    return {
      module: ApiKitModule,
      global: true,
      providers: [
        { provide: API_TOKEN, useValue: options.adminApiKey },
        options.scopedTokenAuthority ? { provide: SCOPED_TOKEN_AUTHORITY, useClass: options.scopedTokenAuthority } : { provide: SCOPED_TOKEN_AUTHORITY, useValue: null },
        ApiAuthenticator,
        { provide: SECRET_BOX, useValue: new SecretBox(options.secretEncryptionKeys ?? []) },
        { provide: IDEMPOTENCY_TTL, useValue: options.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_FILTER, useClass: SvixExceptionFilter },
        { provide: APP_PIPE, useClass: PathParamsPipe },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: RequestShapeInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        EndpointStore,
      ],
      exports: [API_TOKEN, SCOPED_TOKEN_AUTHORITY, ApiAuthenticator, SECRET_BOX, EndpointStore],
    };
  }
}
