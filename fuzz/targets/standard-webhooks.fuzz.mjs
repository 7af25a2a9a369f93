// The Standard Webhooks signer and verifier (packages/signing standard-webhooks.ts) against each
// other and against the official `standardwebhooks` and `svix` libraries, for any secret length
// the spec allows, any message id, any body:
//   our sign -> our verify, official verify; official sign -> our verify; rotation (two
//   secrets) -> either secret verifies; one flipped body bit -> bad_signature here and
//   WebhookVerificationError there; arbitrary header values -> a typed failure, never a throw.
import { signStandardWebhook, standardWebhookHeaders, verifyStandardWebhook } from '@switchyard/signing';
import { Webhook as StandardWebhook, WebhookVerificationError } from 'standardwebhooks';
import { Webhook as SvixWebhook, WebhookVerificationError as SvixVerificationError } from 'svix';
import { ByteReader, ensure } from '../lib/input.mjs';
import { checkResult } from './verify-providers.fuzz.mjs';

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.';

function secretOf(r) {
  const length = 24 + r.int(41); // 24..64 bytes, the spec's bounds
  const key = Buffer.alloc(length);
  for (let i = 0; i < length; i++) key[i] = r.byte() ^ (i * 31);
  return `whsec_${key.toString('base64')}`;
}

function throwsOnly(errorClass, run, message, context) {
  try {
    run();
  } catch (error) {
    ensure(error instanceof errorClass, `${message}: threw something else`, { ...context, error: String(error) });
    return;
  }
  throw new Error(`${message}: accepted ${JSON.stringify(context)}`);
}

export function fuzz(data) {
  const r = new ByteReader(data);
  const secret = secretOf(r);
  const other = secretOf(r);
  let id = '';
  for (let n = 1 + r.int(48); n > 0; n--) id += ID_CHARS[r.int(ID_CHARS.length)];
  const nowMs = Date.now();
  const timestamp = Math.floor(nowMs / 1000) - r.int(200);
  const flipAt = r.int(65_536);
  const junk = r.latin1(64);
  const junkHeader = r.pick(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-signature']);
  // The official libraries take a string payload (JSON for svix, which parses it).
  const text = JSON.stringify(Buffer.from(r.rest()).toString('utf8'));
  const body = Buffer.from(text, 'utf8');
  const context = { id, timestamp, bodyLength: body.length };

  // Ours -> ours and the official verifiers.
  const headers = standardWebhookHeaders({ id, timestamp, body, secrets: [secret] });
  const ours = verifyStandardWebhook({ body, headers }, { secret }, { now: nowMs });
  ensure(ours.ok === true, 'our signature does not verify here', { ...context, ours });
  new StandardWebhook(secret).verify(text, headers, { jsonParse: false });
  const svixHeaders = { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': headers['webhook-signature'] };
  new SvixWebhook(secret).verify(text, svixHeaders);
  ensure(verifyStandardWebhook({ body, headers: svixHeaders }, { secret }, { now: nowMs }).ok, 'svix-* headers do not verify', context);

  // Official -> ours.
  const official = new StandardWebhook(secret).sign(id, new Date(timestamp * 1000), text);
  const fromOfficial = verifyStandardWebhook({ body, headers: { ...headers, 'webhook-signature': official } }, { secret }, { now: nowMs });
  ensure(fromOfficial.ok === true, 'the official signature does not verify here', { ...context, fromOfficial });

  // Rotation: one header, two secrets; each verifies alone, in either order.
  const rotated = { ...headers, 'webhook-signature': signStandardWebhook({ id, timestamp, body, secrets: [other, secret] }) };
  ensure(verifyStandardWebhook({ body, headers: rotated }, { secret }, { now: nowMs }).ok, 'rotation: the new secret fails', context);
  ensure(verifyStandardWebhook({ body, headers: rotated }, { secret: [other] }, { now: nowMs }).ok, 'rotation: the old secret fails', context);

  // One flipped bit.
  const flipped = Buffer.from(body);
  flipped[flipAt % body.length] ^= 1 << (flipAt % 8);
  const bad = verifyStandardWebhook({ body: flipped, headers }, { secret }, { now: nowMs });
  ensure(!bad.ok && bad.reason === 'bad_signature', 'a flipped body bit was not a bad_signature', { ...context, bad });
  throwsOnly(WebhookVerificationError, () => new StandardWebhook(secret).verify(flipped, headers, { jsonParse: false }), 'standardwebhooks on a flipped bit', context);
  throwsOnly(SvixVerificationError, () => new SvixWebhook(secret).verify(flipped.toString('latin1'), svixHeaders), 'svix on a flipped bit', context);

  // Junk in one header: a typed answer, never an exception, never a pass.
  const junked = { ...headers, [junkHeader]: junk };
  const result = verifyStandardWebhook({ body, headers: junked }, { secret }, { now: nowMs });
  checkResult(result, { ...context, junkHeader, junk });
  if (result.ok) {
    // Only a value equal in meaning may pass: the same id or timestamp (leading zeros and
    // surrounding spaces included, as the reference libraries read it), or an empty svix-signature.
    const same = junk.trim() === headers[junkHeader] || (junkHeader === 'webhook-timestamp' && Number(junk.trim()) === timestamp) || (junkHeader === 'svix-signature' && junk.trim() === '');
    ensure(same, 'junk header verified', { ...context, junkHeader, junk });
  }
}
