import type { Queue } from 'bull';

/** The ioredis client type, as Bull exposes it (ioredis is Bull's dependency, not ours). */
type Redis = Queue['client'];

/**
 * Per-endpoint limits shared by every dispatcher replica, kept in Redis:
 * - in flight: a sorted set of the deliveries being sent to the endpoint, scored by the end of
 *   their lease, so a crashed sender's slot frees itself when its lease runs out;
 * - waiting: the jobs put off because every slot was taken; each release wakes the oldest, so a
 *   busy endpoint's backlog moves as fast as its slots free up, without polling;
 * - rate: a counter per endpoint per wall-clock second (`rateLimit` messages per second).
 * One script per acquire and per release. Redis state here is soft: losing it only resets the
 * counters (a put-off job still runs when its own delay ends).
 */
const ACQUIRE = `
local inflight, rate, waiting = KEYS[1], KEYS[2], KEYS[3]
local now, leaseEnd, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local maxInFlight, perSecond, waiter, waitingTtl = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
redis.call('ZREM', inflight, member)
if redis.call('ZCARD', inflight) >= maxInFlight then
  redis.call('RPUSH', waiting, waiter)
  redis.call('LTRIM', waiting, -10000, -1)
  redis.call('PEXPIRE', waiting, waitingTtl)
  return {1, 0}
end
if perSecond > 0 then
  local n = redis.call('INCR', rate)
  if n == 1 then redis.call('PEXPIRE', rate, 2000) end
  if n > perSecond then return {2, n} end
end
redis.call('ZADD', inflight, leaseEnd, member)
redis.call('PEXPIRE', inflight, math.max(1000, leaseEnd - now))
return {0, 0}
`;

/** Frees a slot and hands back the oldest waiting job (if any) to wake. */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('LPOP', KEYS[2])
`;

/** Why an attempt may not start now, and when to try again. */
export type Permit = { readonly granted: true } | { readonly granted: false; readonly reason: 'busy' | 'rate'; readonly retryInMs: number };

export interface AcquireInput {
  readonly endpointId: string;
  /** The delivery taking the slot (unique among in-flight attempts: one sender per delivery). */
  readonly deliveryId: string;
  readonly leaseEndMs: number;
  readonly maxInFlight: number;
  /** Messages per second; null or 0 means unlimited. */
  readonly ratePerSecond: number | null;
  /** How many times this delivery was already turned away for being busy (backs off). */
  readonly deferrals: number;
  /** The job to wake when a slot frees, should this delivery be turned away for being busy. */
  readonly waiterJobId: string;
}

/**
 * Delay of a job turned away because its endpoint has every slot taken. A release normally wakes
 * it sooner; the delay only bounds a missed wake-up (the job was not in Bull yet when it came).
 */
const BUSY_BASE_MS = 250;
const BUSY_MAX_MS = 5_000;
/** A waiting list nobody touched for this long is dropped. */
const WAITING_TTL_MS = 10 * 60_000;
/** Furthest ahead a rate-limited delivery is pushed in one step. */
const RATE_MAX_WINDOWS_AHEAD = 60;

type LimiterRedis = Redis & {
  switchyardAcquire(inflight: string, rate: string, waiting: string, ...args: (string | number)[]): Promise<[number, number]>;
  switchyardRelease(inflight: string, waiting: string, member: string): Promise<string | null>;
};

/** Enforces ENDPOINT_MAX_IN_FLIGHT and endpoint (or app) rateLimit without Bull's limiter. */
export class EndpointLimiter {
  private readonly redis: LimiterRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly random: () => number = Math.random,
  ) {
    if (!('switchyardAcquire' in redis)) redis.defineCommand('switchyardAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    if (!('switchyardRelease' in redis)) redis.defineCommand('switchyardRelease', { numberOfKeys: 2, lua: RELEASE });
    this.redis = redis as LimiterRedis;
  }

  // The hash tag keeps one endpoint's keys in one cluster slot (the scripts touch several).
  private key(endpointId: string, name: string): string {
    return `${this.keyPrefix}:limits:{${endpointId}}:${name}`;
  }

  /** Takes an in-flight slot (and a rate token) for the delivery, or says when to come back. */
  async acquire(input: AcquireInput, nowMs: number = Date.now()): Promise<Permit> {
    const second = Math.floor(nowMs / 1000);
    const rate = input.ratePerSecond ?? 0;
    const [verdict, count] = await this.redis.switchyardAcquire(
      this.key(input.endpointId, 'inflight'),
      this.key(input.endpointId, `rate:${second}`),
      this.key(input.endpointId, 'waiting'),
      nowMs,
      input.leaseEndMs,
      input.deliveryId,
      input.maxInFlight,
      rate,
      input.waiterJobId,
      WAITING_TTL_MS,
    );
    if (verdict === 0) return { granted: true };
    if (verdict === 1) {
      const backoff = Math.min(BUSY_MAX_MS, BUSY_BASE_MS * 2 ** Math.min(input.deferrals, 10));
      return { granted: false, reason: 'busy', retryInMs: Math.round(backoff * (1 + this.random() / 2)) };
    }
    // The n-th request of this second goes to the window it would get in a queue served `rate`
    // per second, so a backlog spreads over the seconds ahead instead of all retrying at once.
    const windowsAhead = Math.min(RATE_MAX_WINDOWS_AHEAD, Math.ceil((count - rate) / rate));
    const nextWindowMs = (second + windowsAhead) * 1000 - nowMs;
    return { granted: false, reason: 'rate', retryInMs: nextWindowMs + Math.round(this.random() * 50) };
  }

  /** Frees the delivery's slot; returns the id of the oldest job waiting for one, to wake. */
  async release(endpointId: string, deliveryId: string): Promise<string | null> {
    return this.redis.switchyardRelease(this.key(endpointId, 'inflight'), this.key(endpointId, 'waiting'), deliveryId);
  }

  /** Takes the next waiting job id without freeing anything (when the one released was already gone). */
  async nextWaiter(endpointId: string): Promise<string | null> {
    return this.redis.lpop(this.key(endpointId, 'waiting'));
  }
}
