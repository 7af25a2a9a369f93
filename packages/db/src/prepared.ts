import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/** A statement sent as a named prepared statement: parsed and planned once per connection. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/** Declares a prepared statement; the name is derived from the text, so two texts never share one. */
export function prepared(text: string): PreparedStatement {
  return { name: `sy_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text };
}

/** Distinct statement texts whose names are remembered (a few dozen exist; some are built per shape). */
const MAX_REMEMBERED = 1_000;
const remembered = new Map<string, PreparedStatement>();

/** The prepared statement of a text built at run time (remembered, so it is hashed once). */
export function preparedText(text: string): PreparedStatement {
  let statement = remembered.get(text);
  if (!statement) {
    statement = prepared(text);
    if (remembered.size < MAX_REMEMBERED) remembered.set(text, statement);
  }
  return statement;
}

/** Runs a statement as a named prepared statement: what repositories outside Nest are given. */
export type SqlRunner = <T extends pg.QueryResultRow>(statement: PreparedStatement, values: readonly unknown[]) => Promise<T[]>;

/** A SqlRunner on the DataSource's own pool. */
export function sqlRunner(dataSource: DataSource): SqlRunner {
  return (statement, values) => runPrepared(dataSource, statement, values);
}

/** SQL for the wait until a timestamp column, in whole ms on the database clock (0 when past). */
export function delayMsSql(column: string): string {
  return `GREATEST(0, ceil(extract(epoch FROM (${column} - now())) * 1000))::bigint`;
}

function poolOf(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}

/**
 * Runs a hot-path statement as a named prepared statement on TypeORM's own pool (outside any
 * transaction). PostgreSQL parses and plans it once per connection instead of on every call.
 */
export async function runPrepared<T extends pg.QueryResultRow>(dataSource: DataSource, statement: PreparedStatement, values: readonly unknown[]): Promise<T[]> {
  const result = await poolOf(dataSource).query<T>({ name: statement.name, text: statement.text, values: values as unknown[] });
  return result.rows;
}

/** The same, inside a transaction held by an EntityManager (its query runner's connection). */
export async function runPreparedIn<T extends pg.QueryResultRow>(manager: EntityManager, statement: PreparedStatement, values: readonly unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner) return runPrepared<T>(manager.connection, statement, values);
  const client = (await runner.connect()) as pg.PoolClient;
  const result = await client.query<T>({ name: statement.name, text: statement.text, values: values as unknown[] });
  return result.rows;
}
