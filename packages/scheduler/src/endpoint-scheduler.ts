import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { BEGIN, BEGIN_PLAIN, END, FORCE, INSPECT, NOTIFY, PROBE_NOW, RELEASE, STILL_OPEN } from './scripts.js';

/** The limits and timings of the scheduler (the dispatcher's settings; the defaults suit a publisher that only notifies). */
export interface SchedulerLimits {
  /** Sends in flight to one endpoint at most, over every replica (ENDPOINT_MAX_IN_FLIGHT): the ceiling of the adaptive limit. */
  readonly maxInFlight: number;
  /** Where an endpoint's adaptive limit starts (new, after a Redis wipe, or after its circuit closes); it doubles per round trip from there. */
  readonly initialLimit: number;
  /** Consecutive unhealthy attempts (no answer, 429, 502, 503, 504) that open the circuit. */
  readonly failureThreshold: number;
  /** How long a circuit stays open the first time; it doubles after each failed probe, up to maxOpenMs. */
  readonly openMs: number;
  readonly maxOpenMs: number;
  /** A half-open probe's slot is held at most this long (the attempt timeout and some slack). */
  readonly probeTtlMs: number;
  /** A send's slot frees itself this long after the send was due to start (the delivery lease). */
  readonly tokenLeaseMs: number;
  /** Paced rate: each start is (1000 + marginMs) / rateLimit ms after the previous one, so no sliding second holds more than rateLimit. */
  readonly rateMarginMs: number;
  /** Paced starts are reserved at most this far ahead per turn. */
  readonly rateHorizonMs: number;
  /** Starts allowed back to back at the rate's full speed (1: strictly paced). */
  readonly rateBurst: number;
  /** A running turn that has not ended after this long is considered lost. */
  readonly turnLeaseMs: number;
  /** A queued turn that has not started after this long is considered lost. */
  readonly queuedStaleMs: number;
  /** An endpoint parked because every slot was taken is woken by the next release; this bounds a lost wake-up. */
  readonly parkConcMs: number;
  /** A parked endpoint is woken when at least this fraction of its limit is free (fewer, larger turns). */
  readonly wakeFraction: number;
  /** The state of an endpoint nobody touched for this long expires (it is soft: losing it resets limits and circuit). */
  readonly stateTtlMs: number;
}

export const DEFAULT_LIMITS: SchedulerLimits = {
  maxInFlight: 50,
  initialLimit: 10,
  failureThreshold: 5,
  openMs: 5_000,
  maxOpenMs: 300_000,
  probeTtlMs: 17_000,
  tokenLeaseMs: 30_000,
  rateMarginMs: 50,
  rateHorizonMs: 1_000,
  rateBurst: 1,
  turnLeaseMs: 30_000,
  queuedStaleMs: 60_000,
  parkConcMs: 5_000,
  wakeFraction: 1 / 8,
  stateTtlMs: 48 * 3600_000,
};

/** A turn job to add to the `turns` queue: the caller adds it (it is the one live turn of the endpoint). */
export interface TurnJob {
  readonly endpointId: string;
  readonly epoch: string;
  readonly gen: number;
  readonly delayMs: number;
  /**
   * Why the endpoint is parked, when it is: `conc` (every slot taken) needs no job, since the
   * release that frees a slot wakes it (the reconciler backs that up); the others do.
   */
  readonly why?: 'time' | 'conc' | 'rate' | 'probe';
}

