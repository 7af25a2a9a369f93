import type { Queue } from 'bull';

/** The ioredis client type, as Bull exposes it (ioredis is Bull's dependency, not ours). */
type Redis = Queue['client'];

/**
 * Per-endpoint limits shared by every dispatcher replica, kept in Redis:
 * - in flight: a sorted set of the deliveries being sent to the endpoint, scored by the end of
 *   their lease, so a crashed sender's slot frees itself when its lease runs out;
 * - rate: a counter per endpoint per wall-clock second (`rateLimit` messages per second).
 * One script, one round trip. Redis state here is soft: losing it only resets the counters.
 */
const ACQUIRE = `
local inflight, rate = KEYS[1], KEYS[2]
local now, leaseEnd, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local maxInFlight, perSecond = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
redis.call('ZREM', inflight, member)
if redis.call('ZCARD', inflight) >= maxInFlight then
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
}

/** Backoff of a delivery turned away because its endpoint has every slot taken. */
const BUSY_BASE_MS = 100;
const BUSY_MAX_MS = 2_000;
/** Furthest ahead a rate-limited delivery is pushed in one step. */
const RATE_MAX_WINDOWS_AHEAD = 60;

type LimiterRedis = Redis & {
  switchyardAcquire(inflight: string, rate: string, ...args: (string | number)[]): Promise<[number, number]>;
};

/** Enforces ENDPOINT_MAX_IN_FLIGHT and endpoint (or app) rateLimit without Bull's limiter. */
export class EndpointLimiter {
  private readonly redis: LimiterRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly random: () => number = Math.random,
  ) {
    if (!('switchyardAcquire' in redis)) redis.defineCommand('switchyardAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    this.redis = redis as LimiterRedis;
  }

  private inflightKey(endpointId: string): string {
    // The hash tag keeps one endpoint's keys in one cluster slot (the script touches two).
    return `${this.keyPrefix}:limits:{${endpointId}}:inflight`;
  }

  /** Takes an in-flight slot (and a rate token) for the delivery, or says when to come back. */
  async acquire(input: AcquireInput, nowMs: number = Date.now()): Promise<Permit> {
    const second = Math.floor(nowMs / 1000);
    const rate = input.ratePerSecond ?? 0;
    const [verdict, count] = await this.redis.switchyardAcquire(
      this.inflightKey(input.endpointId),
      `${this.keyPrefix}:limits:{${input.endpointId}}:rate:${second}`,
      nowMs,
      input.leaseEndMs,
      input.deliveryId,
      input.maxInFlight,
      rate,
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

  /** Frees the delivery's slot. */
  async release(endpointId: string, deliveryId: string): Promise<void> {
    await this.redis.zrem(this.inflightKey(endpointId), deliveryId);
  }
}
