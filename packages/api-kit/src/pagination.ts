import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { unprocessable } from './api-error.js';

/** Default and largest page size (docs/api.md §3). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 250;

export type Ordering = 'ascending' | 'descending';
const ORDERINGS: Ordering[] = ['ascending', 'descending'];

/** `limit`, `iterator` and `order`, as the svix SDK sends them. */
export class ListQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Page size', example: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    maxLength: 300,
    description: "Where to start: a previous page's `iterator` (next page) or `prevIterator` (previous page)",
    example: 'app_01KQ8ZJ7C0RKFY9GD3Q3V8N1XW',
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  iterator?: string;

  @ApiPropertyOptional({ enum: ORDERINGS, description: 'Sort order; each list has its own default (see the operation)' })
  @IsOptional()
  @IsIn(['ascending', 'descending'])
  order?: Ordering;
}

/** Svix's list envelope. */
export interface ListResponse<T> {
  readonly data: T[];
  readonly iterator: string | null;
  readonly prevIterator: string | null;
  readonly done: boolean;
}

export interface PageRequest {
  readonly limit?: number;
  readonly iterator?: string;
  readonly order?: Ordering;
}

export interface PageOptions<E> {
  /** The unique, sortable column of the query, e.g. `m.id`. */
  readonly column: string;
  /** The cursor value of a row (its id or name). */
  readonly key: (row: E) => string;
  /** What a valid cursor looks like; anything else is a forged iterator and gets 422. */
  readonly cursorPattern: RegExp;
  readonly defaultOrder: Ordering;
}

/**
 * Keyset pagination over a unique sortable column. `iterator` continues after the last row of a
 * page; `prevIterator` (the first row's key prefixed with `-`) goes back one page.
 */
export async function paginate<E extends ObjectLiteral, T>(qb: SelectQueryBuilder<E>, request: PageRequest, options: PageOptions<E>, map: (row: E) => T | Promise<T>): Promise<ListResponse<T>> {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  const order = request.order ?? options.defaultOrder;
  let backwards = false;
  let cursor: string | undefined;
  if (request.iterator !== undefined && request.iterator !== '') {
    backwards = request.iterator.startsWith('-');
    cursor = backwards ? request.iterator.slice(1) : request.iterator;
    if (!options.cursorPattern.test(cursor)) throw unprocessable(['query', 'iterator'], 'iterator is not valid');
  }
  const ascending = (order === 'ascending') !== backwards;
  if (cursor !== undefined) qb.andWhere(`${options.column} ${ascending ? '>' : '<'} :cursor`, { cursor });
  qb.orderBy(options.column, ascending ? 'ASC' : 'DESC')
    .take(undefined)
    .limit(limit + 1);
  const rows = await qb.getMany();
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const data = await Promise.all(page.map(map));
  const first = page[0];
  const last = page[page.length - 1];
  return {
    data,
    iterator: last ? options.key(last) : (cursor ?? null),
    prevIterator: first ? `-${options.key(first)}` : null,
    done: backwards ? false : !more,
  };
}

/** A cursor that is a prefixed ULID id. */
export const ID_CURSOR = /^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$/;
