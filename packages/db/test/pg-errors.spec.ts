import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '@switchyard/events';
import type { DataSource } from 'typeorm';
import { ApplicationEntity, ApplicationKind, createDataSource, isForeignKeyViolation, isUniqueViolation, PgErrorCode, pgErrorOf, prepared, runPrepared } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

// The one reader of PostgreSQL errors, on errors a real PostgreSQL raised: through TypeORM
// (QueryFailedError with a driverError) and through pg directly (runPrepared).
let db: TestDatabase;
let ds: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('db-pg-errors');
  ds = createDataSource({ url: db.url, poolSize: 2 });
  await ds.initialize();
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('the statement did not fail');
}

const app = (uid: string) => ({ id: newId('app'), uid, name: 'Acme', kind: ApplicationKind.App, rateLimit: null, metadata: {} });

describe('pg errors', () => {
  it('reads a unique violation raised through TypeORM, with its constraint', async () => {
    await ds.getRepository(ApplicationEntity).insert(app('dup'));
    const error = await failure(() => ds.getRepository(ApplicationEntity).insert(app('dup')));
    expect(pgErrorOf(error).code).toBe(PgErrorCode.UniqueViolation);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, pgErrorOf(error).constraint)).toBe(true);
    expect(isUniqueViolation(error, 'some_other_constraint')).toBe(false);
    expect(isForeignKeyViolation(error)).toBe(false);
  });

  it('reads a foreign-key violation raised through pg directly (runPrepared)', async () => {
    const insert = prepared(`INSERT INTO messages (id, app_id, event_type, payload) VALUES ($1, $2, 'a.b', '{}')`);
    const error = await failure(() => runPrepared(ds, insert, [newId('msg'), newId('app')]));
    expect(isForeignKeyViolation(error)).toBe(true);
    expect(isForeignKeyViolation(error, 'messages_app_id_fkey')).toBe(true);
    expect(isForeignKeyViolation(error, 'deliveries_endpoint_id_fkey')).toBe(false);
    expect(isUniqueViolation(error)).toBe(false);
  });

  it('answers nothing for errors that are not PostgreSQL errors', () => {
    for (const error of [new Error('x'), null, undefined, 'text', 42]) {
      expect(pgErrorOf(error).code).toBeUndefined();
      expect(isUniqueViolation(error)).toBe(false);
      expect(isForeignKeyViolation(error)).toBe(false);
    }
  });
});
