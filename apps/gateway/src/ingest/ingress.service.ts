import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { InjectDataSource } from '@nestjs/typeorm';
import { InboundOutcome, InboundRequestEntity, inlineFanOutSql, pgErrorOf, prepared, runPrepared, type SourceEntity } from '@switchyard/db';
import {
  buildCloudEvent,
  deliveryJobOptions,
  fanOutJobOptions,
  IdPrefix,
  JobName,
  newId,
  normalizerFor,
  parseBody,
  QueueName,
  type DeliveryJobData,
  type FanOutJobData,
  type InboundRequest,
  type NormalizedEvent,
} from '@switchyard/events';
import type { HeaderBag } from '@switchyard/signing';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../config/gateway-settings.js';
import { acceptsGet, sourceTypeVerifier } from '../sources/source-types.js';
import { SourceStore } from '../sources/source.store.js';
import { IngressMetrics } from './ingress.metrics.js';
import { redactHeaders, redactUrl } from './redact.js';

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

/** How long an enqueue may wait for Redis before the reconciler is left to do it. */
const ENQUEUE_TIMEOUT_MS = 5_000;

/** Longest provider event id stored as is; longer ones are stored as their digest. */
const MAX_PROVIDER_EVENT_ID = 512;

function json(status: number, body: unknown, headers?: Record<string, string>): IngressResponse {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body), headers };
}

function errorResponse(status: number, code: string, detail: string, headers?: Record<string, string>): IngressResponse {
  return json(status, { code, detail }, headers);
}

function dedupKey(providerEventId: string): string {
  return providerEventId.length <= MAX_PROVIDER_EVENT_ID ? providerEventId : `sha256:${createHash('sha256').update(providerEventId).digest('hex')}`;
}

function isDedupViolation(error: unknown): boolean {
  const pg = pgErrorOf(error);
  return pg.code === '23505' && pg.constraint === 'inbound_requests_dedup_key';
}

/**
 * An accepted request in one statement (one round trip, atomic): the message, its log row
 * pointing at it and, when the source's application routes it to at most `$15` enabled ingest
 * endpoints, its deliveries (the message is then marked fanned out; otherwise the dispatcher's
 * fan-out job does it). A provider event id accepted before fails the dedup index and inserts
 * nothing. One row per delivery created, or one row with a null id.
 */
const INLINE = inlineFanOutSql({
  appId: '$2',
  eventType: '$3::varchar',
  channels: 'NULL::text[]',
  max: '$15::int',
  deliveryIds: '$14::varchar[]',
  message: 'message',
  dueAt: 'now()',
});
const PUBLISH = prepared(
  `WITH ${INLINE.targets},
   message AS (
     INSERT INTO messages (id, app_id, event_type, payload, created_at, fanned_out_at)
     SELECT $1, $2, $3::varchar, $4, now(), ${INLINE.fannedOutAt}
     RETURNING id, app_id, fanned_out_at
   ),
   request AS (
     INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, response_status, provider_event_id, event_id, message_id)
     SELECT $5, $6, $7, $8, $9, $10, $11, 'accepted', 200, $12, $13, message.id FROM message
   ),
   ${INLINE.deliveries}
   SELECT message.fanned_out_at IS NOT NULL AS inline, d.id, d.endpoint_id, d.next_attempt_at FROM message LEFT JOIN d ON true`,
);

