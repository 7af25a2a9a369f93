export * from './entities/index.js';
export { MIGRATIONS } from './migrations/index.js';
export * from './data-source.js';
export * from './secret-box.js';
export * from './sealed-columns.js';
export {
  inventorySecrets,
  reseal,
  resealCommand,
  resealReport,
  secretsAtRestNotices,
  type ColumnInventory,
  type ColumnResealResult,
  type ResealOptions,
  type SecretsAtRestNotice,
} from './reseal.js';
export { ensureDatabase, migrate, MIGRATION_LOCK_KEY, redactUrl, type MigrateResult } from './migrate.js';
export * from './prepared.js';
export * from './pg-errors.js';
export * from './routing-sql.js';
export * from './retention.js';
export * from './partitions.js';