/** One admitted send: its in-flight slot, and when it may start (ms from now). */
export interface Slot {
  readonly token: string;
  readonly offsetMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** What a turn may do, decided in one script. */
export type BeginResult =
  /** Another job is the endpoint's live turn: do nothing. */
  | { readonly kind: 'stale' }
  /** Nothing may be sent now (every slot taken, rate, a probe out): the endpoint is parked until `job`. */
  | { readonly kind: 'parked'; readonly job: TurnJob; readonly why: 'conc' | 'rate' | 'probe' }
  /** This process has no room: the turn goes back to the ring for any replica. */
  | { readonly kind: 'requeued'; readonly job: TurnJob }
  /** Send up to slots.length due deliveries, each not before its offset. */
  | {
      readonly kind: 'send';
      readonly slots: readonly Slot[];
      readonly limitedBy: '' | 'conc' | 'rate' | 'probe';
      readonly tat: string;
      readonly circuit: CircuitState;
      /** The Redis clock (ms) the offsets count from. */
      readonly clockMs: number;
      /** The endpoint's smoothed response time (ms), or null before its first success. */
      readonly rttMs: number | null;
      /** Its adaptive limit of sends in flight now. */
      readonly limit: number;
    }
  /** The circuit is open: up to `n` due deliveries are recorded as not sent (their retries go on). */
  | { readonly kind: 'open'; readonly n: number; readonly openForMs: number };

export interface EndInput {
  readonly endpointId: string;
  readonly gen: number;
  /** Deliveries the turn claimed. */
  readonly claimed: number;
  /** What it asked for: the slots admitted, or `n` when the circuit was open. */
  readonly asked: number;
  readonly limitedBy: '' | 'conc' | 'rate' | 'probe';
  /** When the endpoint's next delivery that is not due yet becomes due (ms from now), if any. */
  readonly nextDueInMs: number | null;
  /** BEGIN's `tat` (paced starts) and the rate it was admitted under. */
  readonly tat: string;
  readonly ratePerSecond: number | null;
  /** Slots admitted but not used (fewer deliveries were due than admitted). */
  readonly unusedTokens: readonly string[];
  /** The turn failed (database error): come back after this long. */
  readonly retryInMs?: number;
}

/** How a send went, as the limits see it. */
export type SendOutcome =
  /** 2xx. */
  | 'ok'
  /** No answer (timeout, refused, reset, DNS, TLS), or 429/502/503/504: the endpoint is overloaded or down. */
  | 'drop'
  /** Any other status: the endpoint answered. */
  | 'answer'
  /** Not sent (given back): only the slot is freed. */
  | 'none';

export interface Release {
  readonly endpointId: string;
  readonly token: string;
  readonly outcome: SendOutcome;
  readonly durationMs: number;
  /** Keep the slot for another delivery of the endpoint this process holds (granted only while it is healthy and within its limit). */
  readonly reuse?: boolean;
}

/** The limits of one endpoint after a release (for metrics). */
export interface EndpointHealth {
  readonly endpointId: string;
  readonly circuit: CircuitState;
  readonly limit: number;
  readonly inFlight: number;
  readonly consecutiveFailures: number;
  readonly openForMs: number;
}

/** An endpoint's whole state (stats, the reconciler). */
export interface EndpointState extends EndpointHealth {
  /** The turn ring: idle, queued, running, parked; `unknown` when Redis holds no state for it. */
  readonly ring: 'idle' | 'queued' | 'running' | 'parked' | 'unknown';
  readonly gen: number;
  readonly epoch: string;
  /** For queued and running: ms until the state counts as lost; for parked: until its job fires; -1 when none. */
  readonly untilInMs: number;
  readonly parkedFor: string;
}

const CIRCUIT: Record<string, CircuitState> = { c: 'closed', o: 'open', h: 'half-open' };
const RING: Record<string, EndpointState['ring']> = { i: 'idle', q: 'queued', r: 'running', p: 'parked', '': 'unknown' };

type ScriptRedis = (Redis | Cluster) & {
  syNotify(state: string, ...args: (string | number)[]): Promise<[number, number, string, number]>;
  syBegin(state: string, inflight: string, ...args: (string | number)[]): Promise<(string | number)[]>;
  syEnd(state: string, inflight: string, ...args: (string | number)[]): Promise<[number, number, string, number, string]>;
  syRelease(state: string, inflight: string, ...args: (string | number)[]): Promise<(string | number)[]>;
  syForce(state: string, ...args: (string | number)[]): Promise<[number, number, string, number]>;
  syInspect(state: string, inflight: string): Promise<[string, number, string, number, string, string, string, number, number, number]>;
  syProbeNow(state: string): Promise<number>;
  syStillOpen(state: string): Promise<number>;
  syBeginPlain(state: string, ...args: (string | number)[]): Promise<number>;
};

const newEpoch = () => randomBytes(4).toString('hex');

/**
 * The delivery work list's Redis side. Per endpoint it keeps the turn ring's state (a turn job is
 * queued, running, parked or none) and the endpoint's limits (in-flight slots, an adaptive
 * concurrency limit, a circuit breaker with half-open probes, a paced rate), each change one Lua
 * script (see scripts.ts). PostgreSQL stays the truth about what is due; this only decides whose
 * turn it is and how much each turn may send. Publishers call `notify`; the engine calls the rest.
 *
 * The client should pipeline on its own (ioredis `enableAutoPipelining`): calls made in one tick
 * then share a round trip, per node on a cluster.
 */
export class EndpointScheduler {
  private readonly redis: ScriptRedis;
  readonly limits: SchedulerLimits;
  private turnCounter = 0;
  private readonly processTag = randomBytes(3).toString('hex');

