import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationKind, DeliveryStatus, SecretBox, SecretDecryptionError } from '@switchyard/db';
import { deliveryJobId, IdPrefix, newId } from '@switchyard/events';
import type { Job } from 'bull';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import {
  attemptEvent,
  endpointDisabledEvent,
  failingThreshold,
  OperationalWebhooks,
  type OperationalMessage,
} from '../operational-webhooks/operational-webhooks.js';
import { DispatchQueue, deliveryJobKey, type DeliveryJob } from '../queue/dispatch-queue.js';
import { decideOutcome } from './delivery-policy.js';
import { DeliveryMetrics } from './delivery.metrics.js';
import { DeliveryRepository, type ClaimedDelivery, type Recorded, type RecordInput } from './delivery.repository.js';
import { EndpointLimiter, type Permit } from './endpoint-limiter.js';
import { SlotWaiters } from './slot-waiters.js';
import { loggedRequestHeaders, outboundHeaders } from './outbound-headers.js';
import { WebhookHttpClient, type AttemptResult } from './webhook-http-client.js';

/** Injection token of the process-wide WebhookHttpClient. */
export const WEBHOOK_HTTP_CLIENT = Symbol('WEBHOOK_HTTP_CLIENT');
/** Injection token of the EndpointLimiter. */
export const ENDPOINT_LIMITER = Symbol('ENDPOINT_LIMITER');
/** Injection token of the SecretBox that opens stored endpoint secrets. */
export const ENGINE_SECRET_BOX = Symbol('ENGINE_SECRET_BOX');

const FOREIGN_KEY_VIOLATION = '23503';
/** The messages → applications foreign key (PostgreSQL's default name; see the Initial migration). */
const OPERATIONAL_MESSAGE_APP_FK = 'messages_app_id_fkey';
/** A delivery waiting for a slot is due this far in the past (see the busy path). */
const BUSY_DUE_MARGIN_MS = 1_000;
/** Waiting jobs looked at per release before giving up on waking one. */
const MAX_WAKE_TRIES = 3;

/** What became of one delivery job (for logs and tests; Bull does not store it: jobs are removed on completion). */
export type DeliveryJobOutcome = 'sent' | 'stale' | 'rescheduled' | 'deferred' | 'endpoint-disabled';

/**
 * The delivery processor (queue `delivery`): take a slot of the endpoint (ENDPOINT_MAX_IN_FLIGHT),
 * claim the delivery, take a rate token if the endpoint has a rateLimit, sign and POST the stored
 * payload, and record the attempt with its consequences. A delivery turned away by a limit is put
 * off, not failed. Duplicate and stale jobs claim nothing and finish. Errors before the POST give
 * the claim back and throw (Bull retries); errors after it throw too, and the lease running out
 * brings the delivery back.
 */
@Injectable()
export class DeliveryProcessor {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private readonly failingAfter: number;
  /** Jobs of this process waiting for a slot of an endpoint it is sending to (see SlotWaiters). */
  readonly slotWaiters: SlotWaiters;

  constructor(
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    private readonly repository: DeliveryRepository,
    private readonly queue: DispatchQueue,
    private readonly operational: OperationalWebhooks,
    @Inject(WEBHOOK_HTTP_CLIENT) private readonly http: WebhookHttpClient,
    @Inject(ENDPOINT_LIMITER) private readonly limiter: EndpointLimiter,
    @Inject(ENGINE_SECRET_BOX) private readonly secretBox: SecretBox,
    private readonly metrics: DeliveryMetrics,
  ) {
    this.failingAfter = failingThreshold(settings.retryScheduleMs.length);
    // Waiting jobs hold workers: at most half of them wait, the rest stay free for other endpoints.
    this.slotWaiters = new SlotWaiters(settings.endpointSlotWaitMs, Math.floor(settings.deliveryConcurrency / 2));
  }

