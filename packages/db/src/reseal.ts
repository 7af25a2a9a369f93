import { pathToFileURL } from 'node:url';
import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource, DEFAULT_DATABASE_URL } from './data-source.js';
import { redactUrl } from './migrate.js';
import { pgErrorOf } from './pg-errors.js';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns.js';
import { readEncryptionKeys, RESEAL_COMMAND, SecretBox, SecretDecryptionError } from './secret-box.js';

type Queryable = Pick<DataSource | EntityManager, 'query'>;

/** How the values of one sealed column stand against the configured keys. */
export interface ColumnInventory {
  readonly label: string;
  readonly table: string;
  readonly column: string;
  readonly total: number;
  /** In the form the box writes: sealed with its first key (or in clear, without keys). */
  readonly current: number;
  /** In clear although keys are configured: refused until resealed. */
  readonly plaintext: number;
  /** Sealed with a configured key other than the first, or in the keyless v1 form: open, but wait for a reseal. */
  readonly otherKey: number;
  /** Sealed with a key that is not configured (or in an unknown form): cannot be opened. */
  readonly unreadable: number;
  /** Ids of the keys those unreadable values name (v2 values only). */
  readonly unreadableKeyIds: readonly string[];
}

/** Counts every sealed column's values by form, without opening any (one grouped scan per column). */
export async function inventorySecrets(db: Queryable, box: SecretBox): Promise<ColumnInventory[]> {
  const out: ColumnInventory[] = [];
  for (const c of SEALED_COLUMNS) {
    const rows = (await db.query(
      `SELECT CASE WHEN NOT starts_with(${c.column}, 'enc:') THEN 'plain'
                   WHEN starts_with(${c.column}, 'enc:v1:') THEN 'v1'
                   WHEN starts_with(${c.column}, 'enc:v2:') THEN 'v2:' || split_part(${c.column}, ':', 3)
                   ELSE 'unknown' END AS form,
              count(*)::int AS n
         FROM ${c.table} GROUP BY 1`,
    )) as { form: string; n: number }[];
    let total = 0;
    let current = 0;
    let plaintext = 0;
    let otherKey = 0;
    let unreadable = 0;
    const unreadableKeyIds: string[] = [];
    for (const { form, n } of rows) {
      total += n;
      if (form === 'plain') {
        if (box.encrypts) plaintext += n;
        else current += n;
      } else if (!box.encrypts || form === 'unknown') {
        unreadable += n;
      } else if (form === 'v1') {
        otherKey += n;
      } else {
        const keyId = form.slice(3);
        if (keyId === box.keyIds[0]) current += n;
        else if (box.keyIds.includes(keyId)) otherKey += n;
        else {
          unreadable += n;
          unreadableKeyIds.push(keyId);
        }
      }
    }
    out.push({ label: c.label, table: c.table, column: c.column, total, current, plaintext, otherKey, unreadable, unreadableKeyIds });
  }
  return out;
}

