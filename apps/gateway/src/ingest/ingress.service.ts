import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { PUBLISHER, TRACING } from '@switchyard/api-kit';
import { InboundOutcome, type SourceEntity } from '@switchyard/db';
import { buildCloudEvent, newId, parseBody } from '@switchyard/events';
import { GroupCommitterFullError } from '@switchyard/platform';
import { providerFor, type InboundRequest, type NormalizedEvent } from '@switchyard/providers';
import type { Publisher } from '@switchyard/publisher';
import type { HeaderBag } from '@switchyard/signing';
import { traceContextOf, type IngressTrace, type Tracing } from '@switchyard/tracing';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';
import { SourceConfigUnreadableError, SourceStore, type IngressSource } from '../sources/source.store.js';
import { IngressMetrics } from './ingress.metrics.js';
import { redactHeaders, redactUrl } from './redact.js';
import { RequestLog, type LogRow } from './request-log.js';

/** One request to an ingest URL, as the HTTP layer hands it over. */
export interface IngressRequest {
  readonly token: string;
  readonly method: string;
  /** The query string including `?`, or empty. */
  readonly search: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** What to answer; `afterResponse` runs once the answer is on its way (the enqueue). */
export interface IngressResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly afterResponse?: () => Promise<void>;
}

/** Longest provider event id or dedup key stored as is; longer ones are stored as their digest. */
const MAX_STORED_ID = 512;

function json(status: number, body: unknown, headers?: Record<string, string>): IngressResponse {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body), headers };
}

function errorResponse(status: number, code: string, detail: string, headers?: Record<string, string>): IngressResponse {
  return json(status, { code, detail }, headers);
}

