import {
  anyTimingSafeEqual,
  checkTimestamp,
  decodeDigest,
  DIGEST_BYTES,
  type DigestEncoding,
  fail,
  hmac,
  type HmacAlgorithm,
  isFailure,
  parseUnixSeconds,
  pass,
  requireHeader,
  type SecretInput,
  secretList,
  signedContent,
  type SignedRequest,
} from '@switchyard/signing';
import { ConfigReader, MAX_TOLERANCE_SECONDS } from '../core/config.js';
import { defineVerifier, SECRET_FIELD, SETTING_FIELD } from '../core/verifier.js';

/** A piece of the signed content: literal text, or a value taken from the request. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'body' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'method' }
  | { readonly kind: 'url' }
  | { readonly kind: 'header'; readonly name: string };

export interface HmacConfig {
  readonly secret: SecretInput;
  /** How the secret string becomes key bytes. Default utf8. */
  readonly secretEncoding?: 'utf8' | 'base64' | 'hex';
  /** The header carrying the signature. */
  readonly header: string;
  readonly algorithm?: HmacAlgorithm;
  readonly encoding?: DigestEncoding;
  /** Text before the digest in the header, such as `sha256=`. */
  readonly prefix?: string;
  /** What is signed; default `{body}`. Tokens: {body} {timestamp} {method} {url} {header:<name>}. */
  readonly signedContent?: string;
  /** Header carrying a unix-seconds timestamp; required when the template uses {timestamp}. */
  readonly timestampHeader?: string;
  /** Replay window when a timestamp header is set; default 300, 0 disables it. */
  readonly toleranceSeconds?: number;
}

const TOKEN = /\{([a-z]+)(?::([A-Za-z0-9-]{1,100}))?\}/g;
const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;

/** Parses a signed-content template; throws a RangeError naming the bad token. */
export function parseSignedContentTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(TOKEN)) {
    if (match.index > last) parts.push({ kind: 'text', text: template.slice(last, match.index) });
    const [, name, arg] = match;
    if (name === 'header' && arg) parts.push({ kind: 'header', name: arg.toLowerCase() });
    else if ((name === 'body' || name === 'timestamp' || name === 'method' || name === 'url') && !arg) parts.push({ kind: name });
    else throw new RangeError(`unknown template token ${match[0]}`);
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  if (parts.some((p) => p.kind === 'text' && /[{}]/.test(p.text))) throw new RangeError('unbalanced braces in template');
  return parts;
}

/** The key bytes of a secret, decoded strictly: Buffer.from would turn bad hex into an empty key. */
function keyBytes(secret: string, encoding: HmacConfig['secretEncoding']): Buffer | undefined {
  switch (encoding ?? 'utf8') {
    case 'utf8':
      return Buffer.from(secret, 'utf8');
    case 'hex':
      return decodeDigest(secret, 'hex');
    case 'base64':
      return decodeDigest(secret, 'base64');
    default:
      return undefined;
  }
}

