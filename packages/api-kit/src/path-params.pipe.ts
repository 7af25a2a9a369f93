import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { unprocessable } from './api-error.js';

/** Svix's rule for uids, event ids, names: letters, digits, `-`, `_`, `.`. */
export const UID_PATTERN = /^[a-zA-Z0-9\-_.]{1,256}$/;

/** Longest path parameter Fastify's router passes on (its default, 100, would answer 414 in its own shape for valid uids). */
export const MAX_PATH_PARAM_LENGTH = 16 * 1024;

/**
 * Every path parameter of the API is an id, a uid, an eventId or an event-type name, all of
 * which are 1-256 characters of `[a-zA-Z0-9-_.]`. Anything else can name nothing, and some of
 * it (U+0000) PostgreSQL cannot even compare, so it is refused here with a 422 on its path.
 */
@Injectable()
export class PathParamsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param') return value;
    if (typeof value !== 'string' || !UID_PATTERN.test(value)) {
      throw unprocessable(['path', metadata.data ?? 'path'], "must be an id, uid or name of 1-256 characters of a-z, A-Z, 0-9, '-', '_' and '.'", 'value_error.path');
    }
    return value;
  }
}
