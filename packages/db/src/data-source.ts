import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

/** Default DATABASE_URL (docs/api.md §2). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/switchyard';

export interface DataSourceSettings {
  readonly url: string;
  /** Most connections this process opens. */
  readonly poolSize?: number;
  /** Application name shown in pg_stat_activity. */
  readonly applicationName?: string;
}

/** TypeORM options for our schema; synchronize is never on, the schema comes from migrations. */
export function dataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: settings.applicationName ?? 'switchyard',
    extra: { max: settings.poolSize ?? 10, connectionTimeoutMillis: 5_000 },
  };
}

/** A DataSource for our schema (not yet initialized). */
export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}
