import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { preparedText, runPrepared, sqlRunner, type PreparedStatement, type SqlRunner } from '@switchyard/db';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The engine's way to the database: every statement runs as a named prepared statement on the
 * pool TypeORM holds (parsed and planned once per connection), through @switchyard/db's helper.
 * Answers the rows for every statement (TypeORM's query() answers a top-level UPDATE with [rows, count]).
 */
@Injectable()
export class PreparedSql {
  /** The same, as a function for framework-free packages (the publisher). */
  readonly runner: SqlRunner;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.runner = sqlRunner(dataSource);
  }

  /** A statement declared once with `prepared()`. */
  run<T extends pg.QueryResultRow>(statement: PreparedStatement, values: readonly unknown[]): Promise<T[]> {
    return runPrepared<T>(this.dataSource, statement, values);
  }

  /** A statement whose text is built at run time (named by its text's hash, remembered). */
  query<T extends pg.QueryResultRow>(text: string, values: readonly unknown[]): Promise<T[]> {
    return runPrepared<T>(this.dataSource, preparedText(text), values);
  }
}
