import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationKind, DeliveryStatus, pgErrorOf, SecretBox, SecretDecryptionError } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { GroupCommitter } from '@switchyard/platform';
import type { EndpointScheduler, Release, SendOutcome, Slot, WorkQueue } from '@switchyard/scheduler';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { ENDPOINT_SCHEDULER, ENGINE_SECRET_BOX, WEBHOOK_HTTP_CLIENT, WORK_QUEUE } from '../common/engine.tokens.js';
import { attemptEvent, endpointDisabledEvent, failingThreshold, OperationalWebhooks, type OperationalMessage } from '../operational-webhooks/operational-webhooks.js';
import { decideOutcome } from './delivery-policy.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { DeliveryRepository, type ClaimedDelivery, type Recorded, type RecordInput } from './delivery.repository.js';
import { loggedRequestHeaders, outboundHeaders } from './outbound-headers.js';
import { RatePacer, type PaceTicket } from './rate-pacer.js';
import { SendPool } from './send-pool.js';
import { storableText, WebhookHttpClient, type AttemptErrorCode, type AttemptResult, type OutboundRequest } from './webhook-http-client.js';

// The delivery path as typed stages: claim (the turn) → prepare → send → record. Each stage takes
// the previous one's state; nothing is shared between deliveries but the batched round trips.

/** Stage 1, from the turn: a claimed delivery, the in-flight slot it was admitted on, and when it may start. */
export interface Claimed {
  readonly delivery: ClaimedDelivery;
  /** Null when the endpoint's circuit is open: the attempt is recorded as not sent. */
  readonly slot: Slot | null;
  /** Local time (ms) before which it must not be sent (rate pacing). */
  readonly notBefore: number;
  /** Local time (ms) the claim returned (with delivery.lateMs: how long it had been due). */
  readonly claimedAt: number;
  /** The circuit was open for this long still (for the attempt's explanation). */
  readonly openForMs?: number;
}

/** Stage 2: signed and ready to go, or not to be sent at all (and why). */
export type Prepared =
  | { readonly kind: 'ready'; readonly claimed: Claimed; readonly request: OutboundRequest; readonly startedAt: Date }
  | { readonly kind: 'unsent'; readonly claimed: Claimed; readonly error: AttemptErrorCode; readonly detail: string; readonly startedAt: Date };

/** Stage 3: what came back (for an unsent one, the reason as a result). */
export interface Sent {
  readonly claimed: Claimed;
  readonly result: AttemptResult;
  /** The headers as the attempt log keeps them (signatures redacted). */
  readonly requestHeaders: Record<string, string>;
  readonly startedAt: Date;
}

const FOREIGN_KEY_VIOLATION = '23503';
/** The messages → applications foreign key (PostgreSQL's default name; see the Initial migration). */
const OPERATIONAL_MESSAGE_APP_FK = 'messages_app_id_fkey';
/** Most attempts recorded per statement, and releases per Redis round trip. */
const RECORD_BATCH = 256;
const RELEASE_BATCH = 1_000;

/** How the limits read an attempt (see SendOutcome). */
export function sendOutcome(result: AttemptResult): SendOutcome {
  if (result.success) return 'ok';
  if (result.statusCode === 0) {
    // Refused before any byte left (our own guard, a bad URL): says nothing about the endpoint's health.
    if (result.error === 'blocked_address' || result.error === 'invalid_url') return 'none';
    return 'drop';
  }
  return [429, 502, 503, 504].includes(result.statusCode) ? 'drop' : 'answer';
}

/**
 * Runs each claimed delivery through prepare → send → record in the SendPool, and owns the
 * round trips deliveries share: attempts are recorded in batched statements (group commit:
 * a batch forms while the previous one commits), slots are released in batched scripts, and
 * retries' wake-ups go through the WorkQueue's batching. A failure is always recorded as an
 * attempt (with why), so retries advance whatever a receiver answers.
 */
@Injectable()
export class DeliveryPipeline {
  private readonly logger = new Logger('Delivery');
  private readonly failingAfter: number;
  private readonly recorder: GroupCommitter<RecordInput, Recorded>;
  private readonly releaser: GroupCommitter<Release, void>;
  private readonly pacer: RatePacer;
  readonly pool: SendPool;

  constructor(
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    private readonly repository: DeliveryRepository,
    private readonly operational: OperationalWebhooks,
    private readonly metrics: DeliveryMetrics,
    @Inject(WEBHOOK_HTTP_CLIENT) private readonly http: WebhookHttpClient,
    @Inject(ENGINE_SECRET_BOX) private readonly secretBox: SecretBox,
    @Inject(ENDPOINT_SCHEDULER) private readonly scheduler: EndpointScheduler,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
  ) {
    this.failingAfter = failingThreshold(settings.retryScheduleMs.length);
    this.pacer = new RatePacer(settings.rateLimitMarginMs);
    this.pool = new SendPool(settings.deliveryConcurrency, settings.deliveryBufferBytes, (error) =>
      this.logger.error(`an attempt failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`),
    );
    this.metrics.inFlight = () => this.pool.size;
    this.recorder = new GroupCommitter({
      maxBatch: RECORD_BATCH,
      maxInFlight: 2,
      onBatchError: 'bisect',
      run: (inputs) => this.repository.recordMany(inputs),
    });
    this.releaser = new GroupCommitter({
      maxBatch: RELEASE_BATCH,
      run: async (items) => {
        const { jobs, health } = await this.scheduler.release(items);
        this.metrics.health(health);
        await this.work.addTurns(jobs);
        return items.map(() => undefined);
      },
    });
  }

