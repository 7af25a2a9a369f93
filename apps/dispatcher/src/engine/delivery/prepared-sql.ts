import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The part of a pg Pool this needs (pg ships no types of its own). */
interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Distinct statement texts remembered (the engine has a few dozen: record() builds variants). */
const MAX_NAMES = 1_000;

/**
 * Runs the engine's hot statements as named (prepared) statements on the pool TypeORM holds, so
 * PostgreSQL parses and plans each text once per connection instead of on every call. A statement
 * is named after a hash of its text, so the variants record() builds never collide. Answers the
 * rows for every statement (TypeORM's query() answers a top-level UPDATE with [rows, count]).
 */
@Injectable()
export class PreparedSql {
  private readonly names = new Map<string, string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get pool(): PgPool {
    return (this.dataSource.driver as unknown as { master: PgPool }).master;
  }

  async query<T>(text: string, values: unknown[]): Promise<T[]> {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `sy_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      if (this.names.size < MAX_NAMES) this.names.set(text, name);
    }
    const result = await this.pool.query({ name, text, values });
    return result.rows as T[];
  }
}