  constructor(
    /** One Redis, or a Redis Cluster: every script touches only one endpoint's keys, which share a hash tag. */
    redis: Redis | Cluster,
    private readonly prefix: string,
    limits: Partial<SchedulerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    if (!('syNotify' in redis)) {
      redis.defineCommand('syNotify', { numberOfKeys: 1, lua: NOTIFY });
      redis.defineCommand('syBegin', { numberOfKeys: 2, lua: BEGIN });
      redis.defineCommand('syEnd', { numberOfKeys: 2, lua: END });
      redis.defineCommand('syRelease', { numberOfKeys: 2, lua: RELEASE });
      redis.defineCommand('syForce', { numberOfKeys: 1, lua: FORCE });
      redis.defineCommand('syInspect', { numberOfKeys: 2, lua: INSPECT });
      redis.defineCommand('syProbeNow', { numberOfKeys: 1, lua: PROBE_NOW });
      redis.defineCommand('syStillOpen', { numberOfKeys: 1, lua: STILL_OPEN });
      redis.defineCommand('syBeginPlain', { numberOfKeys: 1, lua: BEGIN_PLAIN });
    }
    this.redis = redis as ScriptRedis;
  }

  /** The endpoint's state hash (the hash tag keeps its keys in one cluster slot). */
  stateKey(endpointId: string): string {
    return `${this.prefix}:ep:{${endpointId}}`;
  }

  inflightKey(endpointId: string): string {
    return `${this.prefix}:ep:{${endpointId}}:if`;
  }

  /**
   * Work of these endpoints is due after `delayMs` (0: now; the earliest per endpoint counts).
   * Answers the turn jobs to add: one per endpoint that had no turn coming soon enough.
   */
  async notify(items: readonly { readonly endpointId: string; readonly delayMs: number }[]): Promise<TurnJob[]> {
    return this.notifyRing((id) => this.stateKey(id), items);
  }

  /**
   * This process hands these endpoints' slots on and is running short of their deliveries: an
   * endpoint parked only because every slot is taken gets a turn now (to claim ahead).
   */
  async refill(endpointIds: readonly string[]): Promise<TurnJob[]> {
    return this.notifyRing(
      (id) => this.stateKey(id),
      endpointIds.map((endpointId) => ({ endpointId, delayMs: 0 })),
      true,
    );
  }

