/** One entry of a Svix 422 body: where, what, and a machine-readable type. */
export interface ValidationIssue {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

/**
 * A domain error with an HTTP status and a Svix error code. Services throw these; the exception
 * filter turns them into `{ code, detail }` (or `{ detail: [...] }` for 422).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly issues?: readonly ValidationIssue[],
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  private storedBody?: Record<string, unknown>;

  /** An error whose body was stored earlier (idempotent replay of a 4xx). */
  static replay(status: number, body: Record<string, unknown>): ApiError {
    const error = new ApiError(status, String(body.code ?? 'replayed'), typeof body.detail === 'string' ? body.detail : 'replayed');
    error.storedBody = body;
    return error;
  }

  /** The JSON body Svix clients expect for this error. */
  body(): Record<string, unknown> {
    if (this.storedBody) return this.storedBody;
    if (this.status === 422 && this.issues) return { detail: this.issues };
    return { code: this.code, detail: this.detail };
  }
}

/** 404: an unknown id or uid. */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

/** 409: a duplicate uid or eventId, or a conflicting idempotent request. */
export function conflict(detail: string, code = 'conflict'): ApiError {
  return new ApiError(409, code, detail);
}

/** 400: a request that is well-formed but cannot be done. */
export function badRequest(detail: string, code = 'bad_request'): ApiError {
  return new ApiError(400, code, detail);
}

/** 422: a validation failure at one location. */
export function unprocessable(loc: readonly (string | number)[], msg: string, type = 'value_error'): ApiError {
  return new ApiError(422, 'validation_error', msg, [{ loc, msg, type }]);
}
