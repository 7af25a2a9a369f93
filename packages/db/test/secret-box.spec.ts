import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { encryptionKeyId, parseEncryptionKey, PlaintextSecretError, readEncryptionKeys, SecretBox, SecretDecryptionError, storedSecretForm } from '../src/index.js';

const HERE = 'endpoint_secrets.secret:ep_1';
const THERE = 'endpoint_secrets.secret:ep_2';

/** A value in the v1 form (one key, no key id, no AAD), built independently of SecretBox as the old code wrote it. */
function sealV1(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);
  it.each([
    ['hex', key.toString('hex')],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
  ])('reads a 32-byte key as %s', (_label, text) => {
    expect(parseEncryptionKey(text)?.equals(key)).toBe(true);
  });

  it.each([
    ['short hex', 'abcd'],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('hex')],
    ['words', 'not a key at all'],
  ])('rejects %s', (_label, text) => {
    expect(parseEncryptionKey(text)).toBeUndefined();
  });
});

describe('readEncryptionKeys', () => {
  const [a, b] = [randomBytes(32), randomBytes(32)];

  it('reads a list in order, base64 and hex mixed, spaces around commas allowed', () => {
    const { keys, problems } = readEncryptionKeys({ SECRET_ENCRYPTION_KEYS: `${a.toString('base64')} , ${b.toString('hex')}` });
    expect(problems).toEqual([]);
    expect(keys.map((k) => k.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
  });

  it('takes SECRET_ENCRYPTION_KEY as a list of one, and nothing as no keys', () => {
    expect(readEncryptionKeys({ SECRET_ENCRYPTION_KEY: a.toString('base64') }).keys).toHaveLength(1);
    expect(readEncryptionKeys({})).toEqual({ keys: [], problems: [] });
    expect(readEncryptionKeys({ SECRET_ENCRYPTION_KEYS: '  ', SECRET_ENCRYPTION_KEY: '' })).toEqual({ keys: [], problems: [] });
  });

  it('refuses both settings at once', () => {
    const reading = readEncryptionKeys({ SECRET_ENCRYPTION_KEYS: a.toString('base64'), SECRET_ENCRYPTION_KEY: a.toString('base64') });
    expect(reading.keys).toEqual([]);
    expect(reading.problems).toEqual([expect.stringMatching(/SECRET_ENCRYPTION_KEYS or SECRET_ENCRYPTION_KEY, not both/)]);
  });

  it('names every bad entry by position, never echoing it', () => {
    const secretish = 'supersecretbutnotakey';
    const reading = readEncryptionKeys({ SECRET_ENCRYPTION_KEYS: `${a.toString('base64')},,${secretish},${a.toString('hex')}` });
    expect(reading.keys).toEqual([]);
    expect(reading.problems).toEqual([
      'SECRET_ENCRYPTION_KEYS entry 2 is empty',
      'SECRET_ENCRYPTION_KEYS entry 3 must be 32 bytes as base64 or 64 hex digits',
      'SECRET_ENCRYPTION_KEYS entry 4 repeats entry 1',
    ]);
    expect(reading.problems.join(' ')).not.toContain(secretish);
    expect(readEncryptionKeys({ SECRET_ENCRYPTION_KEY: secretish }).problems.join(' ')).not.toContain(secretish);
  });

  it('bounds the list', () => {
    const many = Array.from({ length: 17 }, () => randomBytes(32).toString('base64')).join(',');
    expect(readEncryptionKeys({ SECRET_ENCRYPTION_KEYS: many }).problems).toEqual([expect.stringMatching(/at most 16/)]);
  });
});

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox([key]);

  it('round-trips, never stores the plain text, and names the sealing key', () => {
    const sealed = box.seal('whsec_topsecret', HERE);
    expect(sealed).not.toContain('topsecret');
    expect(sealed.startsWith(`enc:v2:${encryptionKeyId(key)}:`)).toBe(true);
    expect(storedSecretForm(sealed)).toEqual({ kind: 'sealed', version: 2, keyId: encryptionKeyId(key) });
    expect(box.open(sealed, HERE)).toBe('whsec_topsecret');
    expect(box.isCurrent(sealed)).toBe(true);
  });

  it('derives a stable 16-hex-digit key id that differs per key and does not contain the key', () => {
    expect(encryptionKeyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(encryptionKeyId(Buffer.from(key))).toBe(encryptionKeyId(key));
    expect(encryptionKeyId(randomBytes(32))).not.toBe(encryptionKeyId(key));
    expect(key.toString('hex')).not.toContain(encryptionKeyId(key));
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', HERE)).not.toBe(box.seal('same', HERE));
  });

  it('binds a value to its place: it does not open as another row', () => {
    const sealed = box.seal('whsec_x', HERE);
    expect(() => box.open(sealed, THERE)).toThrow(SecretDecryptionError);
    expect(() => box.open(sealed, 'sources.config:ep_1')).toThrow(/altered, or belongs to another row/);
  });

  it('detects tampering, a relabelled key id and truncation', () => {
    const sealed = box.seal('whsec_x', HERE);
    const header = sealed.slice(0, sealed.lastIndexOf(':') + 1);
    const raw = Buffer.from(sealed.slice(header.length), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(header + raw.toString('base64'), HERE)).toThrow(SecretDecryptionError);
    expect(() => box.open(`${header}AAAA`, HERE)).toThrow(SecretDecryptionError);
    const other = new SecretBox([randomBytes(32), key]);
    const relabelled = sealed.replace(encryptionKeyId(key), other.keyIds[0]!);
    expect(() => other.open(relabelled, HERE)).toThrow(SecretDecryptionError);
  });

  it('refuses to open with an unknown key (naming key ids only) or with no key', () => {
    const sealed = box.seal('whsec_x', HERE);
    const stranger = new SecretBox([randomBytes(32)]);
    expect(() => stranger.open(sealed, HERE)).toThrow(new RegExp(`sealed with key ${encryptionKeyId(key)}, which is not in SECRET_ENCRYPTION_KEYS`));
    expect(() => new SecretBox().open(sealed, HERE)).toThrow(/SECRET_ENCRYPTION_KEYS is not set/);
  });

  it('without keys stores in clear and reads clear values', () => {
    const clear = new SecretBox();
    expect(clear.encrypts).toBe(false);
    expect(clear.seal('whsec_a', HERE)).toBe('whsec_a');
    expect(clear.open('whsec_a', HERE)).toBe('whsec_a');
    expect(clear.isCurrent('whsec_a')).toBe(true);
  });

  it('with keys refuses a value stored in clear, telling the operator to reseal, unless asked to allow it', () => {
    expect(() => box.open('whsec_planted', HERE)).toThrow(PlaintextSecretError);
    expect(() => box.open('whsec_planted', HERE)).toThrow(/run pnpm db:reseal/);
    expect(() => box.open('whsec_planted', HERE)).not.toThrow(/planted/);
    expect(box.open('whsec_planted', HERE, { allowPlaintext: true })).toBe('whsec_planted');
    expect(box.isCurrent('whsec_planted')).toBe(false);
  });

  it('opens the v1 form of old (no key id) with whichever configured key sealed it', () => {
    const old = sealV1(key, 'whsec_legacy');
    expect(storedSecretForm(old)).toEqual({ kind: 'sealed', version: 1 });
    expect(box.open(old, HERE)).toBe('whsec_legacy');
    expect(new SecretBox([randomBytes(32), key]).open(old, THERE)).toBe('whsec_legacy');
    expect(() => new SecretBox([randomBytes(32)]).open(old, HERE)).toThrow(SecretDecryptionError);
    expect(() => box.open('enc:v1:AAAA', HERE)).toThrow(SecretDecryptionError);
    expect(box.isCurrent(old)).toBe(false);
  });

  it('refuses forms it does not know', () => {
    expect(storedSecretForm('enc:v9:abc')).toEqual({ kind: 'unknown' });
    expect(() => box.open('enc:v9:abc', HERE)).toThrow(/format this version does not know/);
  });

  it('rotates: the first key seals, every key opens, reseal moves a value to the first key', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const sealedA = new SecretBox([a]).seal('whsec_rot', HERE);
    const rotated = new SecretBox([b, a]);
    expect(rotated.open(sealedA, HERE)).toBe('whsec_rot');
    expect(rotated.seal('n', HERE).startsWith(`enc:v2:${encryptionKeyId(b)}:`)).toBe(true);
    const moved = rotated.reseal(sealedA, HERE)!;
    expect(moved.startsWith(`enc:v2:${encryptionKeyId(b)}:`)).toBe(true);
    expect(rotated.reseal(moved, HERE)).toBeUndefined();
    expect(new SecretBox([b]).open(moved, HERE)).toBe('whsec_rot');
    expect(() => new SecretBox([b]).open(sealedA, HERE)).toThrow(SecretDecryptionError);
    expect(rotated.reseal('whsec_clear', HERE)!.startsWith(`enc:v2:${encryptionKeyId(b)}:`)).toBe(true);
  });

  it('rejects keys of the wrong length and accepts a single Buffer as a list of one', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
    expect(new SecretBox(key).keyIds).toEqual([encryptionKeyId(key)]);
  });
});