  private async notifyRing(keyOf: (id: string) => string, items: readonly { readonly endpointId: string; readonly delayMs: number }[], refill = false): Promise<TurnJob[]> {
    const earliest = new Map<string, number>();
    for (const { endpointId, delayMs } of items) {
      const d = Math.max(0, Math.round(delayMs));
      const known = earliest.get(endpointId);
      if (known === undefined || d < known) earliest.set(endpointId, d);
    }
    const { queuedStaleMs, stateTtlMs } = this.limits;
    const answers = await Promise.all(
      [...earliest].map(([endpointId, delayMs]) => this.redis.syNotify(keyOf(endpointId), delayMs, queuedStaleMs, stateTtlMs, newEpoch(), refill ? 1 : 0).then((r) => ({ endpointId, r }))),
    );
    return answers.filter(({ r }) => Number(r[0]) === 1).map(({ endpointId, r }) => ({ endpointId, gen: Number(r[1]), epoch: String(r[2]), delayMs: Number(r[3]) }));
  }

  /** A turn job starts: is it the live one, and how much may it send? */
  async begin(endpointId: string, gen: number, want: number, ratePerSecond: number | null, held = 0): Promise<BeginResult> {
    const l = this.limits;
    const prefix = `${this.processTag}.${(this.turnCounter = (this.turnCounter + 1) % 1e9)}`;
    const r = await this.redis.syBegin(
      this.stateKey(endpointId),
      this.inflightKey(endpointId),
      gen,
      Math.max(0, Math.floor(want)),
      prefix,
      ratePerSecond && ratePerSecond > 0 ? ratePerSecond : 0,
      l.rateBurst,
      l.rateMarginMs,
      l.rateHorizonMs,
      l.tokenLeaseMs,
      l.maxInFlight,
      Math.min(l.initialLimit, l.maxInFlight),
      l.turnLeaseMs,
      l.parkConcMs,
      l.probeTtlMs,
      l.queuedStaleMs,
      l.stateTtlMs,
      Math.max(0, Math.floor(held)),
    );
    switch (Number(r[0])) {
      case 0:
        return { kind: 'stale' };
      case 1:
        return {
          kind: 'parked',
          job: { endpointId, gen: Number(r[1]), epoch: String(r[2]), delayMs: Number(r[3]), why: String(r[4]) as 'conc' | 'rate' | 'probe' },
          why: String(r[4]) as 'conc' | 'rate' | 'probe',
        };
      case 2: {
        const n = Number(r[1]);
        const slots = Array.from({ length: n }, (_, i) => ({ token: `${prefix}:${i + 1}`, offsetMs: Number(r[8 + i]) }));
        const rtt = Number(r[6]);
        return {
          kind: 'send',
          slots,
          limitedBy: String(r[2]) as '' | 'conc' | 'rate' | 'probe',
          tat: String(r[3] ?? ''),
          circuit: CIRCUIT[String(r[4])] ?? 'closed',
          clockMs: Number(r[5]),
          rttMs: rtt >= 0 ? rtt : null,
          limit: Number(r[7]),
        };
      }
      case 3:
        return { kind: 'open', n: Number(r[1]), openForMs: Number(r[2]) };
      default:
        return { kind: 'requeued', job: { endpointId, gen: Number(r[1]), epoch: String(r[2]), delayMs: 0 } };
    }
  }

  /** A turn ends: answers the endpoint's next turn job, if it needs one. */
  async end(input: EndInput): Promise<TurnJob | null> {
    const l = this.limits;
    const rate = input.ratePerSecond && input.ratePerSecond > 0 ? input.ratePerSecond : 0;
    const r = await this.redis.syEnd(
      this.stateKey(input.endpointId),
      this.inflightKey(input.endpointId),
      input.gen,
      input.claimed,
      input.asked,
      input.limitedBy,
      input.nextDueInMs === null ? -1 : Math.max(0, Math.round(input.nextDueInMs)),
      input.tat,
      rate > 0 ? (1000 + l.rateMarginMs) / rate : 0,
      l.rateBurst,
      l.rateHorizonMs,
      Math.min(l.initialLimit, l.maxInFlight),
      l.wakeFraction,
      l.parkConcMs,
      l.queuedStaleMs,
      l.stateTtlMs,
      input.retryInMs === undefined ? -1 : Math.max(0, Math.round(input.retryInMs)),
      ...input.unusedTokens,
    );
    if (Number(r[0]) !== 1) return null;
    const why = String(r[4] ?? '');
    return { endpointId: input.endpointId, gen: Number(r[1]), epoch: String(r[2]), delayMs: Number(r[3]), ...(why ? { why: why as TurnJob['why'] } : {}) };
  }

