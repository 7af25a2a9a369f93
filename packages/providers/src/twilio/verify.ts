import { createHash } from 'node:crypto';
import {
  anyTimingSafeEqual,
  decodeDigest,
  fail,
  hmac,
  type HmacAlgorithm,
  isFailure,
  optionalHeader,
  pass,
  requireHeader,
  type SecretInput,
  secretList,
  signedContent,
  timingSafeEqualStrings,
} from '@switchyard/signing';
import { ConfigReader } from '../core/config.js';
import { defineVerifier, SECRET_FIELD } from '../core/verifier.js';

export interface TwilioConfig {
  /** The Auth Token (or a SharedKey secret, for requests naming HMAC_SHA256). */
  readonly secret: SecretInput;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits `scheme://host[:port]rest` without normalizing anything, as Twilio's library does. */
function splitUrl(url: string) {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const portStart = authority.indexOf(':', authority.lastIndexOf(']') + 1);
  return {
    scheme,
    host: portStart === -1 ? authority : authority.slice(0, portStart),
    port: portStart === -1 ? '' : authority.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

/** The URL as configured, with the default port added, and without any port: Twilio signs whichever it used. */
export function twilioUrlVariants(url: string): string[] {
  const parts = splitUrl(url);
  if (!parts) return [url];
  const withPort = parts.port ? url : `${parts.scheme}${parts.host}${parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80'}${parts.rest}`;
  const withoutPort = `${parts.scheme}${parts.host}${parts.rest}`;
  return [...new Set([url, withPort, withoutPort])];
}

/** The signed string of a form post: the URL, then each parameter sorted by name as name+value. */
export function twilioSignedString(url: string, params: Record<string, string | string[]>): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    if (Array.isArray(value)) for (const v of [...new Set(value)].sort()) data += key + v;
    else data += key + value;
  }
  return data;
}

function formParams(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

function algorithmOf(settings: string | undefined): HmacAlgorithm | undefined {
  if (settings === undefined) return 'sha1';
  for (const part of settings.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === 'algorithm') {
      const name = part
        .slice(eq + 1)
        .trim()
        .toUpperCase();
      if (name === '' || name === 'HMAC_SHA1') return 'sha1';
      if (name === 'HMAC_SHA256') return 'sha256';
      return undefined;
    }
  }
  return 'sha1';
}

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1>` over the full public URL followed by the
 * sorted POST parameters; JSON bodies are signed through `bodySHA256=<hex sha256>` in the URL.
 * The URL must be the one Twilio called (the public ingest URL), never one rebuilt from Host.
 */
export const twilio = defineVerifier<TwilioConfig>({
  type: 'twilio',
  configFields: { secret: SECRET_FIELD },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    return r.result<TwilioConfig>({ secret: r.secret('secret') });
  },
  verify(request, config) {
    const secrets = secretList(config.secret);
    if (!secrets) return fail('invalid_config', 'no secret configured');
    if (!request.url) return fail('invalid_config', 'the public URL of the request is unknown');
    const signature = requireHeader(request.headers, 'x-twilio-signature');
    if (isFailure(signature)) return signature;
    const given = decodeDigest(signature, 'base64');
    if (!given) return fail('malformed', 'x-twilio-signature is not base64');
    const algorithm = algorithmOf(optionalHeader(request.headers, 'x-twilio-webhooks-signature-settings'));
    if (!algorithm) return fail('malformed', 'x-twilio-webhooks-signature-settings names an unknown algorithm');

    const query = request.url.indexOf('?') === -1 ? '' : request.url.slice(request.url.indexOf('?') + 1);
    const bodyHash = new URLSearchParams(query).get('bodySHA256');
    let params: Record<string, string | string[]> = {};
    if (bodyHash === null) {
      let text: string;
      try {
        text = utf8.decode(request.body);
      } catch {
        return fail('malformed', 'form body is not UTF-8');
      }
      params = formParams(text);
    }
    const signedStrings = twilioUrlVariants(request.url).map((url) => twilioSignedString(url, params));
    const expected = signedStrings.flatMap((data) => secrets.map((s) => hmac(algorithm, s, data)));
    const matched = anyTimingSafeEqual(expected, [given]);
    if (matched === -1) return fail('bad_signature', 'x-twilio-signature does not match');
    if (bodyHash !== null) {
      const actual = createHash('sha256').update(request.body).digest('hex');
      if (!timingSafeEqualStrings(actual, bodyHash.toLowerCase())) return fail('bad_signature', 'bodySHA256 does not match the body');
    }
    // A form's bytes are not what is signed (parameters are sorted and decoded first, so reordered
    // or re-encoded bodies verify alike): the signed string is. A JSON body is signed through its hash in the URL.
    const signed = signedContent({ body: bodyHash !== null }, signedStrings[Math.floor(matched / secrets.length)]!);
    return pass({ secretIndex: matched % secrets.length, signed });
  },
});
