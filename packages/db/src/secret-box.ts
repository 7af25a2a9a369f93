import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/*
 * Stored forms of a secret:
 *   plain text              no key was configured when it was written
 *   enc:v1:<b64>            AES-256-GCM under the one SECRET_ENCRYPTION_KEY of old, no key id, no AAD
 *   enc:v2:<kid>:<b64>      AES-256-GCM under the key whose id is <kid>; the AAD binds the value to
 *                           its version, key id and place (table, column, owning row), so a sealed
 *                           value copied into another row or column does not open there
 * <b64> is base64 of IV (12 bytes) ‖ tag (16 bytes) ‖ ciphertext.
 */
const SEALED = 'enc:';
const V1 = 'enc:v1:';
const V2 = 'enc:v2:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Most keys a key list may hold: rotation needs two; a few more cover a slow rollout. */
export const MAX_ENCRYPTION_KEYS = 16;
const KEY_ID = /^[0-9a-f]{16}$/;

/** The command that re-seals every stored secret with the first key (named in error messages). */
export const RESEAL_COMMAND = 'pnpm db:reseal (in a container: node node_modules/@switchyard/db/dist/reseal.js)';

/** Reads a 32-byte key given as base64 or hex (64 hex digits); undefined if it is neither. */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed) || /^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  return undefined;
}

/**
 * The public id of a key: 16 hex digits of HMAC-SHA256(key, label). Stored in every value the
 * key seals, so opening picks the right key without trial decryption; it reveals nothing usable
 * about the key, so logs and the reseal report may print it.
 */
export function encryptionKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('switchyard secret-box key id').digest('hex').slice(0, 16);
}

export interface EncryptionKeysReading {
  /** The keys in order: the first seals, every one opens. Empty when none is configured. */
  readonly keys: Buffer[];
  /** One line per bad setting; never contains key material. */
  readonly problems: string[];
}

/**
 * Reads the encryption keys from `SECRET_ENCRYPTION_KEYS` (comma-separated; the first seals,
 * every one opens) or the older `SECRET_ENCRYPTION_KEY` (a list of one). Both set is an error,
 * so a half-finished rotation cannot silently use the wrong list.
 */
export function readEncryptionKeys(env: { readonly SECRET_ENCRYPTION_KEYS?: string; readonly SECRET_ENCRYPTION_KEY?: string }): EncryptionKeysReading {
  const list = env.SECRET_ENCRYPTION_KEYS?.trim() || undefined;
  const single = env.SECRET_ENCRYPTION_KEY?.trim() || undefined;
  const problems: string[] = [];
  if (list !== undefined && single !== undefined) {
    return { keys: [], problems: ['set SECRET_ENCRYPTION_KEYS or SECRET_ENCRYPTION_KEY, not both (SECRET_ENCRYPTION_KEY is a list of one key)'] };
  }
  if (single !== undefined) {
    const key = parseEncryptionKey(single);
    return key ? { keys: [key], problems } : { keys: [], problems: ['SECRET_ENCRYPTION_KEY must be 32 bytes as base64 or 64 hex digits'] };
  }
  if (list === undefined) return { keys: [], problems };
  const entries = list.split(',').map((e) => e.trim());
  if (entries.length > MAX_ENCRYPTION_KEYS) return { keys: [], problems: [`SECRET_ENCRYPTION_KEYS holds ${entries.length} keys; at most ${MAX_ENCRYPTION_KEYS}`] };
  const keys: Buffer[] = [];
  const entryOf: number[] = [];
  entries.forEach((entry, i) => {
    const at = `SECRET_ENCRYPTION_KEYS entry ${i + 1}`;
    if (entry === '') {
      problems.push(`${at} is empty`);
      return;
    }
    const key = parseEncryptionKey(entry);
    if (!key) {
      problems.push(`${at} must be 32 bytes as base64 or 64 hex digits`);
      return;
    }
    const same = keys.findIndex((k) => k.equals(key));
    if (same !== -1) {
      problems.push(`${at} repeats entry ${entryOf[same]! + 1}`);
      return;
    }
    keys.push(key);
    entryOf.push(i);
  });
  return problems.length > 0 ? { keys: [], problems } : { keys, problems };
}

/** Thrown when a stored secret cannot be read back (wrong or missing key, tampered value, wrong place). */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * Thrown when a secret is stored in clear although keys are configured. Such a row is refused
 * rather than used: a clear value may have been planted by someone with write access to the
 * database, and it stays readable to anyone with read access until it is sealed.
 */
export class PlaintextSecretError extends SecretDecryptionError {
  constructor() {
    super(`a secret is stored in clear although SECRET_ENCRYPTION_KEYS is set; it is not used until sealed: run ${RESEAL_COMMAND}`);
    this.name = 'PlaintextSecretError';
  }
}

/** What a stored value is, without opening it. */
export type StoredSecretForm =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'sealed'; readonly version: 1 }
  | { readonly kind: 'sealed'; readonly version: 2; readonly keyId: string }
  | { readonly kind: 'unknown' };