  /**
   * Sends finished (or were not made): frees their slots and adapts each endpoint's limit and
   * circuit. Answers the turn jobs to add (endpoints woken) and each endpoint's health.
   */
  async release(items: readonly Release[]): Promise<{ jobs: TurnJob[]; health: EndpointHealth[]; reused: ReadonlySet<string> }> {
    const byEndpoint = new Map<string, Release[]>();
    for (const item of items) {
      const list = byEndpoint.get(item.endpointId) ?? [];
      list.push(item);
      byEndpoint.set(item.endpointId, list);
    }
    const l = this.limits;
    const answers = await Promise.all(
      [...byEndpoint].map(([endpointId, list]) =>
        this.redis
          .syRelease(
            this.stateKey(endpointId),
            this.inflightKey(endpointId),
            l.maxInFlight,
            Math.min(l.initialLimit, l.maxInFlight),
            l.wakeFraction,
            l.failureThreshold,
            l.openMs,
            l.maxOpenMs,
            l.queuedStaleMs,
            l.stateTtlMs,
            l.tokenLeaseMs,
            ...list.flatMap((x) => [x.token, x.outcome, Math.max(0, Math.round(x.durationMs)), x.reuse ? 1 : 0]),
          )
          .then((r) => ({ endpointId, list, r })),
      ),
    );
    const jobs: TurnJob[] = [];
    const health: EndpointHealth[] = [];
    const reused = new Set<string>();
    for (const { endpointId, list, r } of answers) {
      list.forEach((x, i) => {
        if (Number(r[8 + i]) === 1) reused.add(x.token);
      });
      if (Number(r[0]) === 1) jobs.push({ endpointId, gen: Number(r[1]), epoch: String(r[2]), delayMs: 0 });
      health.push({
        endpointId,
        circuit: CIRCUIT[String(r[3])] ?? 'closed',
        limit: Number(r[4]),
        inFlight: Number(r[5]),
        consecutiveFailures: Number(r[6]),
        openForMs: Number(r[7]),
      });
    }
    return { jobs, health, reused };
  }

  /** Starts a turn for each endpoint whatever its state (the reconciler: its turn was lost). */
  async force(endpointIds: readonly string[]): Promise<TurnJob[]> {
    return this.forceRing((id) => this.stateKey(id), endpointIds);
  }

  private async forceRing(keyOf: (id: string) => string, endpointIds: readonly string[]): Promise<TurnJob[]> {
    const { queuedStaleMs, stateTtlMs } = this.limits;
    return Promise.all(
      [...new Set(endpointIds)].map((endpointId) =>
        this.redis.syForce(keyOf(endpointId), queuedStaleMs, stateTtlMs, newEpoch()).then((r) => ({ endpointId, gen: Number(r[1]), epoch: String(r[2]), delayMs: 0 })),
      ),
    );
  }

  /**
   * A person asked for attempts now (resend, recover): an open circuit of this endpoint lets its
   * probe through at the next turn instead of at the end of its open time. Answers whether it was open.
   */
  async probeNow(endpointId: string): Promise<boolean> {
    return (await this.redis.syProbeNow(this.stateKey(endpointId))) === 1;
  }

