import { applyDecorators, type Type } from '@nestjs/common';
import { ApiParam, ApiProperty, ApiResponse, ApiSchema } from '@nestjs/swagger';
import type { ListResponse } from './pagination.js';
import { UID_PATTERN } from './path-params.pipe.js';

/*
 * OpenAPI building blocks both apps share. These classes only describe JSON on the wire for
 * @nestjs/swagger; nothing instantiates them, and they play no part in validation.
 */

/** Svix `HttpErrorOut`: the body of every 4xx but 422 (and of a 500, with an error id). */
@ApiSchema({ name: 'HttpErrorOut', description: 'Svix error body: a machine-readable code and a human-readable detail.' })
export class HttpErrorOut {
  @ApiProperty({ type: String, description: 'Machine-readable error code', example: 'not_found' })
  code: string;

  @ApiProperty({ type: String, description: 'What went wrong', example: 'application not found' })
  detail: string;
}

/** One entry of a Svix 422 body. */
@ApiSchema({ name: 'ValidationError' })
export class ValidationErrorOut {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    description: 'Where: `body`, `query`, `path` or `header`, then the field path (array indices are integers)',
    example: ['body', 'name'],
  })
  loc: (string | number)[];

  @ApiProperty({ type: String, example: 'name must be longer than or equal to 1 characters' })
  msg: string;

  @ApiProperty({ type: String, description: 'Machine-readable kind of failure', example: 'minLength' })
  type: string;
}

/** Svix `HTTPValidationError`: the body of a 422. */
@ApiSchema({ name: 'HTTPValidationError', description: 'Svix validation error body: one entry per failed check.' })
export class HttpValidationErrorOut {
  @ApiProperty({ type: () => [ValidationErrorOut] })
  detail: ValidationErrorOut[];
}

/** Svix `EmptyResponse`: `{}`, answered where the SDK still parses a body. */
@ApiSchema({ name: 'EmptyResponse' })
export class EmptyResponse {}

const listResponses = new Map<Type<unknown>, Type<ListResponse<unknown>>>();

/**
 * The schema class of Svix's list envelope for `item`, named as Svix names it
 * (`ListResponse_ApplicationOut_`). One class per item type, so the schema is emitted once.
 */
export function ListResponseOf<T>(item: Type<T>, itemName: string = item.name): Type<ListResponse<T>> {
  const existing = listResponses.get(item);
  if (existing) return existing as Type<ListResponse<T>>;
  class ListResponseSchema implements ListResponse<T> {
    @ApiProperty({ type: () => [item] })
    data: T[];

    @ApiProperty({ type: String, nullable: true, description: 'Pass as `iterator` to read the next page', example: 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW' })
    iterator: string | null;

    @ApiProperty({ type: String, nullable: true, description: 'Pass as `iterator` to read the previous page', example: '-app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW' })
    prevIterator: string | null;

    @ApiProperty({ type: Boolean, description: 'True on the last page' })
    done: boolean;
  }
  ApiSchema({ name: `ListResponse_${itemName}_` })(ListResponseSchema);
  listResponses.set(item, ListResponseSchema as Type<ListResponse<unknown>>);
  return ListResponseSchema;
}

/** Error statuses the API answers in Svix's shapes. */
export type ApiErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422;

const ERROR_RESPONSES: Readonly<Record<ApiErrorStatus, { description: string; type: Type<unknown> }>> = {
  400: { description: 'Bad request: the body is not JSON, or the request cannot be done (`code` says why)', type: HttpErrorOut },
  401: { description: 'Missing or wrong bearer token (`authentication_failed`), or an app portal token that expired or was revoked (`token_expired`)', type: HttpErrorOut },
  403: { description: 'An app portal token used outside its application or capabilities (`forbidden`)', type: HttpErrorOut },
  404: { description: 'Nothing with this id or uid (`not_found`)', type: HttpErrorOut },
  409: { description: 'Conflict: a duplicate uid, name or eventId, or an idempotency-key reused (`conflict`, `idempotency_conflict`)', type: HttpErrorOut },
  413: { description: 'The body or payload is too large (`payload_too_large`)', type: HttpErrorOut },
  422: { description: 'Validation error: one entry per failed check of the path, query or body', type: HttpValidationErrorOut },
};

/** Documents the Svix error responses an operation (or every operation of a controller) can answer. */
export function ApiErrors(...statuses: ApiErrorStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, ...ERROR_RESPONSES[status] })));
}

/**
 * A path parameter naming an object: 1-256 characters of `[a-zA-Z0-9-_.]`, which PathParamsPipe
 * enforces for every path parameter. On a controller, it applies to all of its routes.
 */
export function ApiIdParam(name: string, description: string, example?: string): MethodDecorator & ClassDecorator {
  return ApiParam({
    name,
    required: true,
    description,
    schema: { type: 'string', minLength: 1, maxLength: 256, pattern: UID_PATTERN.source, ...(example ? { example } : {}) },
  }) as MethodDecorator & ClassDecorator;
}
