import { Inject, Injectable, Logger } from '@nestjs/common';
import { TriggerType } from '@switchyard/db';
import type { TurnJobData } from '@switchyard/events';
import type { BeginResult, EndpointScheduler, TurnJob, WorkQueue } from '@switchyard/scheduler';
import type { Job } from 'bull';
import { DISPATCHER_SETTINGS, type DispatcherSettings } from '../../config/dispatcher-settings.js';
import { DeliveryPipeline } from '../delivery/delivery.pipeline.js';
import { DeliveryMetrics, type TurnOutcome } from '../delivery/delivery.metrics.js';
import { DeliveryRepository, type ClaimBatch } from '../delivery/delivery.repository.js';
import { ENDPOINT_SCHEDULER, WORK_QUEUE } from '../common/engine.tokens.js';
import { EndpointRates } from './endpoint-rates.js';

/** A turn whose claim failed (PostgreSQL unreachable) comes back after this long. */
const FAILED_TURN_RETRY_MS = 1_000;

/**
 * One endpoint's turn (queue `turns`): the ring holds at most one live turn per endpoint with
 * work, so endpoints are served round robin, whatever their backlogs. A turn
 * 1. asks the scheduler how much the endpoint may send now (free slots of its adaptive limit,
 *    its circuit, its paced rate, and this process's room), one script;
 * 2. claims that many due deliveries, oldest first, in one statement;
 * 3. hands them to the senders (it does not wait for them: a slow or hanging endpoint holds
 *    sockets, never turn workers);
 * 4. puts the endpoint back at the end of the ring, parks it (a limit, or work due later) or
 *    lets it go idle, one script.
 * A stale job (not the endpoint's live turn) does nothing.
 */
@Injectable()
export class TurnProcessor {
  private readonly logger = new Logger('Turns');
  /** Turns run at once without a queue job (see runNow), and their promises (shutdown waits for them). */
  private readonly direct = new Set<Promise<unknown>>();

  constructor(
    @Inject(DISPATCHER_SETTINGS) private readonly settings: DispatcherSettings,
    @Inject(ENDPOINT_SCHEDULER) private readonly scheduler: EndpointScheduler,
    @Inject(WORK_QUEUE) private readonly work: WorkQueue,
    private readonly repository: DeliveryRepository,
    private readonly pipeline: DeliveryPipeline,
    private readonly rates: EndpointRates,
    private readonly metrics: DeliveryMetrics,
  ) {}

  /** Bull handler. */
  async process(job: Job<TurnJobData>): Promise<TurnOutcome> {
    const outcome = await this.take(job.data.endpointId, job.data.gen);
    this.metrics.turn(outcome);
    return outcome;
  }

  /**
   * The turn of an endpoint that just got work after none, run here at once instead of after a
   * queue round trip (WorkQueue.runNow), while this process has a turn worker's worth of room.
   */
  runNow(job: TurnJob): boolean {
    if (this.direct.size >= this.settings.turnConcurrency || this.pipeline.pool.free === 0) return false;
    const turn = this.take(job.endpointId, job.gen)
      .then((outcome) => this.metrics.turn(outcome))
      .catch((error: unknown) => {
        // its state expires and the reconciler starts it again
        this.metrics.turn('failed');
        this.logger.warn(`turn of ${job.endpointId} failed: ${(error as Error).message}`);
      })
      .finally(() => this.direct.delete(turn));
    this.direct.add(turn);
    return true;
  }

  /** Resolves once the turns run without a queue job have ended. */
  async drainDirect(): Promise<void> {
    await Promise.all([...this.direct]);
  }