  /** Hands a claimed delivery to the senders; the turn does not wait for it. */
  submit(claimed: Claimed): void {
    this.pool.run(Buffer.byteLength(claimed.delivery.payload), () => this.deliver(claimed));
  }

  /** Resolves once every attempt in flight is sent and recorded and its slot released (shutdown). */
  async drain(): Promise<void> {
    await this.pool.drain();
    await this.recorder.drain();
    await this.releaser.drain();
    await this.work.drain();
  }

  /** One delivery, start to end. */
  private async deliver(claimed: Claimed): Promise<void> {
    const wait = claimed.notBefore - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const rate = claimed.delivery.endpoint.rateLimit;
    const ticket = claimed.slot && rate ? await this.pacer.take(claimed.delivery.endpoint.id, rate) : null;
    const prepared = this.prepare(claimed);
    let sent: Sent;
    try {
      sent = await this.send(prepared, ticket);
    } finally {
      ticket?.done();
    }
    this.metrics.sentLate(claimed.delivery.lateMs + (prepared.startedAt.getTime() - claimed.claimedAt));
    if (claimed.slot) {
      const release: Release = { endpointId: claimed.delivery.endpoint.id, token: claimed.slot.token, outcome: prepared.kind === 'ready' ? sendOutcome(sent.result) : 'none', durationMs: sent.result.durationMs };
      // Freed while the attempt is recorded: the slot is about the receiver, not our bookkeeping.
      void this.releaser.submit(release).catch((error: unknown) => this.logger.warn(`could not release a slot of ${release.endpointId} (it frees itself when its lease ends): ${(error as Error).message}`));
    }
    await this.record(sent);
  }

  /** Stage 2: sign the stored payload with every active secret; an unusable secret or an open circuit is an unsent attempt, not a crash. */
  prepare(claimed: Claimed): Prepared {
    const startedAt = new Date();
    const { delivery } = claimed;
    if (!claimed.slot) {
      const probeIn = claimed.openForMs !== undefined ? ` It is probed again in ${Math.ceil(claimed.openForMs / 1000)} s.` : '';
      return {
        kind: 'unsent',
        claimed,
        error: 'circuit_open',
        detail: `not sent: the endpoint's circuit is open after ${this.settings.endpointCircuitFailures} or more consecutive attempts got no usable answer (see the attempts before this one).${probeIn}`,
        startedAt,
      };
    }
    if (delivery.endpoint.secrets.length === 0) return { kind: 'unsent', claimed, error: 'no_signing_secret', detail: 'not sent: the endpoint has no signing secret', startedAt };
    let secrets: string[];
    try {
      secrets = delivery.endpoint.secrets.map((s) => this.secretBox.open(s));
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      this.logger.error(`endpoint ${delivery.endpoint.id}: ${error.message}`);
      return { kind: 'unsent', claimed, error: 'secret_unreadable', detail: "not sent: the endpoint's secret cannot be opened with SECRET_ENCRYPTION_KEY", startedAt };
    }
    try {
      const headers = outboundHeaders({
        messageId: delivery.messageId,
        timestamp: Math.floor(startedAt.getTime() / 1000),
        body: delivery.payload,
        secrets,
        endpointHeaders: delivery.endpoint.headers,
      });
      return { kind: 'ready', claimed, request: { url: delivery.endpoint.url, headers, body: delivery.payload }, startedAt };
    } catch (error) {
      // A malformed stored secret (not whsec_ base64): never log it.
      if (error instanceof TypeError) return { kind: 'unsent', claimed, error: 'secret_unreadable', detail: "not sent: the endpoint's secret is not a valid whsec_ secret", startedAt };
      throw error;
    }
  }

  /** Stage 3: POST it (send() reports every transport failure as a result; it never throws). */
  private async send(prepared: Prepared, ticket: PaceTicket | null): Promise<Sent> {
    if (prepared.kind === 'unsent') {
      return {
        claimed: prepared.claimed,
        startedAt: prepared.startedAt,
        requestHeaders: {},
        result: { statusCode: 0, success: false, body: Buffer.alloc(0), responseHeaders: {}, durationMs: 0, error: prepared.error, errorDetail: prepared.detail },
      };
    }
    const result = await this.http.send(ticket ? { ...prepared.request, onSent: () => ticket.sent() } : prepared.request);
    return { claimed: prepared.claimed, startedAt: prepared.startedAt, requestHeaders: loggedRequestHeaders(prepared.request.headers), result };
  }

