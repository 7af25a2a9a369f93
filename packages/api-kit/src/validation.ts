import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError, type ValidationIssue } from './api-error.js';

function flatten(errors: readonly ValidationError[], path: (string | number)[] = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const loc = [...path, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    for (const [type, msg] of Object.entries(error.constraints ?? {})) {
      issues.push({ loc, msg, type: type === 'whitelistValidation' ? 'extra_forbidden' : type });
    }
    if (error.children?.length) issues.push(...flatten(error.children, loc));
  }
  return issues;
}

const LOCATION: Record<string, string> = { body: 'body', query: 'query', param: 'path', custom: 'body' };

/**
 * The global validation pipe: strict DTOs (unknown fields are an error, as in Svix), values
 * transformed to their declared types, and failures answered as Svix 422 bodies whose `loc`
 * starts with body, query or path.
 */
export class SvixValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => {
        const issues = flatten(errors);
        return new ApiError(422, 'validation_error', issues[0]?.msg ?? 'invalid request', issues.length ? issues : [{ loc: [], msg: 'invalid request', type: 'value_error' }]);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const where = LOCATION[metadata.type] ?? 'body';
    const isDto = typeof metadata.metatype === 'function' && ![String, Number, Boolean, Object, Array].includes(metadata.metatype as never);
    if (metadata.type === 'body' && isDto && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ApiError(422, 'validation_error', 'body must be a JSON object', [{ loc: ['body'], msg: 'body must be a JSON object', type: 'type_error.dict' }]);
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof ApiError && error.issues) {
        throw new ApiError(
          error.status,
          error.code,
          error.detail,
          error.issues.map((i) => ({ ...i, loc: [where, ...i.loc] })),
        );
      }
      throw error;
    }
  }
}

/** The pipe every app installs globally. */
export function createValidationPipe(): ValidationPipe {
  return new SvixValidationPipe();
}
