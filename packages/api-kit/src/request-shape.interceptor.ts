import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { unprocessable } from './api-error.js';
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

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** False for U+0000 (PostgreSQL text and jsonb cannot hold it) and for lone surrogates (jsonb refuses their escapes). */
export function isStorableString(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** Where in a JSON value the first string PostgreSQL could not store is (keys included), or undefined. Iterative. */
export function unstorableStringAt(value: unknown): (string | number)[] | undefined {
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isStorableString(node)) return path;
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => {
        stack.push([child, [...path, i]]);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (!isStorableString(key)) return [...path, key];
        stack.push([child, [...path, key]]);
      }
    }
  }
  return undefined;
}

/**
 * Checks the shape of every JSON body before validation runs: nested no deeper than
 * MAX_JSON_DEPTH (class-transformer and class-validator recurse, so a deep enough body would
 * overflow the stack: a 500), and no string PostgreSQL cannot store (U+0000, lone surrogates),
 * which would otherwise fail deep in a query. Both are answered 422.
 */
@Injectable()
export class RequestShapeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    if (typeof body === 'object' && body !== null) {
      if (jsonDepth(body) > MAX_JSON_DEPTH) throw unprocessable(['body'], `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 'value_error.depth');
      const at = unstorableStringAt(body);
      if (at) throw unprocessable(['body', ...at], 'must not contain U+0000 or unpaired surrogates', 'value_error.str');
    }
    return next.handle();
  }
}