  /**
   * Asked by a turn the circuit was open for, after it claimed a Manual delivery: is it open still?
   * Answers how long it stays open (ms), or null when a person's probeNow (or the end of its open
   * time) has let a probe through since; then the turn gives its claim back instead of recording
   * the attempts as not sent.
   */
  async stillOpen(endpointId: string): Promise<number | null> {
    const ms = Number(await this.redis.syStillOpen(this.stateKey(endpointId)));
    return ms < 0 ? null : ms;
  }

  /** Reads endpoints' states. */
  async inspect(endpointIds: readonly string[]): Promise<EndpointState[]> {
    return this.inspectRing(
      (id) => this.stateKey(id),
      (id) => this.inflightKey(id),
      endpointIds,
    );
  }

  private async inspectRing(keyOf: (id: string) => string, inflightOf: (id: string) => string, endpointIds: readonly string[]): Promise<EndpointState[]> {
    return Promise.all(
      endpointIds.map(async (endpointId) => {
        const r = await this.redis.syInspect(keyOf(endpointId), inflightOf(endpointId));
        const limit = r[5] === '' ? Math.min(this.limits.initialLimit, this.limits.maxInFlight) : Number(r[5]);
        return {
          endpointId,
          ring: RING[String(r[0])] ?? 'unknown',
          gen: Number(r[1]),
          epoch: String(r[2]),
          untilInMs: Number(r[3]),
          parkedFor: String(r[4]),
          limit,
          circuit: CIRCUIT[String(r[6])] ?? 'closed',
          openForMs: Number(r[7]),
          consecutiveFailures: Number(r[8]),
          inFlight: Number(r[9]),
        };
      }),
    );
  }

  // An application's fan-out ring: the same turn states (one live fan-out turn per application
  // with messages to fan out, round robin over applications), without limits. `endpointId` in
  // the answers is the application's id.

  /** An application's fan-out state key. */
  appStateKey(appId: string): string {
    return `${this.prefix}:app:{${appId}}`;
  }

  private appInflightKey(appId: string): string {
    return `${this.prefix}:app:{${appId}}:if`;
  }

  /** These applications have messages to fan out: answers the fan-out turn jobs to add. */
  notifyApps(appIds: readonly string[]): Promise<TurnJob[]> {
    return this.notifyRing(
      (id) => this.appStateKey(id),
      appIds.map((id) => ({ endpointId: id, delayMs: 0 })),
    );
  }

  /** A fan-out turn starts: false when it is stale. */
  async beginApp(appId: string, gen: number): Promise<boolean> {
    return (await this.redis.syBeginPlain(this.appStateKey(appId), gen, this.limits.turnLeaseMs, this.limits.stateTtlMs)) === 1;
  }

  /** A fan-out turn ends: `more` puts the application back at the end of the ring. */
  async endApp(appId: string, gen: number, more: boolean, retryInMs?: number): Promise<TurnJob | null> {
    const l = this.limits;
    const r = await this.redis.syEnd(
      this.appStateKey(appId),
      this.appInflightKey(appId),
      gen,
      more ? 1 : 0,
      1,
      '',
      -1,
      '',
      0,
      1,
      l.rateHorizonMs,
      1,
      l.wakeFraction,
      l.parkConcMs,
      l.queuedStaleMs,
      l.stateTtlMs,
      retryInMs === undefined ? -1 : Math.max(0, Math.round(retryInMs)),
    );
    return Number(r[0]) === 1 ? { endpointId: appId, gen: Number(r[1]), epoch: String(r[2]), delayMs: Number(r[3]) } : null;
  }

  forceApps(appIds: readonly string[]): Promise<TurnJob[]> {
    return this.forceRing((id) => this.appStateKey(id), appIds);
  }

  inspectApps(appIds: readonly string[]): Promise<EndpointState[]> {
    return this.inspectRing(
      (id) => this.appStateKey(id),
      (id) => this.appInflightKey(id),
      appIds,
    );
  }
}
