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
 * One script per step. Redis state here is soft: losing it only resets the counters (a put-off
 * job still runs when its own delay ends).
 */
const TAKE_SLOT = `
local inflight = KEYS[1]
local now, leaseEnd, member, maxInFlight = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
-- Held already (a duplicate job of a delivery being sent): leave the holder's slot alone.
if redis.call('ZSCORE', inflight, member) then return 2 end
if redis.call('ZCARD', inflight) >= maxInFlight then return 0 end
redis.call('ZADD', inflight, leaseEnd, member)
redis.call('PEXPIRE', inflight, math.max(1000, leaseEnd - now))
return 1
`;

/**
 * Registers a job (already in Bull) to be woken when a slot frees. If one freed while the job was
 * being put off (its release found nobody to wake), hands back the oldest waiter to wake now, so
 * no wake-up is lost between the refusal and the registration.
 */
const WAIT = `
local inflight, waiting = KEYS[1], KEYS[2]
local now, waiter, maxInFlight, waitingTtl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('RPUSH', waiting, waiter)
redis.call('LTRIM', waiting, -10000, -1)
redis.call('PEXPIRE', waiting, waitingTtl)
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
if redis.call('ZCARD', inflight) < maxInFlight then return redis.call('LPOP', waiting) end
return false
`;

/** Counts one send in this second's window; answers the count. */
const TAKE_TOKEN = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
return n
`;

/** Frees a slot and hands back the oldest waiting job (if any) to wake. */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('LPOP', KEYS[2])
`;

/**
 * Gives one delivery's slot to another (its holder until its lease ends), so no other job can
 * take it in between. Nothing is handed over when the receiving delivery already holds a slot
 * (another job of it is sending), or when the giver held none (its lease ran out) and the
 * endpoint is full. Also pops the oldest job put off in Bull, if any, for the caller to wake: it
 * will wait in its process like the rest, so the put-off list drains. Answers {handed 1|0, waiter}.
 */
const HAND_OVER = `
local inflight, waiting = KEYS[1], KEYS[2]
local from, to, now, leaseEnd, maxInFlight = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local removed = redis.call('ZREM', inflight, from)
local waiter = redis.call('LPOP', waiting)
if redis.call('ZSCORE', inflight, to) then return {0, waiter} end
if removed == 0 then
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
  if redis.call('ZCARD', inflight) >= maxInFlight then return {0, waiter} end
end
redis.call('ZADD', inflight, leaseEnd, to)
redis.call('PEXPIRE', inflight, math.max(1000, leaseEnd - now))
return {1, waiter}
`;
/**
 * Whether an attempt may start now, and if not when to try again. `held`: the delivery already
 * had a slot (another job of it is being sent); such a job must not free the slot it did not take.
 */
export type Permit = { readonly granted: true; readonly held?: boolean } | { readonly granted: false; readonly retryInMs: number };

export interface SlotRequest {
  readonly endpointId: string;
  /** The delivery taking the slot (unique among in-flight attempts: one sender per delivery). */
  readonly deliveryId: string;
  /** When the slot frees itself if its holder dies (the end of the lease it is about to take). */
  readonly leaseEndMs: number;
  readonly maxInFlight: number;
  /** How many times this delivery was already turned away for being busy (backs off). */
  readonly deferrals: number;
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
  switchyardTakeSlot(inflight: string, ...args: (string | number)[]): Promise<number>;
  switchyardWait(inflight: string, waiting: string, ...args: (string | number)[]): Promise<string | null>;
  switchyardTakeToken(window: string): Promise<number>;
  switchyardRelease(inflight: string, waiting: string, member: string): Promise<string | null>;
  switchyardHandOver(inflight: string, waiting: string, ...args: (string | number)[]): Promise<[number, string | null]>;
};

