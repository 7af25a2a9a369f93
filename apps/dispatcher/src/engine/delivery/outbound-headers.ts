import { readFileSync } from 'node:fs';
import { standardWebhookHeaders } from '@switchyard/signing';

/** The dispatcher's version, from its package.json (two levels above both src/delivery and dist/delivery). */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `user-agent` of every delivery (docs/api.md §4). */
export const USER_AGENT = `Switchyard/${readVersion()}`;

/** Header names whose values the attempt log never keeps: credentials an endpoint may carry. */
const SENSITIVE = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$|secret|token|password|signature/i;
const REDACTED = '[redacted]';

export interface SignedHeadersInput {
  readonly messageId: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  readonly body: string;
  /** Every active secret in clear (`whsec_…`), newest first. */
  readonly secrets: readonly string[];
  /** The endpoint's own headers. */
  readonly endpointHeaders: Record<string, string>;
  /** `traceparent` (and `tracestate`) of the attempt's span; not signed, like every header but webhook-*. */
  readonly traceHeaders?: Record<string, string>;
}

/**
 * The headers of one attempt: the endpoint's own first, then ours on top, so an endpoint can
 * never replace the signature, id, timestamp, content type, user agent or trace context.
 */
export function outboundHeaders(input: SignedHeadersInput): Record<string, string> {
  const headers: Record<string, string> = {};
  const ours = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'user-agent']);
  for (const [name, value] of Object.entries(input.endpointHeaders)) {
    if (!ours.has(name.toLowerCase())) headers[name] = value;
  }
  if (input.traceHeaders) Object.assign(headers, input.traceHeaders);
  Object.assign(headers, standardWebhookHeaders({ id: input.messageId, timestamp: input.timestamp, body: input.body, secrets: input.secrets }));
  headers['content-type'] = 'application/json';
  headers['user-agent'] = USER_AGENT;
  return headers;
}

/** The request headers as the attempt log keeps them: signatures and credentials redacted, webhook-id and timestamp kept. */
export function loggedRequestHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SENSITIVE.test(name) ? REDACTED : value;
  return out;
}
