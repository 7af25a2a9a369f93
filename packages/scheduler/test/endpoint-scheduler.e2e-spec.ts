import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { EndpointScheduler, type BeginResult, type SchedulerLimits } from '../src/index.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: Redis;
const prefix = `sy-test-sched-${randomBytes(4).toString('hex')}`;
let n = 0;
/** A fresh endpoint id per test: its keys are its own. */
const endpoint = () => `ep_test${++n}_${randomBytes(3).toString('hex')}`;

function scheduler(limits: Partial<SchedulerLimits> = {}): EndpointScheduler {
  return new EndpointScheduler(redis, prefix, { initialLimit: 4, maxInFlight: 8, ...limits });
}

/** Notifies an idle endpoint and starts its turn: answers the turn's gen and BEGIN's answer. */
async function startTurn(s: EndpointScheduler, ep: string, want: number, rate: number | null = null): Promise<{ gen: number; begun: BeginResult }> {
  const [job] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
  if (!job) throw new Error('no turn job');
  return { gen: job.gen, begun: await s.begin(ep, job.gen, want, rate) };
}

function slotsOf(b: BeginResult) {
  if (b.kind !== 'send') throw new Error(`expected send, got ${b.kind}`);
  return b.slots;
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

describe('EndpointScheduler: the turn ring (real Redis)', () => {
  it('an idle endpoint gets one turn job; more work while it is queued adds none', async () => {
    const s = scheduler();
    const ep = endpoint();
    const first = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    expect(first).toEqual([expect.objectContaining({ endpointId: ep, gen: 1, delayMs: 0 })]);
    expect(
      await s.notify([
        { endpointId: ep, delayMs: 0 },
        { endpointId: ep, delayMs: 0 },
      ]),
    ).toEqual([]);
    const [state] = await s.inspect([ep]);
    expect(state).toMatchObject({ ring: 'queued', gen: 1 });
  });

  it('work due later parks an idle endpoint until then; earlier work moves the wake-up forward', async () => {
    const s = scheduler();
    const ep = endpoint();
    const [later] = await s.notify([{ endpointId: ep, delayMs: 60_000 }]);
    expect(later).toMatchObject({ gen: 1, delayMs: 60_000 });
    expect(await s.notify([{ endpointId: ep, delayMs: 90_000 }])).toEqual([]);
    const [sooner] = await s.notify([{ endpointId: ep, delayMs: 5_000 }]);
    expect(sooner).toMatchObject({ gen: 2 });
    expect(sooner!.delayMs).toBeGreaterThan(4_000);
    expect(sooner!.delayMs).toBeLessThanOrEqual(5_000);
    const [now] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    expect(now).toMatchObject({ gen: 3, delayMs: 0 });
    // the parked jobs of gens 1 and 2 are stale now
    expect(await s.begin(ep, 1, 5, null)).toEqual({ kind: 'stale' });
    expect(await s.begin(ep, 2, 5, null)).toEqual({ kind: 'stale' });
    expect((await s.begin(ep, 3, 5, null)).kind).toBe('send');
  });

  it('a turn that took all it asked for goes to the back of the ring; one that took less goes idle', async () => {
    const s = scheduler();
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 2);
    const slots = slotsOf(begun);
    expect(slots).toHaveLength(2);
    const again = await s.end({ endpointId: ep, gen, claimed: 2, asked: 2, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    expect(again).toMatchObject({ gen: gen + 1, delayMs: 0 });
    const next = await s.begin(ep, gen + 1, 2, null);
    const nextSlots = slotsOf(next);
    const idle = await s.end({ endpointId: ep, gen: gen + 1, claimed: 1, asked: 2, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [nextSlots[1]!.token] });
    expect(idle).toBeNull();
    const [state] = await s.inspect([ep]);
    expect(state).toMatchObject({ ring: 'idle' });
    // the unused slot was freed: 2 + 1 in flight
    expect(state!.inFlight).toBe(3);
  });

  it('a turn with nothing more due now parks the endpoint until its next due delivery', async () => {
    const s = scheduler();
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 3);
    const slots = slotsOf(begun);
    const parked = await s.end({ endpointId: ep, gen, claimed: 0, asked: 3, limitedBy: '', nextDueInMs: 2_000, tat: '', ratePerSecond: null, unusedTokens: slots.map((x) => x.token) });
    expect(parked).toMatchObject({ gen: gen + 1 });
    expect(parked!.delayMs).toBeGreaterThan(1_900);
    expect((await s.inspect([ep]))[0]).toMatchObject({ ring: 'parked', parkedFor: 'time', inFlight: 0 });
  });

  it('work that arrives while a turn runs is not lost: due now re-queues it, due later parks it for then', async () => {
    const s = scheduler();
    const ep = endpoint();
    let { gen, begun } = await startTurn(s, ep, 3);
    expect(await s.notify([{ endpointId: ep, delayMs: 0 }])).toEqual([]);
    const requeued = await s.end({
      endpointId: ep,
      gen,
      claimed: 1,
      asked: 3,
      limitedBy: '',
      nextDueInMs: null,
      tat: '',
      ratePerSecond: null,
      unusedTokens: slotsOf(begun)
        .slice(1)
        .map((x) => x.token),
    });
    expect(requeued).toMatchObject({ gen: gen + 1, delayMs: 0 });

    gen = requeued!.gen;
    begun = await s.begin(ep, gen, 3, null);
    expect(await s.notify([{ endpointId: ep, delayMs: 3_000 }])).toEqual([]);
    const parked = await s.end({ endpointId: ep, gen, claimed: 0, asked: 3, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: slotsOf(begun).map((x) => x.token) });
    expect(parked).toMatchObject({ gen: gen + 1 });
    expect(parked!.delayMs).toBeGreaterThan(2_500);
  });

  it('force starts a turn whatever the state says, and the old job goes stale', async () => {
    const s = scheduler();
    const ep = endpoint();
    const [job] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    const [forced] = await s.force([ep]);
    expect(forced).toMatchObject({ gen: job!.gen + 1, epoch: job!.epoch });
    expect(await s.begin(ep, job!.gen, 1, null)).toEqual({ kind: 'stale' });
    expect((await s.begin(ep, forced!.gen, 1, null)).kind).toBe('send');
  });

  it('an endpoint whose state was lost (a wiped Redis) starts over under a new epoch, so no old job id is reused', async () => {
    const s = scheduler();
    const ep = endpoint();
    const [before] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    await redis.del(s.stateKey(ep), s.inflightKey(ep));
    const [after] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    expect(after!.gen).toBe(1);
    expect(after!.epoch).not.toBe(before!.epoch);
  });

  it('a process with no room sends the turn back to the ring for any replica', async () => {
    const s = scheduler();
    const ep = endpoint();
    const [job] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    const begun = await s.begin(ep, job!.gen, 0, null);
    expect(begun).toMatchObject({ kind: 'requeued', job: { gen: job!.gen + 1, delayMs: 0 } });
  });
});

describe('EndpointScheduler: limits (real Redis)', () => {
  it('admits no more than the adaptive limit in flight, parks the endpoint, and a release wakes it', async () => {
    const s = scheduler({ initialLimit: 4, wakeFraction: 0.5 });
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 10);
    const slots = slotsOf(begun);
    expect(slots).toHaveLength(4);
    expect(begun).toMatchObject({ limitedBy: 'conc' });
    const parked = await s.end({ endpointId: ep, gen, claimed: 4, asked: 4, limitedBy: 'conc', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    expect(parked).toMatchObject({ gen: gen + 1 });
    expect((await s.inspect([ep]))[0]).toMatchObject({ ring: 'parked', parkedFor: 'conc', inFlight: 4 });
    // one release frees 1 of 4: under half, no wake yet
    const one = await s.release([{ endpointId: ep, token: slots[0]!.token, outcome: 'answer', durationMs: 5 }]);
    expect(one.jobs).toEqual([]);
    const two = await s.release([{ endpointId: ep, token: slots[1]!.token, outcome: 'answer', durationMs: 5 }]);
    expect(two.jobs).toEqual([expect.objectContaining({ endpointId: ep, gen: gen + 2, delayMs: 0 })]);
    const next = await s.begin(ep, gen + 2, 10, null);
    expect(slotsOf(next)).toHaveLength(2);
  });

  it("a dead sender's slot frees itself when its lease ends", async () => {
    const s = scheduler({ initialLimit: 2, tokenLeaseMs: 150 });
    const ep = endpoint();
    const { begun } = await startTurn(s, ep, 5);
    expect(slotsOf(begun)).toHaveLength(2);
    expect((await s.inspect([ep]))[0]!.inFlight).toBe(2);
    await sleep(250);
    expect((await s.inspect([ep]))[0]!.inFlight).toBe(0);
  });

  it('AIMD: overload halves the limit (once per round trip), successes under load grow it back, never past the ceiling', async () => {
    const s = scheduler({ initialLimit: 8, maxInFlight: 8, failureThreshold: 100 });
    const ep = endpoint();
    const { begun } = await startTurn(s, ep, 8);
    const slots = slotsOf(begun);
    // four drops at once count as one decrease: 8 -> 4
    const dropped = await s.release(slots.slice(0, 4).map((x) => ({ endpointId: ep, token: x.token, outcome: 'drop' as const, durationMs: 1000 })));
    expect(dropped.health[0]!.limit).toBe(4);
    await sleep(1100);
    const again = await s.release([{ endpointId: ep, token: slots[4]!.token, outcome: 'drop', durationMs: 1000 }]);
    expect(again.health[0]!.limit).toBe(2);
    // after a loss it grows additively: +1/limit per success while the endpoint is busy
    const grown = await s.release([{ endpointId: ep, token: slots[5]!.token, outcome: 'ok', durationMs: 5 }]);
    expect(grown.health[0]!.limit).toBe(2.5);
    // an answered failure (a 500) neither grows nor shrinks it
    const answered = await s.release([{ endpointId: ep, token: slots[6]!.token, outcome: 'answer', durationMs: 5 }]);
    expect(answered.health[0]!.limit).toBe(2.5);
  });

  it('slow start: a fresh endpoint grows by one per success while busy, up to the ceiling, and not while idle', async () => {
    const s = scheduler({ initialLimit: 4, maxInFlight: 6 });
    const ep = endpoint();
    const { begun } = await startTurn(s, ep, 4);
    const slots = slotsOf(begun);
    // 4 in flight, limit 4: busy, so each success adds one (doubling per round trip), capped at 6
    const grown = await s.release(slots.slice(0, 3).map((x) => ({ endpointId: ep, token: x.token, outcome: 'ok' as const, durationMs: 5 })));
    expect(grown.health[0]!.limit).toBe(6);
    // 1 in flight of 6: the endpoint is not what limits us, so a success does not grow the limit
    const ep2 = endpoint();
    const { begun: b2 } = await startTurn(s, ep2, 1);
    const idle = await s.release([{ endpointId: ep2, token: slotsOf(b2)[0]!.token, outcome: 'ok', durationMs: 5 }]);
    expect(idle.health[0]!.limit).toBe(4);
  });

  it('the circuit opens after consecutive overload failures, lets one probe through after openMs, and closes on its success', async () => {
    const s = scheduler({ initialLimit: 4, failureThreshold: 3, openMs: 300, maxOpenMs: 2_000, probeTtlMs: 5_000 });
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 3);
    const slots = slotsOf(begun);
    const opened = await s.release(slots.map((x) => ({ endpointId: ep, token: x.token, outcome: 'drop' as const, durationMs: 1000 })));
    expect(opened.health[0]).toMatchObject({ circuit: 'open', consecutiveFailures: 3 });
    await s.end({ endpointId: ep, gen, claimed: 3, asked: 3, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    // while open: due deliveries are recorded without being sent
    const open = await s.begin(ep, gen + 1, 5, null);
    expect(open).toMatchObject({ kind: 'open', n: 5 });
    const requeue = await s.end({ endpointId: ep, gen: gen + 1, claimed: 5, asked: 5, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    await sleep(350);
    // half-open: exactly one probe
    const probe = await s.begin(ep, requeue!.gen, 5, null);
    expect(probe).toMatchObject({ kind: 'send', circuit: 'half-open', limitedBy: 'probe' });
    const probeSlots = slotsOf(probe);
    expect(probeSlots).toHaveLength(1);
    const parkedForProbe = await s.end({ endpointId: ep, gen: requeue!.gen, claimed: 1, asked: 1, limitedBy: 'probe', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    expect(parkedForProbe).toMatchObject({ gen: requeue!.gen + 1 });
    expect((await s.inspect([ep]))[0]).toMatchObject({ ring: 'parked', parkedFor: 'probe', circuit: 'half-open' });
    // the probe succeeds: closed, back to the initial limit, and the endpoint is woken
    const closed = await s.release([{ endpointId: ep, token: probeSlots[0]!.token, outcome: 'ok', durationMs: 10 }]);
    expect(closed.health[0]).toMatchObject({ circuit: 'closed', limit: 4, consecutiveFailures: 0 });
    expect(closed.jobs).toEqual([expect.objectContaining({ gen: requeue!.gen + 2 })]);
  });

  it('a failed probe opens the circuit again for twice as long', async () => {
    const s = scheduler({ initialLimit: 2, failureThreshold: 1, openMs: 200, maxOpenMs: 10_000 });
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 1);
    const first = await s.release([{ endpointId: ep, token: slotsOf(begun)[0]!.token, outcome: 'drop', durationMs: 1 }]);
    expect(first.health[0]).toMatchObject({ circuit: 'open' });
    expect(first.health[0]!.openForMs).toBeLessThanOrEqual(200);
    const requeue = await s.end({ endpointId: ep, gen, claimed: 1, asked: 1, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    await sleep(250);
    const probe = await s.begin(ep, requeue!.gen, 3, null);
    const reopened = await s.release([{ endpointId: ep, token: slotsOf(probe)[0]!.token, outcome: 'drop', durationMs: 1 }]);
    expect(reopened.health[0]).toMatchObject({ circuit: 'open' });
    expect(reopened.health[0]!.openForMs).toBeGreaterThan(300);
    expect(reopened.health[0]!.openForMs).toBeLessThanOrEqual(400);
  });

  it('probeNow: an open circuit is probed at once; a request while a probe is out re-probes at once if that (older) probe fails', async () => {
    const s = scheduler({ initialLimit: 2, failureThreshold: 1, openMs: 60_000, maxOpenMs: 120_000, probeTtlMs: 5_000 });
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 1);
    await s.release([{ endpointId: ep, token: slotsOf(begun)[0]!.token, outcome: 'drop', durationMs: 1 }]);
    const requeue = await s.end({ endpointId: ep, gen, claimed: 1, asked: 1, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    expect(await s.begin(ep, requeue!.gen, 1, null)).toMatchObject({ kind: 'open' });
    const again = await s.end({ endpointId: ep, gen: requeue!.gen, claimed: 1, asked: 1, limitedBy: '', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    // open for a minute, but a person asked: the next turn is the probe
    expect(await s.probeNow(ep)).toBe(true);
    const probe = await s.begin(ep, again!.gen, 3, null);
    expect(probe).toMatchObject({ kind: 'send', circuit: 'half-open', limitedBy: 'probe' });
    // asked again while that probe is out; the probe (sent before the request) fails
    expect(await s.probeNow(ep)).toBe(true);
    const failed = await s.release([{ endpointId: ep, token: slotsOf(probe)[0]!.token, outcome: 'drop', durationMs: 1 }]);
    expect(failed.health[0]).toMatchObject({ circuit: 'open' });
    expect(failed.health[0]!.openForMs).toBe(0);
    // without a request, a failed probe keeps the circuit open for its doubled time
    const parked = await s.end({ endpointId: ep, gen: again!.gen, claimed: 1, asked: 1, limitedBy: 'probe', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    const second = await s.begin(ep, parked!.gen, 3, null);
    expect(second).toMatchObject({ kind: 'send', circuit: 'half-open', limitedBy: 'probe' });
    const reopened = await s.release([{ endpointId: ep, token: slotsOf(second)[0]!.token, outcome: 'drop', durationMs: 1 }]);
    expect(reopened.health[0]!.openForMs).toBeGreaterThan(100_000);
  });

  it('an answer that is not a success (a 500) is not overload: it resets the failure run and closes a half-open circuit', async () => {
    const s = scheduler({ initialLimit: 4, failureThreshold: 3 });
    const ep = endpoint();
    const { begun } = await startTurn(s, ep, 4);
    const slots = slotsOf(begun);
    await s.release(slots.slice(0, 2).map((x) => ({ endpointId: ep, token: x.token, outcome: 'drop' as const, durationMs: 1 })));
    const answered = await s.release([{ endpointId: ep, token: slots[2]!.token, outcome: 'answer', durationMs: 1 }]);
    expect(answered.health[0]).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
  });
});

describe('EndpointScheduler: slots handed on within a process', () => {
  it('a slot handed to the next delivery stays counted (its lease restarts), until the circuit opens', async () => {
    const s = scheduler({ initialLimit: 2, maxInFlight: 2, failureThreshold: 1 });
    const ep = endpoint();
    const { begun } = await startTurn(s, ep, 2);
    const [a, b] = slotsOf(begun);
    const kept = await s.release([{ endpointId: ep, token: a!.token, outcome: 'ok', durationMs: 5, reuse: true }]);
    expect(kept.reused.has(a!.token)).toBe(true);
    expect((await s.inspect([ep]))[0]!.inFlight).toBe(2);
    // a drop opens the circuit (threshold 1): a slot is no longer kept
    const dropped = await s.release([{ endpointId: ep, token: b!.token, outcome: 'drop', durationMs: 5, reuse: true }]);
    expect(dropped.reused.size).toBe(0);
    expect(dropped.health[0]).toMatchObject({ circuit: 'open' });
    const after = await s.release([{ endpointId: ep, token: a!.token, outcome: 'ok', durationMs: 5 }]);
    expect(after.health[0]!.inFlight).toBe(0);
  });

  it('with every slot taken, a process that hands slots on still gets a turn of 0 slots (to claim ahead), and a refill wakes a parked endpoint', async () => {
    const s = scheduler({ initialLimit: 1, maxInFlight: 1 });
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 5);
    expect(slotsOf(begun)).toHaveLength(1);
    const parked = await s.end({ endpointId: ep, gen, claimed: 1, asked: 1, limitedBy: 'conc', nextDueInMs: null, tat: '', ratePerSecond: null, unusedTokens: [] });
    expect(parked).toMatchObject({ why: 'conc' });
    // a plain notify leaves a conc-parked endpoint to its releases; a refill starts its turn
    expect(await s.notify([{ endpointId: ep, delayMs: 0 }])).toEqual([]);
    const [refill] = await s.refill([ep]);
    expect(refill).toMatchObject({ gen: parked!.gen + 1, delayMs: 0 });
    expect(await s.begin(ep, refill!.gen, 5, null, 0)).toMatchObject({ kind: 'parked', why: 'conc' });
    const [again] = await s.refill([ep]);
    const ahead = await s.begin(ep, again!.gen, 5, null, 1);
    expect(ahead).toMatchObject({ kind: 'send', limitedBy: 'conc' });
    expect(slotsOf(ahead)).toHaveLength(0);
  });
});

describe('EndpointScheduler: paced rate limit (GCRA, burst 1)', () => {
  it('spaces starts so that no sliding second holds more than the rate, across turns', async () => {
    const s = scheduler({ initialLimit: 50, maxInFlight: 50, rateHorizonMs: 1_000, rateMarginMs: 20 });
    const ep = endpoint();
    const rate = 5;
    const starts: number[] = [];
    let { gen, begun } = await startTurn(s, ep, 50, rate);
    for (let turn = 0; turn < 4; turn++) {
      if (begun.kind === 'parked') {
        await sleep(begun.job.delayMs);
        gen = begun.job.gen;
        begun = await s.begin(ep, gen, 50, rate);
        continue;
      }
      if (begun.kind !== 'send') throw new Error(`expected send, got ${begun.kind}`);
      const slots = begun.slots;
      // on the Redis clock the reservations were made on
      const clock = begun.clockMs;
      starts.push(...slots.map((x) => clock + x.offsetMs));
      const next = await s.end({
        endpointId: ep,
        gen,
        claimed: slots.length,
        asked: slots.length,
        limitedBy: begun.limitedBy,
        nextDueInMs: null,
        tat: begun.tat,
        ratePerSecond: rate,
        unusedTokens: [],
      });
      expect(next).not.toBeNull();
      await sleep(next!.delayMs);
      gen = next!.gen;
      begun = await s.begin(ep, gen, 50, rate);
    }
    expect(starts.length).toBeGreaterThanOrEqual(8);
    starts.sort((a, b) => a - b);
    // consecutive starts (1000 + margin) / rate = 204 ms apart, so any 1 s window holds at most `rate`
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(203);
    for (let i = 0; i + rate < starts.length; i++) expect(starts[i + rate]! - starts[i]!).toBeGreaterThan(1000);
  });

  it('gives back paced starts a turn did not use, so the next delivery is not pushed back', async () => {
    const s = scheduler({ initialLimit: 50, maxInFlight: 50 });
    const ep = endpoint();
    const { gen, begun } = await startTurn(s, ep, 10, 2);
    const slots = slotsOf(begun);
    expect(slots.length).toBe(2); // 2/s within a 1 s horizon: starts at 0 and 510 ms
    await s.end({
      endpointId: ep,
      gen,
      claimed: 0,
      asked: 2,
      limitedBy: 'rate',
      nextDueInMs: null,
      tat: begun.kind === 'send' ? begun.tat : '',
      ratePerSecond: 2,
      unusedTokens: slots.map((x) => x.token),
    });
    const [job] = await s.notify([{ endpointId: ep, delayMs: 0 }]);
    const again = await s.begin(ep, job!.gen, 1, 2);
    expect(slotsOf(again)[0]!.offsetMs).toBeLessThan(50);
  });
});