/** A delivery the publish statement created, to enqueue. */
interface CreatedDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly dueAt: Date;
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
  providerEventId?: string | null;
  eventId?: string | null;
  messageId?: string | null;
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
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.FanOut) private readonly fanOut: Queue<FanOutJobData>,
    @InjectQueue(QueueName.Delivery) private readonly deliveries: Queue<DeliveryJobData>,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    private readonly metrics: IngressMetrics,
  ) {}

  /** The URL the provider called, as it knows it (PUBLIC_URL, never the Host header). */
  publicUrl(token: string, search: string): string {
    return `${this.settings.publicUrl}/in/${token}${search}`;
  }

  async handle(request: IngressRequest): Promise<IngressResponse> {
    const started = performance.now();
    const found = await this.sources.findForIngress(request.token);
    if (!found) {
      this.metrics.observe('unknown', InboundOutcome.Rejected, 'unknown_token', (performance.now() - started) / 1000);
      return errorResponse(404, 'not_found', 'no source has this ingest URL');
    }
    const { source, config } = found;
    const log = async (fields: LogFields) => {
      await this.log(source, request, fields);
      this.metrics.observe(source.type, fields.outcome, fields.reason, (performance.now() - started) / 1000);
    };

    const verifier = sourceTypeVerifier(source.type);
    const normalizer = normalizerFor(source.type);
    if (!verifier || !normalizer) {
      await log({ outcome: InboundOutcome.Rejected, reason: 'unsupported_type', responseStatus: 404 });
      return errorResponse(404, 'not_found', 'this source type is no longer supported');
    }
    const allowed = acceptsGet(source.type) ? ['GET', 'POST'] : ['POST'];
    if (!allowed.includes(request.method)) {
      await log({ outcome: InboundOutcome.Rejected, reason: 'method_not_allowed', responseStatus: 405 });
      return errorResponse(405, 'method_not_allowed', `this ingest URL takes ${allowed.join(' and ')}`, { allow: allowed.join(', ') });
    }

    const headers = request.headers as HeaderBag;
    const url = this.publicUrl(request.token, request.search);
    const verified = verifier.verify({ body: request.body, headers, method: request.method, url }, config);
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
    };
    const outcome = normalizer(inbound);
    switch (outcome.kind) {
      case 'rejected':
        await log({ outcome: InboundOutcome.Rejected, reason: 'invalid_payload', responseStatus: 400 });
        return errorResponse(400, 'invalid_payload', outcome.reason);
      case 'handshake':
        await log({ outcome: InboundOutcome.Handshake, responseStatus: outcome.response.status });
        return { status: outcome.response.status, contentType: outcome.response.contentType, body: outcome.response.body };
      case 'event': {
        const answer = await this.publish(source, request, outcome.event);
        this.metrics.observe(source.type, answer.outcome, answer.outcome === InboundOutcome.Duplicate ? 'duplicate' : null, (performance.now() - started) / 1000);
        return answer.response;
      }
    }
  }

  /** Commits the message and its log row together; a provider event id seen before is a duplicate. */
  private async publish(
    source: SourceEntity,
    request: IngressRequest,
    event: NormalizedEvent,
  ): Promise<{ outcome: InboundOutcome.Accepted | InboundOutcome.Duplicate; response: IngressResponse }> {
    const providerEventId = dedupKey(event.providerEventId);
    const eventId = newId('evt');
    const messageId = newId('msg');
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
    let created: CreatedDelivery[] | null;
    try {
      const row = this.logRow(source, request, { outcome: InboundOutcome.Accepted, responseStatus: 200, providerEventId, eventId, messageId });
      const inlineMax = this.settings.fanOutInlineMax;
      const rows = await runPrepared<{ inline: boolean; id: string | null; endpoint_id: string | null; next_attempt_at: Date | null }>(this.dataSource, PUBLISH, [
        messageId,
        source.appId,
        event.type,
        JSON.stringify(cloudEvent),
        row.id,
        row.sourceId,
        row.method,
        row.url,
        JSON.stringify(row.headers),
        row.body,
        row.bodySize,
        providerEventId,
        eventId,
        Array.from({ length: inlineMax }, () => newId(IdPrefix.delivery)),
        inlineMax,
      ]);
      created = rows[0]?.inline
        ? rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, endpointId: r.endpoint_id!, dueAt: r.next_attempt_at! }))
        : null;
    } catch (error) {
      if (!isDedupViolation(error)) throw error;
      const first = await this.dataSource.manager.findOneBy(InboundRequestEntity, { sourceId: source.id, providerEventId, outcome: InboundOutcome.Accepted });
      await this.log(source, request, {
        outcome: InboundOutcome.Duplicate,
        reason: 'duplicate',
        responseStatus: 200,
        providerEventId,
        eventId: first?.eventId ?? null,
        messageId: first?.messageId ?? null,
      });
      return { outcome: InboundOutcome.Duplicate, response: acknowledgement(source.type, first?.eventId ?? '', 'duplicate') };
    }
    return {
      outcome: InboundOutcome.Accepted,
      response: {
        ...acknowledgement(source.type, eventId, 'accepted'),
        afterResponse: () => (created === null ? this.enqueueFanOut(messageId) : this.enqueueDeliveries(messageId, created)),
      },
    };
  }

  /**
   * Hands the message to the dispatcher's fan-out. Failure here loses nothing: the message is
   * committed with fanned_out_at null, which the dispatcher's reconciler re-enqueues.
   */
  async enqueueFanOut(messageId: string): Promise<void> {
    await this.enqueue(`fan-out enqueue of ${messageId}`, () => this.fanOut.add(JobName.FanOut, { messageId }, fanOutJobOptions(messageId)));
  }

  /**
   * Hands the deliveries the publish statement created to the dispatcher's delivery workers, with
   * the job ids and options the dispatcher itself uses. Failure here loses nothing: the deliveries
   * are committed and due, which the dispatcher's reconciler re-enqueues.
   */
  async enqueueDeliveries(messageId: string, created: readonly CreatedDelivery[]): Promise<void> {
    if (created.length === 0) return;
    await this.enqueue(`delivery enqueue of ${messageId}`, () =>
      this.deliveries.addBulk(
        created.map((d) => ({
          name: JobName.Deliver,
          data: { deliveryId: d.id, attempt: 1, endpointId: d.endpointId },
          opts: deliveryJobOptions({ deliveryId: d.id, attempt: 1, dueAt: d.dueAt, delayMs: 0 }),
        })),
      ),
    );
  }

  private async enqueue(what: string, add: () => Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
      });
      await Promise.race([add(), timeout]);
    } catch (error) {
      this.logger.warn(`${what} failed; the reconciler will pick it up: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a request that never reached verification because its body was too large. */
  async logOversized(token: string, method: string, search: string, headers: IngressRequest['headers'], status: number, reason: string): Promise<void> {
    const source = await this.sources.findByToken(token).catch(() => null);
    if (!source) return;
    await this.log(source, { token, method, search, headers, body: Buffer.alloc(0) }, { outcome: InboundOutcome.Rejected, reason, responseStatus: status });
  }

  private logRow(source: SourceEntity, request: IngressRequest, fields: LogFields): Partial<InboundRequestEntity> {
    return {
      id: newId('req'),
      sourceId: source.id,
      method: request.method.slice(0, 16),
      url: redactUrl(request.token, request.search),
      headers: redactHeaders(request.headers),
      body: request.body,
      bodySize: request.body.length,
      outcome: fields.outcome,
      reason: fields.reason ?? null,
      responseStatus: fields.responseStatus,
      providerEventId: fields.providerEventId ?? null,
      eventId: fields.eventId ?? null,
      messageId: fields.messageId ?? null,
    };
  }

  private async log(source: SourceEntity, request: IngressRequest, fields: LogFields): Promise<void> {
    await this.dataSource.manager.insert(InboundRequestEntity, this.logRow(source, request, fields));
  }
}