/** Enforces ENDPOINT_MAX_IN_FLIGHT and endpoint (or app) rateLimit without Bull's limiter. */
export class EndpointLimiter {
  private readonly redis: LimiterRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly random: () => number = Math.random,
  ) {
    if (!('switchyardTakeSlot' in redis)) {
      redis.defineCommand('switchyardTakeSlot', { numberOfKeys: 1, lua: TAKE_SLOT });
      redis.defineCommand('switchyardWait', { numberOfKeys: 2, lua: WAIT });
      redis.defineCommand('switchyardTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
      redis.defineCommand('switchyardRelease', { numberOfKeys: 2, lua: RELEASE });
      redis.defineCommand('switchyardHandOver', { numberOfKeys: 2, lua: HAND_OVER });
    }
    this.redis = redis as LimiterRedis;
  }

  // The hash tag keeps one endpoint's keys in one cluster slot (the scripts touch several).
  private key(endpointId: string, name: string): string {
    return `${this.keyPrefix}:limits:{${endpointId}}:${name}`;
  }

  /** Takes an in-flight slot for the delivery, or says how long to wait at most for a wake-up. */
  async takeSlot(input: SlotRequest, nowMs: number = Date.now()): Promise<Permit> {
    const granted = await this.redis.switchyardTakeSlot(
      this.key(input.endpointId, 'inflight'),
      nowMs,
      input.leaseEndMs,
      input.deliveryId,
      input.maxInFlight,
    );
    if (granted === 1) return { granted: true };
    if (granted === 2) return { granted: true, held: true };
    const backoff = Math.min(BUSY_MAX_MS, BUSY_BASE_MS * 2 ** Math.min(input.deferrals, 10));
    return { granted: false, retryInMs: Math.round(backoff * (1 + this.random() / 2)) };
  }

  /**
   * Registers a job, once it is in Bull, to be woken when a slot of the endpoint frees. Returns a
   * waiting job to wake now if a slot is already free, else null.
   */
  async wait(endpointId: string, jobId: string, maxInFlight: number, nowMs: number = Date.now()): Promise<string | null> {
    return this.redis.switchyardWait(this.key(endpointId, 'inflight'), this.key(endpointId, 'waiting'), nowMs, jobId, maxInFlight, WAITING_TTL_MS);
  }

  /** Takes one of this second's `perSecond` sends, or says when the delivery's turn comes. */
  async takeToken(endpointId: string, perSecond: number, nowMs: number = Date.now()): Promise<Permit> {
    const second = Math.floor(nowMs / 1000);
    const count = await this.redis.switchyardTakeToken(this.key(endpointId, `rate:${second}`));
    if (count <= perSecond) return { granted: true };
    // The n-th request of this second goes to the window it would get in a queue served
    // `perSecond` per second, so a backlog spreads over the seconds ahead instead of all retrying at once.
    const windowsAhead = Math.min(RATE_MAX_WINDOWS_AHEAD, Math.ceil((count - perSecond) / perSecond));
    return { granted: false, retryInMs: (second + windowsAhead) * 1000 - nowMs + Math.round(this.random() * 50) };
  }

  /** Frees the delivery's slot; returns the id of the oldest job waiting for one, to wake. */
  async release(endpointId: string, deliveryId: string): Promise<string | null> {
    return this.redis.switchyardRelease(this.key(endpointId, 'inflight'), this.key(endpointId, 'waiting'), deliveryId);
  }

  /**
   * Makes `to` the holder of the slot `from` held, until `leaseEndMs` (see SlotWaiters and
   * HAND_OVER); also answers the oldest job put off in Bull, to wake.
   */
  async handOver(
    endpointId: string,
    from: string,
    to: string,
    leaseEndMs: number,
    maxInFlight: number,
    nowMs: number = Date.now(),
  ): Promise<{ handedOver: boolean; waiter: string | null }> {
    const [handed, waiter] = await this.redis.switchyardHandOver(this.key(endpointId, 'inflight'), this.key(endpointId, 'waiting'), from, to, nowMs, leaseEndMs, maxInFlight);
    return { handedOver: handed === 1, waiter: waiter ?? null };
  }

  /** Takes the next waiting job id without freeing anything (when the one released was already gone). */
  async nextWaiter(endpointId: string): Promise<string | null> {
    return this.redis.lpop(this.key(endpointId, 'waiting'));
  }
}
