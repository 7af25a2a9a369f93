export * from './entities/index.js';
export { MIGRATIONS } from './migrations/index.js';
export * from './data-source.js';
export * from './secret-box.js';
export { ensureDatabase, migrate, MIGRATION_LOCK_KEY, redactUrl, type MigrateResult } from './migrate.js';
export * from './prepared.js';
export * from './routing-sql.js';
export * from './retention.js';