/** An id as stored (the columns hold 512 characters): as it is, or its digest when longer. */
function storedId(id: string): string {
  return id.length <= MAX_STORED_ID ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** How a provider wants an accepted delivery acknowledged (most take any 2xx). */
function acknowledgement(sourceType: string, eventId: string, status: 'accepted' | 'duplicate'): IngressResponse {
  // Twilio reads the answer as TwiML: an empty <Response/> does nothing and logs no error.
  if (sourceType === 'twilio') return { status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };
  return json(200, { status, eventId });
}

interface LogFields {
  outcome: InboundOutcome;
  reason?: string | null;
  responseStatus: number;
}

/**
 * Ingress: verify over the raw bytes, normalize, deduplicate, commit the event as a message of
 * the source's application, then enqueue its fan-out. Every request to a known token is logged.
 */
@Injectable()
export class IngressService {
  private readonly logger = new Logger('Ingress');

  constructor(
    private readonly sources: SourceStore,
    private readonly requestLog: RequestLog,
    @Inject(PUBLISHER) private readonly publisher: Publisher,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    private readonly metrics: IngressMetrics,
    @Inject(TRACING) private readonly tracing: Tracing,
  ) {}

  /** The URL the provider called, as it knows it (PUBLIC_URL, never the Host header). */
  publicUrl(token: string, search: string): string {
    return `${this.settings.publicUrl}/in/${token}${search}`;
  }

  /**
   * Asked before the body is read: a request to a token that names no source is answered 404 at
   * once, without reading up to MAX_BODY_BYTES of body first. Null: the token names a source (one
   * whose config cannot be opened too; `handle` logs and answers that). The lookup is the one
   * `handle` makes, so its cache serves both.
   */
  async unknownToken(token: string): Promise<IngressResponse | null> {
    const started = performance.now();
    try {
      if (await this.sources.findForIngress(token)) return null;
    } catch (error) {
      if (error instanceof SourceConfigUnreadableError) return null;
      throw error;
    }
    this.metrics.observe('unknown', InboundOutcome.Rejected, 'unknown_token', (performance.now() - started) / 1000);
    return errorResponse(404, 'not_found', 'no source has this ingest URL');
  }

  /**
   * One ingress request, in its span when tracing is on (a child of the received `traceparent`,
   * or a new trace): an accepted event's message stores that span's context, so every attempt
   * continues the trace. Off, a valid received `traceparent` is stored as it came.
   */
  async handle(request: IngressRequest): Promise<IngressResponse> {
    const received = traceContextOf(request.headers);
    const span = this.tracing.startIngress(`${request.method} /in/{token}`, 'server', received, this.tracing.enabled ? { 'http.request.method': request.method, 'http.route': '/in/{token}' } : {});
    let answer: IngressResponse;
    try {
      answer = await this.answer(request, span);
    } catch (error) {
      span.setAttributes({ 'http.response.status_code': 500 });
      span.end((error as Error)?.message ?? String(error));
      throw error;
    }
    span.setAttributes({ 'http.response.status_code': answer.status });
    span.end(answer.status >= 500 ? `answered ${answer.status}` : undefined);
    return answer;
  }

  private async answer(request: IngressRequest, span: IngressTrace): Promise<IngressResponse> {
    const started = performance.now();
    let found: IngressSource | null;
    try {
      found = await this.sources.findForIngress(request.token);
    } catch (error) {
      if (!(error instanceof SourceConfigUnreadableError)) throw error;
      // The operator's to fix (a key, the reseal command; the message says which). The provider
      // only learns that it should retry, which it does on a 5xx.
      this.logger.error(error.message);
      await this.log({ source: error.source, secretValues: [] }, request, { outcome: InboundOutcome.Rejected, reason: 'config_unreadable', responseStatus: 500 });
      this.metrics.observe(error.source.type, InboundOutcome.Rejected, 'config_unreadable', (performance.now() - started) / 1000);
      return errorResponse(500, 'internal_error', 'this source cannot verify requests right now');
    }
    if (!found) {
      this.metrics.observe('unknown', InboundOutcome.Rejected, 'unknown_token', (performance.now() - started) / 1000);
      return errorResponse(404, 'not_found', 'no source has this ingest URL');
    }
    const { source, config } = found;
    span.setAttributes({ 'switchyard.source_id': source.id, 'switchyard.source_type': source.type });
    const log = async (fields: LogFields) => {
      await this.log(found, request, fields);
      this.metrics.observe(source.type, fields.outcome, fields.reason, (performance.now() - started) / 1000);
    };

    const provider = providerFor(source.type);
    if (!provider) {
      await log({ outcome: InboundOutcome.Rejected, reason: 'unsupported_type', responseStatus: 404 });
      return errorResponse(404, 'not_found', 'this source type is no longer supported');
    }
    const allowed = provider.acceptsGet ? ['GET', 'POST'] : ['POST'];
    if (!allowed.includes(request.method)) {
      await log({ outcome: InboundOutcome.Rejected, reason: 'method_not_allowed', responseStatus: 405 });
      return errorResponse(405, 'method_not_allowed', `this ingest URL takes ${allowed.join(' and ')}`, { allow: allowed.join(', ') });
    }

    const headers = request.headers as HeaderBag;
    const url = this.publicUrl(request.token, request.search);
    const verified = provider.verifier.verify({ body: request.body, headers, method: request.method, url }, config);
    if (!verified.ok) {
      await log({ outcome: InboundOutcome.Rejected, reason: verified.reason, responseStatus: 401 });
      return errorResponse(401, verified.reason, verified.detail);
    }

    const contentType = typeof request.headers['content-type'] === 'string' ? request.headers['content-type'] : undefined;
    const parsed = parseBody(request.body, contentType);
    if (parsed.kind === 'invalid') {
      // A body that is not what its content type says (bad JSON, bad UTF-8, nested past the limit).
      await log({ outcome: InboundOutcome.Rejected, reason: 'invalid_payload', responseStatus: 400 });
      return errorResponse(400, 'invalid_payload', parsed.reason);
    }
    const inbound: InboundRequest = {
      sourceType: source.type,
      body: request.body,
      headers,
      contentType,
      parsed,
      config,
      method: request.method,
      url,
      // ids, times and dedup keys come from what the signature covers
      verified,
    };
    const outcome = provider.normalize(inbound);
    switch (outcome.kind) {
      case 'rejected':
        await log({ outcome: InboundOutcome.Rejected, reason: 'invalid_payload', responseStatus: 400 });
        return errorResponse(400, 'invalid_payload', outcome.reason);
      case 'handshake':
        await log({ outcome: InboundOutcome.Handshake, responseStatus: outcome.response.status });
        return { status: outcome.response.status, contentType: outcome.response.contentType, body: outcome.response.body };
      case 'event': {
        const built = this.buildEvent(source, outcome.event);
        const eventBytes = Buffer.byteLength(built.payload);
        if (eventBytes > this.settings.maxEventBytes) {
          // The dispatcher's API holds published payloads to MAX_PAYLOAD_BYTES; this is the gateway's own cap.
          await log({ outcome: InboundOutcome.Rejected, reason: 'event_too_large', responseStatus: 413 });
          return errorResponse(413, 'payload_too_large', `the event built from this request is ${eventBytes} bytes; the limit is ${this.settings.maxEventBytes} bytes`);
        }
        const answer = await this.publish(found, request, outcome.event, built, span);
        const seconds = (performance.now() - started) / 1000;
        if (answer.outcome === 'overloaded') this.metrics.observe(source.type, InboundOutcome.Rejected, 'overloaded', seconds);
        else this.metrics.observe(source.type, answer.outcome, answer.outcome === InboundOutcome.Duplicate ? 'duplicate' : null, seconds);
        return answer.response;
      }
    }
  }

  /** The CloudEvent of a normalized event, as the JSON text it is published as. */
  private buildEvent(source: SourceEntity, event: NormalizedEvent): { eventId: string; payload: string } {
    const eventId = newId('evt');
    const cloudEvent = buildCloudEvent({
      id: eventId,
      sourceId: source.id,
      type: event.type,
      provider: source.type,
      time: event.time,
      subject: event.subject,
      providerEventId: event.providerEventId,
      datacontenttype: event.datacontenttype,
      data: event.data,
      dataBase64: event.dataBase64,
    });
    return { eventId, payload: JSON.stringify(cloudEvent) };
  }

  /**
   * Commits the message and its log row together (the one Publisher); a request whose dedup key
   * (signed id, or digest of the signed content) the source accepted within DEDUP_WINDOW is a duplicate.
   */
  private async publish(
    found: IngressSource,
    request: IngressRequest,
    event: NormalizedEvent,
    { eventId, payload }: { eventId: string; payload: string },
    span: IngressTrace,
  ): Promise<{ outcome: InboundOutcome.Accepted | InboundOutcome.Duplicate | 'overloaded'; response: IngressResponse }> {
    const { source } = found;
    const providerEventId = storedId(event.providerEventId);
    const dedupKey = storedId(event.dedupKey);
    const messageId = newId('msg');
    span.setAttributes({ 'switchyard.message_id': messageId, 'switchyard.event_id': eventId });
    const row = this.logRow(found, request, { outcome: InboundOutcome.Accepted, responseStatus: 200 });
    let result: Awaited<ReturnType<Publisher['publishInbound']>>;
    try {
      result = await this.publisher.publishInbound({
        message: {
          id: messageId,
          appId: source.appId,
          eventType: event.type,
          payload,
          traceParent: span.context?.traceParent ?? null,
          traceState: span.context?.traceState ?? null,
        },
        request: { id: row.id, sourceId: source.id, method: row.method, url: row.url, headers: row.headers, body: request.body, providerEventId, dedupKey, eventId },
      });
    } catch (error) {
      // More requests wait for PostgreSQL than COMMIT_QUEUE_MAX: nothing was stored; the provider retries.
      if (error instanceof GroupCommitterFullError)
        return { outcome: 'overloaded', response: errorResponse(503, 'overloaded', 'too many requests are waiting to be stored; retry shortly', { 'retry-after': '1' }) };
      throw error;
    }
    if (result.kind === 'duplicate') {
      // The publisher logged it as a duplicate of the first acceptance.
      return { outcome: InboundOutcome.Duplicate, response: acknowledgement(source.type, result.firstEventId ?? '', 'duplicate') };
    }
    return { outcome: InboundOutcome.Accepted, response: { ...acknowledgement(source.type, eventId, 'accepted'), afterResponse: result.enqueue } };
  }

  /** Logs a request that never reached verification because its body was too large. */
  async logOversized(token: string, method: string, search: string, headers: IngressRequest['headers'], status: number, reason: string): Promise<void> {
    const found: Pick<IngressSource, 'source' | 'secretValues'> | null = await this.sources
      .findForIngress(token)
      .catch((error: unknown) => (error instanceof SourceConfigUnreadableError ? { source: error.source, secretValues: [] } : null));
    if (!found) return;
    await this.log(found, { token, method, search, headers, body: Buffer.alloc(0) }, { outcome: InboundOutcome.Rejected, reason, responseStatus: status });
  }

  /** The request-log row: headers and query redacted by name and by the source's own credential values. */
  private logRow({ source, secretValues }: Pick<IngressSource, 'source' | 'secretValues'>, request: IngressRequest, fields: LogFields): LogRow {
    // A request not accepted keeps only the start of its body: anyone holding an ingest URL can send
    // MAX_BODY_BYTES of rejected bodies at line rate. An accepted one is kept whole (it is the event).
    const accepted = fields.outcome === InboundOutcome.Accepted;
    return {
      id: newId('req'),
      sourceId: source.id,
      method: request.method.slice(0, 16),
      url: redactUrl(request.token, request.search, secretValues),
      headers: redactHeaders(request.headers, secretValues),
      body: accepted ? request.body : request.body.subarray(0, this.settings.rejectedBodyBytes),
      bodySize: request.body.length,
      outcome: fields.outcome,
      reason: fields.reason ?? null,
      responseStatus: fields.responseStatus,
    };
  }

  private async log(found: Pick<IngressSource, 'source' | 'secretValues'>, request: IngressRequest, fields: LogFields): Promise<void> {
    await this.requestLog.write(this.logRow(found, request, fields));
  }
}
