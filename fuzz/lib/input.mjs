// Turns the fuzzer's bytes into structured choices. Our own (not Jazzer's FuzzedDataProvider) so
// the targets run the same under the built-in engine, where the Jazzer addon cannot load.

/** Reads choices from the front of a byte string; reads past the end give zeros and empty values. */
export class ByteReader {
  /** @param {Uint8Array} data */
  constructor(data) {
    this.data = data;
    this.at = 0;
  }

  /** Bytes not read yet. */
  get remaining() {
    return this.data.length - this.at;
  }

  /** One byte, 0..255. */
  byte() {
    return this.at < this.data.length ? this.data[this.at++] : 0;
  }

  /** An integer in [0, max) from one or two bytes. */
  int(max) {
    if (max <= 1) return 0;
    const value = max <= 256 ? this.byte() : (this.byte() << 8) | this.byte();
    return value % max;
  }

  bool() {
    return (this.byte() & 1) === 1;
  }

  /** One element of a non-empty list. */
  pick(list) {
    return list[this.int(list.length)];
  }

  /** A length-prefixed slice of at most `max` bytes. */
  bytes(max) {
    const length = Math.min(this.int(max + 1), this.remaining);
    const out = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  /** A length-prefixed string (the bytes as latin1, so every code unit 0..255 is reachable). */
  latin1(max) {
    return Buffer.from(this.bytes(max)).toString('latin1');
  }

  /** A length-prefixed string decoded as UTF-8 (invalid sequences become U+FFFD). */
  utf8(max) {
    return Buffer.from(this.bytes(max)).toString('utf8');
  }

  /** Everything not read yet. */
  rest() {
    const out = this.data.subarray(this.at);
    this.at = this.data.length;
    return out;
  }
}

/** A finding: the invariant a target checks was broken. */
export class InvariantError extends Error {
  constructor(message, detail) {
    super(detail === undefined ? message : `${message}: ${safeJson(detail)}`);
    this.name = 'InvariantError';
  }
}

function safeJson(value) {
  try {
    return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v))?.slice(0, 2000);
  } catch {
    return String(value);
  }
}

/** Throws an InvariantError unless the condition holds. */
export function ensure(condition, message, detail) {
  if (!condition) throw new InvariantError(message, detail);
}
