import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { unprocessable } from '@switchyard/api-kit';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

/** Deepest nesting a request body may have (as serde_json, which Svix parses with). */
export const MAX_JSON_DEPTH = 128;

/** How deeply a parsed JSON value nests, counted without recursion and stopping past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/**
 * Refuses bodies nested deeper than MAX_JSON_DEPTH before validation runs: class-transformer
 * and class-validator recurse, so a deep enough body would otherwise overflow the stack (a 500).
 */
@Injectable()
export class JsonDepthInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    if (jsonDepth(body) > MAX_JSON_DEPTH) throw unprocessable(['body'], `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 'value_error.depth');
    return next.handle();
  }
}