/** Reads the form of a stored value from its prefix. */
export function storedSecretForm(stored: string): StoredSecretForm {
  if (!stored.startsWith(SEALED)) return { kind: 'plaintext' };
  if (stored.startsWith(V1)) return { kind: 'sealed', version: 1 };
  if (stored.startsWith(V2)) {
    const keyId = stored.slice(V2.length, stored.indexOf(':', V2.length));
    if (KEY_ID.test(keyId)) return { kind: 'sealed', version: 2, keyId };
  }
  return { kind: 'unknown' };
}

interface Key {
  readonly id: string;
  readonly bytes: Buffer;
}

/**
 * Seals secrets at rest with AES-256-GCM under a list of keys: the first seals, every one opens,
 * so a key can be rotated without downtime (SECRET_ENCRYPTION_KEYS). Every value is bound to its
 * place (`context`, see sealed-columns.ts). Without keys, values are stored as given. With keys,
 * a value stored in clear is refused (PlaintextSecretError) until the reseal command seals it.
 */
export class SecretBox {
  private readonly keys: readonly Key[];

  /** `keys`: the first seals, every one opens; none: values are stored in clear. */
  constructor(keys: Buffer | readonly Buffer[] = []) {
    const list = Buffer.isBuffer(keys) ? [keys] : keys;
    for (const key of list) if (key.length !== 32) throw new RangeError('encryption key must be 32 bytes');
    this.keys = list.map((bytes) => ({ id: encryptionKeyId(bytes), bytes }));
  }

  /** True when values are encrypted on write. */
  get encrypts(): boolean {
    return this.keys.length > 0;
  }

  /** Ids of the configured keys, the sealing one first. */
  get keyIds(): readonly string[] {
    return this.keys.map((k) => k.id);
  }

  /** The prefix every value sealed with the first key starts with (undefined without keys). */
  get currentPrefix(): string | undefined {
    return this.keys[0] && `${V2}${this.keys[0].id}:`;
  }

  /** True when the stored value is already in the form this box writes: nothing to reseal. */
  isCurrent(stored: string): boolean {
    const prefix = this.currentPrefix;
    return prefix === undefined ? !stored.startsWith(SEALED) : stored.startsWith(prefix);
  }

  /** Seals one value for storage at `context` (or passes it through, without keys). */
  seal(plain: string, context: string): string {
    const key = this.keys[0];
    if (!key) return plain;
    const header = `${V2}${key.id}:`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    cipher.setAAD(Buffer.from(header + context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return header + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /**
   * Reads back one value stored at `context`. With keys, a clear value is refused unless
   * `allowPlaintext` (the reseal command, which is about to seal it).
   */
  open(stored: string, context: string, options: { allowPlaintext?: boolean } = {}): string {
    const form = storedSecretForm(stored);
    switch (form.kind) {
      case 'plaintext':
        if (this.encrypts && !options.allowPlaintext) throw new PlaintextSecretError();
        return stored;
      case 'unknown':
        throw new SecretDecryptionError('a stored secret is in a sealed format this version does not know');
      case 'sealed':
        if (!this.encrypts) throw new SecretDecryptionError('a stored secret is encrypted but SECRET_ENCRYPTION_KEYS is not set');
        if (form.version === 1) return this.openV1(stored);
        return this.openV2(stored, form.keyId, context);
    }
  }

  /** Re-seals a stored value with the first key; undefined when it is already current. */
  reseal(stored: string, context: string): string | undefined {
    if (!this.encrypts) throw new SecretDecryptionError('nothing to seal with: SECRET_ENCRYPTION_KEYS is not set');
    if (this.isCurrent(stored)) return undefined;
    return this.seal(this.open(stored, context, { allowPlaintext: true }), context);
  }

  private openV2(stored: string, keyId: string, context: string): string {
    const key = this.keys.find((k) => k.id === keyId);
    if (!key) throw new SecretDecryptionError(`a stored secret is sealed with key ${keyId}, which is not in SECRET_ENCRYPTION_KEYS (configured: ${this.keyIds.join(', ')})`);
    const header = `${V2}${keyId}:`;
    const raw = Buffer.from(stored.slice(header.length), 'base64');
    const plain = decrypt(key.bytes, raw, Buffer.from(header + context, 'utf8'));
    if (plain === undefined) throw new SecretDecryptionError(`a stored secret does not open with key ${keyId}: it was altered, or belongs to another row`);
    return plain;
  }

  /** v1 values carry no key id: they were sealed with the one key of old, whichever place in the list it now has. */
  private openV1(stored: string): string {
    const raw = Buffer.from(stored.slice(V1.length), 'base64');
    for (const key of this.keys) {
      const plain = decrypt(key.bytes, raw, undefined);
      if (plain !== undefined) return plain;
    }
    throw new SecretDecryptionError('a stored secret (enc:v1) does not open with any key in SECRET_ENCRYPTION_KEYS');
  }
}

function decrypt(key: Buffer, raw: Buffer, aad: Buffer | undefined): string | undefined {
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  if (aad) decipher.setAAD(aad);
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
