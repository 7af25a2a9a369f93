import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationKind, DeliveryStatus, endpointSecretContext, isForeignKeyViolation, SecretBox, SecretDecryptionError } from '@switchyard/db';
import { TRACING } from '@switchyard/api-kit';
import { IdPrefix, newId } from '@switchyard/events';
import { GroupCommitter } from '@switchyard/platform';
import type { EndpointScheduler, Release, SendOutcome, Slot, WorkQueue } from '@switchyard/scheduler';
import type { Tracing } from '@switchyard/tracing';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { ENDPOINT_SCHEDULER, ENGINE_SECRET_BOX, WEBHOOK_HTTP_CLIENT, WORK_QUEUE } from '../common/engine.tokens.js';
import { attemptEvent, endpointDisabledEvent, failingThreshold, OperationalWebhooks, type OperationalMessage } from '../operational-webhooks/operational-webhooks.js';
import { decideOutcome } from './delivery-policy.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { DeliveryRepository, type ClaimedDelivery, type Recorded, type RecordInput } from './delivery.repository.js';
import { loggedRequestHeaders, outboundHeaders } from './outbound-headers.js';
import { RatePacer, type PaceTicket } from './rate-pacer.js';
import { SendPool } from './send-pool.js';
import { HeldBody, storableText, WebhookHttpClient, type AttemptErrorCode, type AttemptResult, type OutboundRequest } from './webhook-http-client.js';

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

/** The messages → applications foreign key (PostgreSQL's default name; see the Initial migration). */
const OPERATIONAL_MESSAGE_APP_FK = 'messages_app_id_fkey';
/** Most attempts recorded per statement, and releases per Redis round trip. */
const RECORD_BATCH = 256;
const RELEASE_BATCH = 1_000;
/** A delivery whose large payload could not be read is due again after this long. */
const PUT_BACK_DELAY_MS = 1_000;

/** A delivery a turn claimed ahead for a busy endpoint: it waits in this process for one of the endpoint's slots here to free. */
interface Waiting {
  readonly delivery: ClaimedDelivery;
  readonly claimedAt: number;
  /** Given back to PostgreSQL if still waiting then. */
  readonly deadline: number;
  readonly bytes: number;
}