  private async take(endpointId: string, gen: number): Promise<TurnOutcome> {
    const want = Math.min(this.settings.turnQuantum, this.pipeline.pool.free);
    const rate = await this.rates.rateOf(endpointId);
    const begun = await this.scheduler.begin(endpointId, gen, want, rate, this.pipeline.handingOn(endpointId));
    switch (begun.kind) {
      case 'stale':
        return 'stale';
      case 'parked':
        await this.work.addTurns([begun.job]);
        return begun.kind;
      case 'requeued':
        // This process is full: the endpoint goes back to the ring for any replica, and this
        // worker takes no other turn until the senders have drained to half.
        await this.work.addTurns([begun.job]);
        await this.pipeline.pool.roomy();
        return begun.kind;
    }
    const beganAt = Date.now();
    const slots = begun.kind === 'send' ? begun.slots : [];
    const ahead = begun.kind === 'send' ? this.claimAhead(begun, rate, want) : 0;
    const asked = begun.kind === 'open' ? begun.n : slots.length + ahead;
    if (asked === 0) {
      // Every slot taken and nothing to claim ahead: back to waiting for a slot.
      await this.end(endpointId, gen, begun, 1, 1, null, rate, []);
      return 'parked';
    }
    let batch: ClaimBatch;
    try {
      batch = await this.repository.claim(endpointId, asked, this.settings.deliveryLeaseMs, this.settings.deliveryInlinePayloadBytes);
    } catch (error) {
      await this.end(
        endpointId,
        gen,
        begun,
        0,
        asked,
        null,
        rate,
        slots.map((s) => s.token),
        FAILED_TURN_RETRY_MS,
      );
      this.logger.warn(`turn of ${endpointId} could not claim (it comes back in ${FAILED_TURN_RETRY_MS} ms): ${(error as Error).message}`);
      return 'failed';
    }
    let openForMs = begun.kind === 'open' ? begun.openForMs : undefined;
    if (begun.kind === 'open' && batch.deliveries.some((d) => d.trigger === TriggerType.Manual)) openForMs = await this.openStill(endpointId);
    if (begun.kind === 'open' && openForMs === undefined) {
      // A person asked for an attempt (resend, recover) between BEGIN and the claim: their probe
      // goes first. Given back due now, so the endpoint comes round again at once.
      await this.repository.giveBack(batch.deliveries);
      await this.end(endpointId, gen, begun, asked, asked, batch.nextDueInMs, rate, []);
      return 'circuit-open';
    }
    const claimedAt = Date.now();
    const claimedRate = batch.endpoint?.rateLimit ?? null;
    this.rates.remember(endpointId, claimedRate);
    let deliveries = batch.deliveries;
    // Beyond the admitted slots: claimed ahead, to wait here for this endpoint's slots to free.
    const waiting = deliveries.slice(slots.length);
    deliveries = deliveries.slice(0, Math.max(slots.length, begun.kind === 'open' ? deliveries.length : 0));
    let gaveBack = false;
    if (begun.kind === 'send' && tighter(rate, claimedRate) && deliveries.length > 1) {
      // The rate changed since this process last read it: send one now, the rest at the new pace.
      const back = deliveries.slice(1);
      deliveries = deliveries.slice(0, 1);
      await this.repository.giveBack(back);
      gaveBack = true;
    }
    deliveries.forEach((delivery, i) => {
      const slot = slots[i] ?? null;
      this.pipeline.submit({
        delivery,
        slot,
        notBefore: beganAt + (slot?.offsetMs ?? 0),
        claimedAt,
        ...(openForMs !== undefined ? { openForMs } : {}),
      });
    });
    if (begun.kind === 'send' && waiting.length > 0) {
      if (gaveBack) await this.repository.giveBack(waiting);
      else this.pipeline.hold(waiting, claimedAt, this.maxWaitMs);
    }
    // Given back: due now, so the endpoint must come round again (as if it had taken all it asked for).
    const taken = gaveBack ? asked : deliveries.length + waiting.length + batch.endedDisabled;
    await this.end(
      endpointId,
      gen,
      begun,
      taken,
      asked,
      batch.nextDueInMs,
      rate,
      slots.slice(deliveries.length).map((s) => s.token),
    );
    return begun.kind === 'open' ? 'circuit-open' : 'sent';
  }

  /** After an open-circuit claim took a Manual delivery: how long the circuit stays open, or undefined if no longer (see DeliveryCommands). */
  private async openStill(endpointId: string): Promise<number | undefined> {
    try {
      return (await this.scheduler.stillOpen(endpointId)) ?? undefined;
    } catch (error) {
      this.logger.warn(`turn of ${endpointId} could not re-read its circuit (the claim is given back): ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Longest a delivery claimed ahead waits in the process for a slot before it is given back. */
  private get maxWaitMs(): number {
    return Math.min(Math.max(1_000, 5 * this.settings.endpointPrefetchMs), Math.floor(this.settings.deliveryLeaseMs / 3));
  }

  /**
   * How many deliveries beyond its free slots a busy endpoint's turn claims: what its slots are
   * expected to free within ENDPOINT_PREFETCH_MS (limit × that / response time), within the
   * turn's quantum. None for a paced (rate-limited) endpoint, a probe, or before the endpoint's
   * first answer.
   */
  private claimAhead(begun: Extract<BeginResult, { kind: 'send' }>, rate: number | null, want: number): number {
    const window = this.settings.endpointPrefetchMs;
    if (window <= 0 || begun.limitedBy !== 'conc' || begun.circuit !== 'closed' || rate || begun.rttMs === null) return 0;
    const expected = Math.floor((begun.limit * window) / Math.max(1, begun.rttMs));
    return Math.max(0, Math.min(want - begun.slots.length, expected));
  }

  private async end(
    endpointId: string,
    gen: number,
    begun: Extract<BeginResult, { kind: 'send' | 'open' }>,
    claimed: number,
    asked: number,
    nextDueInMs: number | null,
    rate: number | null,
    unusedTokens: string[],
    retryInMs?: number,
  ): Promise<void> {
    const next = await this.scheduler.end({
      endpointId,
      gen,
      claimed,
      asked,
      limitedBy: begun.kind === 'send' ? begun.limitedBy : '',
      nextDueInMs,
      tat: begun.kind === 'send' ? begun.tat : '',
      ratePerSecond: rate,
      unusedTokens,
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    });
    if (next) await this.work.addTurns([next]);
  }
}

/** Whether a rate read now allows less than the one a turn was admitted under. */
function tighter(before: number | null, now: number | null): boolean {
  if (now === null) return false;
  return before === null || now < before;
}