export interface SecretsAtRestNotice {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

function counted(inventory: readonly ColumnInventory[], pick: (c: ColumnInventory) => number): string | undefined {
  const parts = inventory.filter((c) => pick(c) > 0).map((c) => `${c.label}: ${pick(c)}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * What an app says at start-up about secrets at rest: which key seals, and every row it will
 * refuse or cannot open, with what to do. Key ids only, never key material.
 */
export function secretsAtRestNotices(box: SecretBox, inventory: readonly ColumnInventory[]): SecretsAtRestNotice[] {
  const notices: SecretsAtRestNotice[] = [];
  const unreadable = counted(inventory, (c) => c.unreadable);
  if (!box.encrypts) {
    notices.push({
      level: 'warn',
      message:
        'SECRET_ENCRYPTION_KEYS is not set: endpoint secrets and source configs are stored in clear. Set it (openssl rand -base64 32) before storing real secrets; NODE_ENV=production refuses to start without it',
    });
    if (unreadable) notices.push({ level: 'error', message: `stored secrets are encrypted but SECRET_ENCRYPTION_KEYS is not set, so they cannot be used (${unreadable})` });
    return notices;
  }
  notices.push({ level: 'info', message: `secrets at rest are sealed with key ${box.keyIds[0]}; ${box.keyIds.length} key(s) open them (${box.keyIds.join(', ')})` });
  const plaintext = counted(inventory, (c) => c.plaintext);
  if (plaintext) notices.push({ level: 'error', message: `secrets stored in clear are refused while SECRET_ENCRYPTION_KEYS is set (${plaintext}): seal them now with ${RESEAL_COMMAND}` });
  if (unreadable) {
    const ids = [...new Set(inventory.flatMap((c) => c.unreadableKeyIds))];
    notices.push({
      level: 'error',
      message: `stored secrets are sealed with keys that are not in SECRET_ENCRYPTION_KEYS (${unreadable}${ids.length > 0 ? `; key ids ${ids.join(', ')}` : ''}): they cannot be opened until that key is listed again`,
    });
  }
  const older = counted(inventory, (c) => c.otherKey);
  if (older) notices.push({ level: 'info', message: `stored secrets are sealed with an older key (${older}): run ${RESEAL_COMMAND} before removing it from SECRET_ENCRYPTION_KEYS` });
  return notices;
}

export interface ResealOptions {
  /** Rows locked and rewritten per transaction. Default 500. */
  readonly batchSize?: number;
  /** Count what would be resealed (opening each value), write nothing, lock nothing. */
  readonly dryRun?: boolean;
}

/** What the reseal command did to one sealed column. */
export interface ColumnResealResult {
  readonly label: string;
  readonly table: string;
  readonly column: string;
  /** Rows when the run began. */
  readonly total: number;
  /** Rows already sealed with the first key when the run began. */
  readonly alreadyCurrent: number;
  /** Rows rewritten (in a dry run: that would be). */
  readonly resealed: number;
  /** Ids of rows that could not be opened with any configured key; left as they were. */
  readonly unreadableIds: readonly string[];
}

const MIN_BIGINT = '-9223372036854775808';
/** Errors after which a batch is simply run again: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Re-seals every sealed value that is not yet sealed with the first key (clear values, the v1
 * form, older keys). Walks each column in primary-key order over only the rows that need it,
 * and rewrites each batch in its own short transaction that first locks those rows (FOR UPDATE)
 * and checks them again, so it runs safely beside the apps (which keep opening old and new
 * values alike) and beside another reseal. Idempotent: a second run finds nothing to do.
 */
export async function reseal(dataSource: DataSource, box: SecretBox, options: ResealOptions = {}): Promise<ColumnResealResult[]> {
  const prefix = box.currentPrefix;
  if (prefix === undefined) throw new SecretDecryptionError('nothing to seal with: SECRET_ENCRYPTION_KEYS is not set');
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new RangeError('batchSize must be an integer from 1 to 10000');
  const results: ColumnResealResult[] = [];
  for (const c of SEALED_COLUMNS) results.push(await resealColumn(dataSource, box, c, prefix, batchSize, options.dryRun ?? false));
  return results;
}

async function resealColumn(dataSource: DataSource, box: SecretBox, c: SealedColumn, prefix: string, batchSize: number, dryRun: boolean): Promise<ColumnResealResult> {
  const [counts] = (await dataSource.query(`SELECT count(*)::int AS total, (count(*) FILTER (WHERE starts_with(${c.column}, $1)))::int AS current FROM ${c.table}`, [prefix])) as {
    total: number;
    current: number;
  }[];
  let cursor = c.idType === 'bigint' ? MIN_BIGINT : '';
  let resealed = 0;
  const unreadableIds: string[] = [];
  for (;;) {
    const page = (await dataSource.query(
      `SELECT ${c.idColumn} AS id FROM ${c.table}
        WHERE ${c.idColumn} > $1::${c.idType} AND NOT starts_with(${c.column}, $2)
        ORDER BY ${c.idColumn} LIMIT $3`,
      [cursor, prefix, batchSize],
    )) as { id: string }[];
    if (page.length === 0) break;
    cursor = String(page[page.length - 1]!.id);
    const ids = page.map((r) => String(r.id));
    const batch = await withRetries(() => dataSource.transaction((manager) => resealBatch(manager, box, c, prefix, ids, dryRun)));
    resealed += batch.resealed;
    unreadableIds.push(...batch.unreadableIds);
  }
  return { label: c.label, table: c.table, column: c.column, total: counts!.total, alreadyCurrent: counts!.current, resealed, unreadableIds };
}

async function resealBatch(manager: EntityManager, box: SecretBox, c: SealedColumn, prefix: string, ids: string[], dryRun: boolean) {
  // Read again under the row locks: a row rewritten meanwhile (by an app, or another reseal) is judged as it is now.
  const rows = (await manager.query(
    `SELECT ${c.idColumn} AS id, ${c.ownerColumn} AS owner, ${c.column} AS value FROM ${c.table}
      WHERE ${c.idColumn} = ANY($1::${c.idType}[]) AND NOT starts_with(${c.column}, $2)
      ORDER BY ${c.idColumn}${dryRun ? '' : ' FOR UPDATE'}`,
    [ids, prefix],
  )) as { id: string; owner: string; value: string }[];
  const changedIds: string[] = [];
  const values: string[] = [];
  const unreadableIds: string[] = [];
  for (const row of rows) {
    try {
      const sealed = box.reseal(row.value, c.context(String(row.owner)));
      if (sealed === undefined) continue;
      changedIds.push(String(row.id));
      values.push(sealed);
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      unreadableIds.push(String(row.id));
    }
  }
  if (!dryRun && changedIds.length > 0) {
    await manager.query(
      `UPDATE ${c.table} AS t SET ${c.column} = u.value
         FROM unnest($1::${c.idType}[], $2::text[]) AS u(id, value)
        WHERE t.${c.idColumn} = u.id`,
      [changedIds, values],
    );
  }
  return { resealed: changedIds.length, unreadableIds };
}

async function withRetries<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (error) {
      const { code } = pgErrorOf(error);
      if (i >= attempts || !code || !RETRYABLE.has(code)) throw error;
    }
  }
}

const USAGE = 'usage: reseal [--dry-run] [--batch-size=N]   (reads DATABASE_URL and SECRET_ENCRYPTION_KEYS)';

/** Reads the command line; undefined when it is not understood. */
export function parseResealArgs(args: readonly string[]): ResealOptions | undefined {
  let dryRun = false;
  let batchSize: number | undefined;
  for (const arg of args) {
    if (arg === '--dry-run') dryRun = true;
    else if (/^--batch-size=\d{1,5}$/.test(arg)) batchSize = Number(arg.slice('--batch-size='.length));
    else return undefined;
  }
  if (batchSize !== undefined && (batchSize < 1 || batchSize > 10_000)) return undefined;
  return { dryRun, batchSize };
}

/** The report lines of a run: counts and key ids, never a value. */
export function resealReport(box: SecretBox, results: readonly ColumnResealResult[], dryRun: boolean): string[] {
  return results.map((r) => {
    const unreadable = r.unreadableIds.length;
    const ids = unreadable > 0 ? ` (ids: ${r.unreadableIds.slice(0, 20).join(', ')}${unreadable > 20 ? ', …' : ''})` : '';
    return `${r.label} (${r.table}.${r.column}): ${r.total} rows, ${r.alreadyCurrent} already sealed with key ${box.keyIds[0]}, ${r.resealed} ${dryRun ? 'to reseal' : 'resealed'}, ${unreadable} unreadable${ids}`;
  });
}

/** Where the command writes: report lines, and problems. */
export interface ResealOutput {
  out(line: string): void;
  err(line: string): void;
}

/**
 * The reseal command (`pnpm db:reseal`, `node packages/db/dist/reseal.js`): reads DATABASE_URL
 * and the keys from `env`, reseals, prints counts and key ids only; returns the exit code
 * (0 done, 1 failed or rows left unreadable, 2 bad arguments).
 */
export async function resealCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, output: ResealOutput): Promise<number> {
  const options = parseResealArgs(args);
  if (!options) {
    output.err(USAGE);
    return 2;
  }
  const { keys, problems } = readEncryptionKeys(env);
  if (problems.length > 0) {
    output.err(`reseal: invalid environment:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  if (keys.length === 0) {
    output.err('reseal: SECRET_ENCRYPTION_KEYS (or SECRET_ENCRYPTION_KEY) is not set: nothing to seal with');
    return 1;
  }
  const box = new SecretBox(keys);
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'switchyard-reseal' });
  try {
    await dataSource.initialize();
    output.out(`reseal${options.dryRun ? ' (dry run)' : ''}: ${redactUrl(url)}; sealing with key ${box.keyIds[0]}, opening with ${box.keyIds.join(', ')}`);
    const results = await reseal(dataSource, box, options);
    for (const line of resealReport(box, results, options.dryRun ?? false)) output.out(line);
    if (results.some((r) => r.unreadableIds.length > 0)) {
      output.err('reseal: some rows cannot be opened with any configured key; they were left as they were');
      return 1;
    }
    return 0;
  } catch (error) {
    output.err(`reseal failed: ${(error as Error).message}`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await resealCommand(process.argv.slice(2), process.env, { out: (l) => console.log(l), err: (l) => console.error(l) });
}