  /** Stage 4: record the attempt and its consequences, then schedule what follows (the retry's turn, operational webhooks). */
  private async record(sent: Sent): Promise<void> {
    const { delivery } = sent.claimed;
    let input = await this.recordInput(sent);
    let recorded: Recorded;
    try {
      recorded = await this.commit(input);
    } catch (error) {
      const { code, constraint } = pgErrorOf(error);
      if (code === FOREIGN_KEY_VIOLATION && constraint === OPERATIONAL_MESSAGE_APP_FK) {
        // The operational application was deleted under us: find or create it again, once.
        this.operational.forget();
        input = await this.recordInput(sent);
        recorded = await this.commit(input);
      } else {
        // Whatever the statement refused, the attempt is still recorded (without what it received), so retries advance.
        this.logger.warn(`delivery ${delivery.id}: could not record attempt ${delivery.attemptsBefore + 1} as received (${(error as Error).message}); recording it without the response`);
        try {
          input = await this.recordInput(sent, `the response could not be stored (${storableText((error as Error).message, 200)})`);
          recorded = await this.commit(input);
        } catch (again) {
          this.logger.error(`delivery ${delivery.id}: attempt ${delivery.attemptsBefore + 1} not recorded (its lease running out brings the delivery back): ${(again as Error).message}`);
          return;
        }
      }
    }
    const { result } = sent;
    this.metrics.attempt(result.success, result.statusCode, result.durationMs, delivery.trigger, input.status);
    if (recorded.nextInMs !== null) await this.work.afterCommit('the next attempt', () => this.work.wake([{ endpointId: delivery.endpoint.id, delayMs: recorded.nextInMs! }]));
    if (recorded.operationalMessageIds.length > 0 && input.operationalAppId) {
      const appId = input.operationalAppId;
      await this.work.afterCommit('operational webhooks', () => this.work.wakeApps([appId]));
    }
    if (!recorded.owned) this.logger.warn(`delivery ${delivery.id}: lease lost before attempt ${delivery.attemptsBefore + 1} was recorded`);
  }

  /** The common shape shares a batched statement; the rare ones (disable, operational events) get one each. */
  private commit(input: RecordInput): Promise<Recorded> {
    return input.disable === null && input.events.length === 0 ? this.recorder.submit(input) : this.repository.record(input);
  }

  /** The RecordInput of an attempt; `unstorable` drops what was received and says why instead. */
  private async recordInput(sent: Sent, unstorable?: string): Promise<RecordInput> {
    const { delivery } = sent.claimed;
    const { endpoint } = delivery;
    const { result } = sent;
    const attemptNumber = delivery.attemptsBefore + 1;
    const outcome = decideOutcome({
      result,
      attempt: attemptNumber,
      trigger: delivery.trigger,
      retryScheduleMs: this.settings.retryScheduleMs,
      failingAfter: this.failingAfter,
      endpointFailingSince: endpoint.failingSince,
      endpointDisableAfterMs: this.settings.endpointDisableAfterMs,
      now: new Date(),
    });
    const attemptId = newId(IdPrefix.attempt);
    const emits = endpoint.appKind === ApplicationKind.App;
    const rare = outcome.disableEndpoint !== null || outcome.events.length > 0;
    const operationalAppId = emits && rare ? await this.operational.appId() : null;
    const ctx = {
      appId: endpoint.appId,
      appUid: endpoint.appUid,
      endpointId: endpoint.id,
      msgId: delivery.messageId,
      msgEventId: delivery.eventId,
      attemptId,
      responseStatusCode: result.statusCode,
      timestamp: sent.startedAt,
    };
    const events: OperationalMessage[] = emits ? outcome.events.map((type) => attemptEvent(type, ctx)) : [];
    const disabledEvent = emits
      ? endpointDisabledEvent({
          appId: endpoint.appId,
          appUid: endpoint.appUid,
          endpointId: endpoint.id,
          endpointUid: endpoint.uid,
          failSince: endpoint.failingSince ?? sent.startedAt,
          trigger: 'automatic',
        })
      : null;
    return {
      claim: delivery,
      attempt: {
        id: attemptId,
        attemptNumber,
        url: endpoint.url,
        status: result.success ? DeliveryStatus.Success : DeliveryStatus.Fail,
        responseStatusCode: result.statusCode,
        responseBody: unstorable ? null : result.statusCode === 0 ? null : result.body,
        responseDurationMs: result.durationMs,
        trigger: delivery.trigger,
        requestHeaders: unstorable ? {} : sent.requestHeaders,
        responseHeaders: unstorable ? {} : result.responseHeaders,
        error: result.error,
        errorDetail: unstorable ?? result.errorDetail,
        startedAt: sent.startedAt,
      },
      status: outcome.status,
      retryDelayMs: outcome.retryDelayMs,
      failureRun: outcome.failureRun,
      disable: outcome.disableEndpoint ? { reason: outcome.disableEndpoint, disableAfterMs: this.settings.endpointDisableAfterMs, event: disabledEvent } : null,
      events,
      operationalAppId,
    };
  }

}