  /** Bull handler. */
  async process(job: Job<DeliveryJob>): Promise<DeliveryJobOutcome> {
    const { deliveryId, attempt, endpointId } = job.data;
    const deferrals = job.data.deferrals ?? 0;

    // The endpoint's slot first: a busy endpoint claims nothing. If this process is freeing slots
    // of it, the job waits here for one to be handed over (ENDPOINT_SLOT_WAIT_MS). Else, or after that, the delivery
    // is due again at once (a time in the past, so no clock makes the woken job early) and its
    // job waits in Bull until a release wakes it: one script and one conditional UPDATE.
    const maxInFlight = this.settings.endpointMaxInFlight;
    let slot: Permit = await this.limiter.takeSlot({ endpointId, deliveryId, leaseEndMs: Date.now() + this.settings.deliveryLeaseMs, maxInFlight, deferrals });
    // Busy, but this process is freeing its slots: wait here for one to be handed over rather than be put off.
    if (!slot.granted && this.slotWaiters.shouldWait(endpointId) && (await this.slotWaiters.wait(endpointId, deliveryId))) slot = { granted: true };
    if (!slot.granted) {
      const busyDueAt = new Date(Date.now() - BUSY_DUE_MARGIN_MS);
      if (!(await this.repository.waitForSlot(deliveryId, attempt, busyDueAt))) return this.unclaimed(job);
      const queued = await this.queue.afterCommit('a delivery waiting for a slot', () =>
        this.queue.enqueueDeliveries([{ deliveryId, endpointId, attempt, dueAt: busyDueAt, delayMs: slot.retryInMs, deferrals: deferrals + 1 }]),
      );
      // Registered only once it is in Bull, so a release can always find and promote it.
      if (queued) await this.wake(endpointId, await this.limiter.wait(endpointId, deliveryJobKey(deliveryId, attempt, busyDueAt), maxInFlight));
      return 'deferred';
    }

    // A slot already held by this delivery belongs to whichever job of it is sending: a job that
    // then fails to claim must leave it, or the endpoint would take more than its limit.
    const tookSlot = !slot.held;
    let claim: ClaimedDelivery | undefined;
    try {
      claim = await this.repository.claim(deliveryId, attempt, this.settings.deliveryLeaseMs);
    } catch (error) {
      if (tookSlot) await this.releaseSlot(endpointId, deliveryId);
      throw error;
    }
    if (!claim) {
      if (tookSlot) await this.releaseSlot(endpointId, deliveryId);
      return this.unclaimed(job);
    }

    try {
      if (claim.endpointDisabled) {
        await this.repository.failWithoutAttempt(claim);
        await this.releaseSlot(endpointId, deliveryId);
        return 'endpoint-disabled';
      }
      const perSecond = claim.endpointRateLimit ?? claim.appRateLimit;
      const token = perSecond ? await this.limiter.takeToken(endpointId, perSecond) : ({ granted: true } as const);
      if (!token.granted) {
        const due = await this.repository.defer(claim, token.retryInMs);
        await this.releaseSlot(endpointId, deliveryId);
        if (due) {
          await this.queue.afterCommit('a rate-limited delivery', () =>
            this.queue.enqueueDeliveries([{ deliveryId, endpointId, attempt, dueAt: due.dueAt, delayMs: due.delayMs }]),
          );
        }
        return 'deferred';
      }
    } catch (error) {
      await this.giveBack(claim);
      await this.releaseSlot(endpointId, deliveryId);
      throw error;
    }

    let result: AttemptResult;
    let requestHeaders: Record<string, string> = {};
    let released: Promise<void> = Promise.resolve();
    const startedAt = new Date();
    try {
      const prepared = this.prepare(claim, startedAt);
      if ('error' in prepared) {
        result = { statusCode: 0, success: false, responseBody: '', responseHeaders: {}, durationMs: 0, error: prepared.error };
      } else {
        requestHeaders = prepared.headers;
        // send() reports every transport failure as a result; it does not throw.
        result = await this.http.send({ url: claim.url, headers: prepared.headers, body: claim.payload });
      }
    } catch (error) {
      // Nothing was sent (signing failed unexpectedly): give the delivery back before failing the job.
      await this.giveBack(claim);
      throw error;
    } finally {
      // Freed while the attempt is recorded (it never rejects): one round trip off the job's path.
      released = this.releaseSlot(endpointId, deliveryId);
    }

    let recorded: Recorded;
    try {
      recorded = await this.record(claim, result, requestHeaders, startedAt);
    } finally {
      await released;
    }
    if (recorded.next) {
      const next = recorded.next;
      await this.queue.afterCommit('the next attempt', () =>
        this.queue.enqueueDeliveries([{ deliveryId, endpointId, attempt: attempt + 1, dueAt: next.dueAt, delayMs: next.delayMs }]),
      );
    }
    if (recorded.operationalMessageIds.length > 0) {
      await this.queue.afterCommit('operational webhooks', () => this.queue.enqueueFanOut(recorded.operationalMessageIds));
    }
    if (!recorded.owned) this.logger.warn(`delivery ${claim.id}: lease lost before attempt ${attempt} was recorded`);
    return 'sent';
  }

