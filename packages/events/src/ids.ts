import { randomFillSync } from 'node:crypto';
import { decodeTime, monotonicFactory } from 'ulid';

/** Id prefixes, Svix-style where Svix has one. Persisted in every table: never change one. */
export const IdPrefix = {
  application: 'app',
  endpoint: 'ep',
  message: 'msg',
  attempt: 'atmpt',
  delivery: 'mdst',
  event: 'evt',
  source: 'src',
  inboundRequest: 'req',
  error: 'err',
  backgroundTask: 'qtask',
  /** An app portal token's row (the token itself is random and never stored). */
  appPortalToken: 'aptok',
} as const;

export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

/** Bytes of OS randomness fetched at a time for ids (one syscall per 256 ids, not 16 per id). */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** A cryptographically random number in [0, 1) with 8 bits of resolution: one ULID character is 5 bits. */
function pooledRandom(): number {
  if (poolOffset === POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/**
 * A new id: `<prefix>_<ULID>`. ULIDs sort by creation time (millisecond precision, monotonic
 * within a process), so ids double as a stable pagination cursor.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}

/** Largest time a ULID can encode (48 bits of milliseconds). */
const MAX_ULID_TIME_MS = 2 ** 48 - 1;

/** The smallest id of a prefix created at or after `time`: a cursor bound for time ranges. */
export function idAtTime(prefix: IdPrefix, time: Date): string {
  const t = time.getTime();
  // An invalid date would otherwise encode as "undefined…" and compare as garbage.
  if (!Number.isFinite(t)) throw new RangeError('idAtTime needs a valid date');
  let ms = Math.min(MAX_ULID_TIME_MS, Math.max(0, Math.floor(t)));
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let encoded = '';
  for (let i = 0; i < 10; i++) {
    encoded = alphabet[ms % 32]! + encoded;
    ms = Math.floor(ms / 32);
  }
  return `${prefix}_${encoded}${'0'.repeat(16)}`;
}

const ID = /^([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when the text is an id with the given prefix. */
export function isId(prefix: IdPrefix, text: string): boolean {
  const match = ID.exec(text);
  return match !== null && match[1] === prefix;
}

/**
 * The creation time (ms since the epoch) a `<prefix>_<ULID>` id encodes, or null when the text
 * is not such an id: where a time-partitioned table routes the row (packages/db partitions).
 */
export function timeOfId(id: string): number | null {
  const match = ID.exec(id);
  if (!match) return null;
  try {
    return decodeTime(id.slice(match[1]!.length + 1));
  } catch {
    return null; // a time past the 48-bit range
  }
}
