import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createDataSource, DEFAULT_DATABASE_URL } from './data-source.js';
import { isUniqueViolation, PgErrorCode, pgErrorOf } from './pg-errors.js';

/** Advisory lock key shared by every migrate run (an arbitrary constant: "swyd" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x73777964;

/** Quotes an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The database named in a PostgreSQL URL, and the URL of the maintenance database beside it. */
export function splitDatabaseUrl(url: string): { database: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error('DATABASE_URL names no database');
  parsed.pathname = '/postgres';
  return { database, maintenanceUrl: parsed.toString() };
}

/** Creates the database named in the URL if it does not exist; safe when several run at once. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const { database, maintenanceUrl } = splitDatabaseUrl(url);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
      return true;
    } catch (error) {
      // Another migrate created it between our check and our CREATE.
      if (pgErrorOf(error).code === PgErrorCode.DuplicateDatabase || isUniqueViolation(error)) return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

export interface MigrateResult {
  readonly created: boolean;
  readonly applied: string[];
}

/**
 * Creates the database if missing, then applies pending migrations under a session advisory
 * lock, so two processes migrating at once take turns and the second finds nothing to do.
 */
export async function migrate(url: string): Promise<MigrateResult> {
  const created = await ensureDatabase(url);
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'switchyard-migrate' });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'all' });
      return { created, applied: applied.map((m) => m.name) };
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

/** Hides the password in a URL for printing. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  try {
    const result = await migrate(url);
    const where = redactUrl(url);
    if (result.created) console.log(`created database ${where}`);
    console.log(result.applied.length === 0 ? `migrations: up to date (${where})` : `migrations applied: ${result.applied.join(', ')}`);
  } catch (error) {
    console.error(`migrate failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