/** Generic HMAC: a configurable header, algorithm, encoding, prefix, signed content and timestamp. */
export const hmacProvider = defineVerifier<HmacConfig>({
  type: 'hmac',
  configFields: {
    secret: SECRET_FIELD,
    secretEncoding: SETTING_FIELD,
    header: SETTING_FIELD,
    algorithm: SETTING_FIELD,
    encoding: SETTING_FIELD,
    prefix: SETTING_FIELD,
    signedContent: SETTING_FIELD,
    timestampHeader: SETTING_FIELD,
    toleranceSeconds: SETTING_FIELD,
  },
  parseConfig(raw) {
    const r = new ConfigReader(raw);
    const header = r.string('header', { required: true, maxLength: 100 });
    if (header !== undefined && !HEADER_NAME.test(header)) r.problem('header', 'header must be a header name');
    const timestampHeader = r.string('timestampHeader', { maxLength: 100 });
    if (timestampHeader !== undefined && !HEADER_NAME.test(timestampHeader)) r.problem('timestampHeader', 'timestampHeader must be a header name');
    const signedContent = r.string('signedContent', { maxLength: 500 });
    if (signedContent !== undefined) {
      try {
        const parts = parseSignedContentTemplate(signedContent);
        if (!parts.some((p) => p.kind === 'body')) r.problem('signedContent', 'signedContent must include {body}');
        if (parts.some((p) => p.kind === 'timestamp') && timestampHeader === undefined) {
          r.problem('signedContent', '{timestamp} needs timestampHeader');
        }
      } catch (error) {
        r.problem('signedContent', (error as Error).message);
      }
    }
    const secret = r.secret('secret');
    const secretEncoding = r.string('secretEncoding', { oneOf: ['utf8', 'base64', 'hex'] }) as HmacConfig['secretEncoding'];
    if ((secretList(secret) ?? []).some((s) => keyBytes(s, secretEncoding) === undefined)) {
      r.problem('secret', `secret must be valid ${secretEncoding}`);
    }
    const config: HmacConfig = {
      secret,
      secretEncoding,
      header: header ?? '',
      algorithm: r.string('algorithm', { oneOf: ['sha1', 'sha256', 'sha512'] }) as HmacAlgorithm | undefined,
      encoding: r.string('encoding', { oneOf: ['hex', 'base64', 'base64url'] }) as DigestEncoding | undefined,
      prefix: r.string('prefix', { maxLength: 100 }),
      signedContent,
      timestampHeader,
      toleranceSeconds: r.integer('toleranceSeconds', { min: 0, max: MAX_TOLERANCE_SECONDS }),
    };
    return r.result(config);
  },
  verify(request: SignedRequest, config, options = {}) {
    const secrets = secretList(config.secret);
    if (!secrets || !config.header) return fail('invalid_config', 'secret and header are required');
    const keys = secrets.map((s) => keyBytes(s, config.secretEncoding));
    if (keys.some((k) => k === undefined)) return fail('invalid_config', `a configured secret is not valid ${config.secretEncoding}`);
    let template: TemplatePart[];
    try {
      template = parseSignedContentTemplate(config.signedContent ?? '{body}');
    } catch {
      return fail('invalid_config', 'signedContent template is invalid');
    }
    const algorithm = config.algorithm ?? 'sha256';
    const value = requireHeader(request.headers, config.header);
    if (isFailure(value)) return value;
    const prefix = config.prefix ?? '';
    if (!value.startsWith(prefix)) return fail('malformed', `${config.header} does not start with the configured prefix`);
    const given = decodeDigest(value.slice(prefix.length), config.encoding ?? 'hex');
    if (!given || given.length !== DIGEST_BYTES[algorithm]) return fail('malformed', `${config.header} is not a ${algorithm} digest`);

    let timestampText: string | undefined;
    let timestamp: number | undefined;
    if (config.timestampHeader) {
      const t = requireHeader(request.headers, config.timestampHeader);
      if (isFailure(t)) return t;
      timestamp = parseUnixSeconds(t);
      if (timestamp === undefined) return fail('malformed', `${config.timestampHeader} is not a unix timestamp`);
      timestampText = t;
      const stale = checkTimestamp(timestamp, config.toleranceSeconds ?? 300, options.now ?? Date.now());
      if (stale) return stale;
    }

    const parts: (string | Uint8Array)[] = [];
    // The same content without the timestamp's text: what identifies the delivery (SignedContent.digest).
    const identifying: (string | Uint8Array)[] = [];
    const signedHeaders: Record<string, string> = {};
    if (config.timestampHeader && timestampText !== undefined) signedHeaders[config.timestampHeader.toLowerCase()] = timestampText;
    for (const part of template) {
      switch (part.kind) {
        case 'text':
          parts.push(part.text);
          identifying.push(part.text);
          break;
        case 'body':
          parts.push(request.body);
          identifying.push(request.body);
          break;
        case 'timestamp':
          if (timestampText === undefined) return fail('invalid_config', '{timestamp} needs timestampHeader');
          parts.push(timestampText);
          break;
        case 'method':
          parts.push(request.method ?? '');
          identifying.push(request.method ?? '');
          break;
        case 'url':
          parts.push(request.url ?? '');
          identifying.push(request.url ?? '');
          break;
        case 'header': {
          const h = requireHeader(request.headers, part.name);
          if (isFailure(h)) return h;
          parts.push(h);
          identifying.push(h);
          signedHeaders[part.name] = h;
          break;
        }
      }
    }
    const expected = keys.map((key) => hmac(algorithm, key!, ...parts));
    const matched = anyTimingSafeEqual(expected, [given]);
    if (matched === -1) return fail('bad_signature', `${config.header} does not match`);
    return pass({ timestamp, secretIndex: matched, signed: signedContent({ headers: signedHeaders, body: true }, ...identifying) });
  },
});
