// verify(sign(x)) for every signed provider: a request signed as the provider's documentation
// says, over any body, id and timestamp in the window, verifies; the same request with one body
// bit flipped fails with bad_signature; any one-character change to a signature header never
// makes verify throw.
import { VERIFIERS } from '@switchyard/providers';
import { ByteReader, ensure } from '../lib/input.mjs';
import { CONFIGS, NOW_MS, NOW_S, UNSIGNED, signRequest } from '../lib/providers.mjs';
import { checkResult } from './verify-providers.fuzz.mjs';

const TYPES = [...VERIFIERS.keys()].filter((type) => !UNSIGNED.has(type));
const CONFIG = new Map(TYPES.map((type) => [type, VERIFIERS.get(type).parseConfig(CONFIGS[type]).config]));
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';

export function fuzz(data) {
  const r = new ByteReader(data);
  const type = r.pick(TYPES);
  // Paddle's default window is 5 s: stay inside every provider's.
  const ts = NOW_S - r.int(5);
  let id = 'msg_';
  for (let n = 1 + r.int(40); n > 0; n--) id += ID_CHARS[r.int(ID_CHARS.length)];
  const flipAt = r.int(65_536);
  const flipBit = r.int(8);
  const mutateHeader = r.int(16);
  const mutateAt = r.int(4096);
  const mutateTo = r.byte();
  const body = Buffer.from(r.rest());

  const provider = VERIFIERS.get(type);
  const config = CONFIG.get(type);
  const signed = signRequest(type, body, { ts, id });
  const context = { type, ts, id, bodyLength: body.length };
  const ok = provider.verify({ body, ...signed }, config, { now: NOW_MS });
  ensure(ok.ok === true, 'a correctly signed request did not verify', { ...context, ok });

  if (body.length > 0) {
    const flipped = Buffer.from(body);
    flipped[flipAt % body.length] ^= 1 << flipBit;
    const bad = provider.verify({ body: flipped, ...signed }, config, { now: NOW_MS });
    ensure(!bad.ok && bad.reason === 'bad_signature', 'a flipped body bit was not a bad_signature', { ...context, at: flipAt % body.length, bad });
  }

  const names = Object.keys(signed.headers);
  const name = names[mutateHeader % names.length];
  const original = signed.headers[name];
  const at = mutateAt % original.length;
  const headers = { ...signed.headers, [name]: original.slice(0, at) + String.fromCharCode(mutateTo) + original.slice(at + 1) };
  checkResult(provider.verify({ body, ...signed, headers }, config, { now: NOW_MS }), { ...context, name });
}