/** An endpoint's deliveries waiting for its slots in this process. */
interface Line {
  readonly items: Waiting[];
  timer: NodeJS.Timeout | null;
  /** At this many left, the endpoint's next turn is asked for. */
  lowWater: number;
}

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
  private readonly releaser: GroupCommitter<Release, boolean>;
  private readonly lines = new Map<string, Line>();
  /** Attempts with a slot this process is running, per endpoint (their slots can be handed on). */
  private readonly active = new Map<string, number>();
  /** Endpoints whose next turn this process asked for early (its line ran low); cleared when a turn hands it more. */
  private readonly refilling = new Set<string>();
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
    @Inject(TRACING) private readonly tracing: Tracing,
  ) {
    this.failingAfter = failingThreshold(settings.retryScheduleMs.length);
    this.pacer = new RatePacer(settings.rateLimitMarginMs);
    this.pool = new SendPool(settings.deliveryConcurrency, settings.deliveryBufferBytes, (error) => this.logger.error(`an attempt failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`));
    this.metrics.inFlight = () => this.pool.size;
    this.recorder = new GroupCommitter({
      maxBatch: RECORD_BATCH,
      // one statement at a time, the next batch forming meanwhile (and from all that finished in the same I/O turn)
      maxInFlight: 1,
      start: 'tick',
      onBatchError: 'bisect',
      run: (inputs) => this.repository.recordMany(inputs),
    });
    this.releaser = new GroupCommitter({
      maxBatch: RELEASE_BATCH,
      start: 'tick',
      run: async (items) => {
        const { jobs, health, reused } = await this.scheduler.release(items);
        this.metrics.health(health);
        // the woken endpoints' turns are added meanwhile: the senders wait only for the scripts
        if (jobs.length > 0) void this.work.afterCommit('woken turns', () => this.work.addTurns(jobs));
        return items.map((item) => reused.has(item.token));
      },
    });
  }

  /** Hands a claimed delivery to the senders; the turn does not wait for it. */
  submit(claimed: Claimed): void {
    this.pool.run(claimed.delivery.payloadBytes, () => this.deliver(claimed));
  }

  /**
   * Deliveries a turn claimed ahead for a busy endpoint (beyond its free slots): each waits here
   * until one of the endpoint's attempts in this process finishes and its slot is handed on (no
   * new turn, no Redis admission), or is given back at `maxWaitMs`.
   */
  hold(deliveries: readonly ClaimedDelivery[], claimedAt: number, maxWaitMs: number): void {
    if (deliveries.length === 0) return;
    const endpointId = deliveries[0]!.endpoint.id;
    let line = this.lines.get(endpointId);
    if (!line) {
      line = { items: [], timer: null, lowWater: 0 };
      this.lines.set(endpointId, line);
    }
    line.lowWater = Math.floor((line.items.length + deliveries.length) / 2);
    const deadline = claimedAt + maxWaitMs;
    let bytes = 0;
    for (const delivery of deliveries) {
      const b = delivery.payloadBytes;
      bytes += b;
      line.items.push({ delivery, claimedAt, deadline, bytes: b });
    }
    this.pool.hold(deliveries.length, bytes);
    this.refilling.delete(endpointId);
    this.armLineTimer(endpointId, line);
  }

  /** Attempts to the endpoint this process has in flight on slots it will hand on (0: none). */
  handingOn(endpointId: string): number {
    return this.lines.has(endpointId) || this.refilling.has(endpointId) ? (this.active.get(endpointId) ?? 0) : 0;
  }

  /** Resolves once every attempt in flight is sent and recorded and its slot released (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.lines.keys()].map((endpointId) => this.giveBackLine(endpointId, 'shutting down')));
    await this.pool.drain();
    await this.recorder.drain();
    await this.releaser.drain();
    await this.work.drain();
  }

  /** One delivery, start to end. */
  private async deliver(claimed: Claimed): Promise<void> {
    const endpointId = claimed.delivery.endpoint.id;
    if (!claimed.slot) return this.attempt(claimed);
    this.active.set(endpointId, (this.active.get(endpointId) ?? 0) + 1);
    try {
      await this.attempt(claimed);
    } finally {
      const left = (this.active.get(endpointId) ?? 1) - 1;
      if (left > 0) this.active.set(endpointId, left);
      else this.active.delete(endpointId);
    }
  }

  private async attempt(claimed: Claimed): Promise<void> {
    const wait = claimed.notBefore - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // A payload too large to come with the claim is read now, held only until it is written.
    let held: HeldBody | null | undefined;
    if (claimed.delivery.payloadDeferred && claimed.slot) {
      try {
        held = await this.readHeld(claimed.delivery.messageId);
      } catch (error) {
        await this.putBack(claimed, claimed.slot, `its payload could not be read (${(error as Error).message})`);
        return;
      }
    }
    const rate = claimed.delivery.endpoint.rateLimit;
    const ticket = claimed.slot && rate ? await this.pacer.take(claimed.delivery.endpoint.id, rate) : null;
    // The attempt's span: a child of the message's stored context (off: that context, sent on as it is).
    const { delivery } = claimed;
    const span = this.tracing.startAttempt(
      delivery.trace,
      this.tracing.enabled
        ? {
            'switchyard.endpoint_id': delivery.endpoint.id,
            'switchyard.message_id': delivery.messageId,
            'switchyard.delivery_id': delivery.id,
            'switchyard.attempt': delivery.attemptsBefore + 1,
            'http.request.method': 'POST',
          }
        : {},
    );
    const prepared = this.prepare(claimed, span.headers, held);
    held = undefined;
    let sent: Sent;
    try {
      sent = await this.send(prepared, ticket);
    } catch (error) {
      span.end({ success: false, statusCode: 0, error: 'internal', errorDetail: (error as Error)?.message ?? String(error) });
      throw error;
    } finally {
      ticket?.done();
    }
    span.end(sent.result);
    this.metrics.sentLate(claimed.delivery.lateMs + (prepared.startedAt.getTime() - claimed.claimedAt));
    const recording = this.record(sent);
    // Freed (or handed on) while the attempt is recorded: the slot is about the receiver, not our bookkeeping.
    if (claimed.slot) await this.release(claimed.slot, sent, prepared.kind === 'ready' ? sendOutcome(sent.result) : 'none');
    await recording;
  }

  /**
   * Frees an attempt's slot, or hands it straight to the next delivery waiting for the endpoint in
   * this process (after a 2xx or another answer: the endpoint keeps up), telling the scheduler
   * either way without waiting for it. After an overload signal nothing is handed on, and what
   * waits goes back to the endpoint's turns.
   */
  private async release(slot: Slot, sent: Sent, outcome: SendOutcome): Promise<void> {
    const endpointId = sent.claimed.delivery.endpoint.id;
    const next = outcome === 'ok' || outcome === 'answer' ? this.takeFromLine(endpointId) : undefined;
    if (next) this.submit({ delivery: next.delivery, slot, notBefore: 0, claimedAt: next.claimedAt });
    else if (outcome === 'drop') await this.giveBackLine(endpointId, 'the endpoint is overloaded');
    try {
      const kept = await this.releaser.submit({ endpointId, token: slot.token, outcome, durationMs: sent.result.durationMs, reuse: next !== undefined });
      // the circuit opened meanwhile: the one attempt already handed on goes out; nothing more does
      if (next && !kept) await this.giveBackLine(endpointId, 'its circuit opened');
    } catch (error) {
      this.logger.warn(`could not release a slot of ${endpointId} (it frees itself when its lease ends): ${(error as Error).message}`);
      await this.giveBackLine(endpointId, 'a slot could not be released');
    }
  }

  private takeFromLine(endpointId: string): Waiting | undefined {
    const line = this.lines.get(endpointId);
    const next = line?.items.shift();
    if (!line || !next) return undefined;
    this.pool.unhold(1, next.bytes);
    // Running low: ask for the endpoint's next turn now, so more is claimed before the line runs dry.
    if (line.items.length <= line.lowWater && !this.refilling.has(endpointId)) {
      this.refilling.add(endpointId);
      void this.work.afterCommit('an early turn', () => this.work.refill([endpointId]));
    }
    if (line.items.length === 0) this.dropLine(endpointId, line);
    return next;
  }

  private dropLine(endpointId: string, line: Line): void {
    if (line.timer) clearTimeout(line.timer);
    if (this.lines.get(endpointId) === line) this.lines.delete(endpointId);
  }

  private armLineTimer(endpointId: string, line: Line): void {
    if (line.timer || line.items.length === 0) return;
    line.timer = setTimeout(
      () => {
        line.timer = null;
        const now = Date.now();
        const expired = line.items.filter((w) => w.deadline <= now);
        if (expired.length > 0) {
          line.items.splice(0, line.items.length, ...line.items.filter((w) => w.deadline > now));
          void this.giveBack(endpointId, expired, 'it waited its longest for a slot');
        }
        if (line.items.length === 0) this.dropLine(endpointId, line);
        else this.armLineTimer(endpointId, line);
      },
      Math.max(1, line.items[0]!.deadline - Date.now()),
    );
  }

  /** Gives an endpoint's waiting deliveries back to PostgreSQL (due now) and wakes the endpoint, so its turns take them. */
  private async giveBackLine(endpointId: string, why: string): Promise<void> {
    const line = this.lines.get(endpointId);
    if (!line) return;
    this.dropLine(endpointId, line);
    await this.giveBack(endpointId, line.items.splice(0), why);
  }

  private async giveBack(endpointId: string, items: readonly Waiting[], why: string): Promise<void> {
    if (items.length === 0) return;
    this.pool.unhold(
      items.length,
      items.reduce((n, w) => n + w.bytes, 0),
    );
    try {
      await this.repository.giveBack(items.map((w) => w.delivery));
    } catch (error) {
      // Their leases run out and the reconciler brings them back.
      this.logger.warn(`could not give back ${items.length} deliveries of ${endpointId} (${why}): ${(error as Error).message}`);
      return;
    }
    await this.work.afterCommit('deliveries given back', () => this.work.wake([{ endpointId, delayMs: 0 }]));
  }

  /**
   * A large payload, read just before it is sent (null: expunged meanwhile). In a method of its
   * own: a suspended async function keeps its locals, and attempt() waits for the response.
   */
  private async readHeld(messageId: string): Promise<HeldBody | null> {
    const text = await this.repository.payloadOf(messageId);
    return text === null ? null : new HeldBody(text);
  }

  /**
   * A delivery whose large payload could not be read: no attempt (nothing was tried), its slot
   * freed and the delivery due again shortly (if PostgreSQL is down, its lease brings it back).
   */
  private async putBack(claimed: Claimed, slot: Slot, why: string): Promise<void> {
    const endpointId = claimed.delivery.endpoint.id;
    this.logger.warn(`delivery ${claimed.delivery.id} goes back unsent: ${why}`);
    try {
      await this.releaser.submit({ endpointId, token: slot.token, outcome: 'none', durationMs: 0, reuse: false });
    } catch {
      // the slot frees itself when its lease ends
    }
    try {
      await this.repository.giveBack([claimed.delivery]);
    } catch {
      return;
    }
    await this.work.afterCommit('a delivery given back', () => this.work.wake([{ endpointId, delayMs: PUT_BACK_DELAY_MS }]));
  }

  /**
   * Stage 2: sign the stored payload with every active secret; an unusable secret or an open
   * circuit is an unsent attempt, not a crash. `held`: a large payload read just now (null: it
   * was expunged meanwhile); otherwise the payload came with the claim.
   */
  prepare(claimed: Claimed, traceHeaders?: Record<string, string>, held?: HeldBody | null): Prepared {
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
    // Expunged after the delivery was created: never send an empty or substitute body.
    const payload = held === undefined ? delivery.payload : (held?.text ?? null);
    if (payload === null) return { kind: 'unsent', claimed, error: 'payload_expunged', detail: "not sent: the message's payload was expunged", startedAt };
    if (delivery.endpoint.secrets.length === 0) return { kind: 'unsent', claimed, error: 'no_signing_secret', detail: 'not sent: the endpoint has no signing secret', startedAt };
    let secrets: string[];
    try {
      const context = endpointSecretContext(delivery.endpoint.id);
      secrets = delivery.endpoint.secrets.map((s) => this.secretBox.open(s, context));
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      // The message names the problem and its fix (a missing key, the reseal command), never the secret.
      this.logger.error(`endpoint ${delivery.endpoint.id}: ${error.message}`);
      return { kind: 'unsent', claimed, error: 'secret_unreadable', detail: `not sent: the endpoint's secret cannot be used: ${error.message}`, startedAt };
    }
    try {
      const headers = outboundHeaders({
        messageId: delivery.messageId,
        timestamp: Math.floor(startedAt.getTime() / 1000),
        body: payload,
        secrets,
        endpointHeaders: delivery.endpoint.headers,
        traceHeaders,
      });
      return { kind: 'ready', claimed, request: { url: delivery.endpoint.url, headers, body: held ?? payload }, startedAt };
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
      if (isForeignKeyViolation(error, OPERATIONAL_MESSAGE_APP_FK)) {
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
    if (recorded.endpointDisabled) this.metrics.endpointDisabled();
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
    // built only when the endpoint is to be disabled (most attempts disable nothing)
    const disabledEvent =
      emits && outcome.disableEndpoint
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
