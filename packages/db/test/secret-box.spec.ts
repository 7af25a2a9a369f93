import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseEncryptionKey, SecretBox, SecretDecryptionError } from '../src/index.js';

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);
  it.each([
    ['hex', key.toString('hex')],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
  ])('reads a 32-byte key as %s', (_label, text) => {
    expect(parseEncryptionKey(text)?.equals(key)).toBe(true);
  });

  it.each([['short hex', 'abcd'], ['31 bytes', randomBytes(31).toString('base64')], ['33 bytes', randomBytes(33).toString('hex')], ['words', 'not a key at all']])(
    'rejects %s',
    (_label, text) => {
      expect(parseEncryptionKey(text)).toBeUndefined();
    },
  );
});

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('whsec_topsecret');
    expect(sealed).not.toContain('topsecret');
    expect(sealed.startsWith('enc:v1:')).toBe(true);
    expect(box.open(sealed)).toBe('whsec_topsecret');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('detects tampering', () => {
    const sealed = box.seal('whsec_x');
    const raw = Buffer.from(sealed.slice(7), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`enc:v1:${raw.toString('base64')}`)).toThrow(SecretDecryptionError);
  });

  it('refuses to open with the wrong key or no key', () => {
    const sealed = box.seal('whsec_x');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(SecretDecryptionError);
    expect(() => new SecretBox().open(sealed)).toThrow(/SECRET_ENCRYPTION_KEY/);
  });

  it('stores in clear without a key and reads clear values with one', () => {
    const clear = new SecretBox();
    expect(clear.encrypts).toBe(false);
    expect(clear.seal('whsec_a')).toBe('whsec_a');
    expect(box.open('whsec_a')).toBe('whsec_a');
  });

  it('rejects keys of the wrong length', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
  });

  it('rejects truncated values', () => {
    expect(() => box.open('enc:v1:AAAA')).toThrow(SecretDecryptionError);
  });
});