  /** A job that claimed nothing: stale (the attempt was made), a duplicate (another sender holds it), or early. */
  private async unclaimed(job: Job<DeliveryJob>): Promise<DeliveryJobOutcome> {
    const { deliveryId, attempt, endpointId } = job.data;
    const state = await this.repository.state(deliveryId);
    if (!state || state.attempts !== attempt - 1 || state.status !== DeliveryStatus.Pending || !state.nextAttemptAt) return 'stale';
    // Due later than this job (it was deferred or rescheduled, or this job ran early): make sure a job for the real due time exists.
    const key = deliveryJobKey(deliveryId, attempt, state.nextAttemptAt);
    if (key === String(job.id)) return 'stale';
    await this.queue.afterCommit('a rescheduled delivery', () =>
      this.queue.enqueueDeliveries([{ deliveryId, endpointId, attempt, dueAt: state.nextAttemptAt!, delayMs: state.delayMs, deferrals: job.data.deferrals }]),
    );
    return 'rescheduled';
  }

  /** Signs the stored payload with every active secret; an unusable secret is an attempt failure, not a crash. */
  private prepare(claim: ClaimedDelivery, startedAt: Date): { headers: Record<string, string> } | { error: 'no_signing_secret' | 'secret_unreadable' } {
    if (claim.secrets.length === 0) return { error: 'no_signing_secret' };
    let secrets: string[];
    try {
      secrets = claim.secrets.map((s) => this.secretBox.open(s));
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        this.logger.error(`endpoint ${claim.endpointId}: ${error.message}`);
        return { error: 'secret_unreadable' };
      }
      throw error;
    }
    try {
      const headers = outboundHeaders({
        messageId: claim.messageId,
        timestamp: Math.floor(startedAt.getTime() / 1000),
        body: claim.payload,
        secrets,
        endpointHeaders: claim.headers,
      });
      return { headers };
    } catch (error) {
      // A malformed stored secret (not whsec_ base64): never log it.
      if (error instanceof TypeError) return { error: 'secret_unreadable' };
      throw error;
    }
  }

  private async record(claim: ClaimedDelivery, result: AttemptResult, requestHeaders: Record<string, string>, startedAt: Date): Promise<Recorded> {
    const attemptNumber = claim.attemptsBefore + 1;
    const outcome = decideOutcome({
      result,
      attempt: attemptNumber,
      trigger: claim.trigger,
      retryScheduleMs: this.settings.retryScheduleMs,
      failingAfter: this.failingAfter,
      endpointFailingSince: claim.endpointFailingSince,
      endpointDisableAfterMs: this.settings.endpointDisableAfterMs,
      now: new Date(),
    });
    const attemptId = newId(IdPrefix.attempt);
    const emits = claim.appKind === ApplicationKind.App;
    const build = async (): Promise<RecordInput> => {
      const operationalAppId = emits ? await this.operational.appId() : null;
      const ctx = {
        appId: claim.appId,
        appUid: claim.appUid,
        endpointId: claim.endpointId,
        msgId: claim.messageId,
        msgEventId: claim.eventId,
        attemptId,
        responseStatusCode: result.statusCode,
        timestamp: startedAt,
      };
      const events: OperationalMessage[] = outcome.events.map((type) => attemptEvent(type, ctx));
      const disabledEvent = emits
        ? endpointDisabledEvent({
            appId: claim.appId,
            appUid: claim.appUid,
            endpointId: claim.endpointId,
            endpointUid: claim.endpointUid,
            failSince: claim.endpointFailingSince ?? startedAt,
            trigger: 'automatic',
          })
        : null;
      return {
        claim,
        attempt: {
          id: attemptId,
          attemptNumber,
          url: claim.url,
          status: result.success ? DeliveryStatus.Success : DeliveryStatus.Fail,
          responseStatusCode: result.statusCode,
          response: result.responseBody,
          responseDurationMs: result.durationMs,
          trigger: claim.trigger,
          requestHeaders: loggedRequestHeaders(requestHeaders),
          responseHeaders: result.responseHeaders,
          error: result.error,
          startedAt,
        },
        status: outcome.status,
        retryDelayMs: outcome.retryDelayMs,
        failureRun: outcome.failureRun,
        disable: outcome.disableEndpoint
          ? { reason: outcome.disableEndpoint, disableAfterMs: this.settings.endpointDisableAfterMs, event: disabledEvent }
          : null,
        events: emits ? events : [],
        operationalAppId,
      };
    };
    try {
      const recorded = await this.repository.record(await build());
      this.metrics.attempt(result.success, result.statusCode, result.durationMs, claim.trigger, outcome.status);
      return recorded;
    } catch (error) {
      // The operational application was deleted under us: find or create it again, once.
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === FOREIGN_KEY_VIOLATION && constraint === OPERATIONAL_MESSAGE_APP_FK && emits) {
        this.operational.forget();
        const recorded = await this.repository.record(await build());
        this.metrics.attempt(result.success, result.statusCode, result.durationMs, claim.trigger, outcome.status);
        return recorded;
      }
      throw error;
    }
  }

  /**
   * Frees the endpoint slot: hands it to the oldest job of this process waiting for one (no Bull
   * job is touched), or else frees it and wakes the oldest job put off in Bull. Never rejects.
   */
  private async releaseSlot(endpointId: string, deliveryId: string): Promise<void> {
    const waiter = this.slotWaiters.releasing(endpointId);
    if (waiter) {
      let handed = { handedOver: false, waiter: null as string | null };
      try {
        handed = await this.limiter.handOver(endpointId, deliveryId, waiter.deliveryId, Date.now() + this.settings.deliveryLeaseMs, this.settings.endpointMaxInFlight);
      } catch (error) {
        // The waiter is put off instead; a slot the script may have handed over frees itself when its lease ends.
        this.logger.warn(`could not hand the in-flight slot of ${deliveryId} over: ${(error as Error).message}`);
      }
      waiter.settle(handed.handedOver);
      try {
        await this.wake(endpointId, handed.waiter);
      } catch (error) {
        this.logger.warn(`could not wake a delivery waiting for ${endpointId}: ${(error as Error).message}`);
      }
      return;
    }
    try {
      await this.wake(endpointId, await this.limiter.release(endpointId, deliveryId));
    } catch (error) {
      // The slot frees itself when the lease ends, and a waiting job runs when its delay ends:
      // a Redis hiccup here only slows this endpoint down.
      this.logger.warn(`could not free the in-flight slot of ${deliveryId}: ${(error as Error).message}`);
    }
  }

  /** Promotes a waiting job (delayed in Bull) so it runs now; skips waiters that already ran. */
  private async wake(endpointId: string, first: string | null): Promise<void> {
    let waiter = first;
    for (let tries = 0; waiter && tries < MAX_WAKE_TRIES; tries++) {
      const job = await this.queue.deliveryQueue.getJob(waiter);
      if (job && (await job.promote().then(() => true, () => false))) return;
      waiter = await this.limiter.nextWaiter(endpointId);
    }
  }

  /** Returns a claimed delivery to Pending at once, after an error before anything was sent. */
  private async giveBack(claim: ClaimedDelivery): Promise<void> {
    try {
      await this.repository.defer(claim, 0);
    } catch (error) {
      this.logger.warn(`could not give back ${deliveryJobId(claim.id, claim.attemptsBefore + 1)}; its lease will expire: ${(error as Error).message}`);
    }
  }
}
