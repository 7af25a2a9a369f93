// `pnpm bench`: how fast Switchyard is, against the limit, measured in one run (BENCHMARKS.md).
//
// Starts the REAL apps (apps/*/dist/main.js) as processes on a database and queue prefix of their
// own, pins them to one core and the load generator to the other, and measures, with the arms
// interleaved (A B A B …) and medians quoted with their range:
//   1. gateway ingest (GitHub-signed, committed) vs a bare node:http HMAC server; accept latency
//      at 70 % of the gateway's rate from an open-loop generator;
//   2. dispatcher deliveries/s vs a raw undici loop at the same concurrency, 1 and 50 endpoints,
//      receiver answering at once or after 50 ms (against Little's law);
//   3. end to end publish → delivered (and GitHub ingest → delivered) latency at half capacity,
//      open loop, with a ledger that must balance;
//   4. Bull's own ceiling on no-op jobs at the dispatcher's concurrency;
//   5. peak RSS of each app;
//   6. isolation between endpoints: one application's backlog to a slow endpoint against another's
//      publish → delivered latency (noisy neighbour), and endpoints that never answer against a
//      healthy one (hanging endpoints), through the public API only.
// Flags: --quick (short rounds, < 1 min), --profile (node --cpu-prof on the apps, summarised),
// --only=gateway,dispatcher,e2e,ingest,bull,isolation (a subset), --e2e-rate=N (the end-to-end arm's offered rate).
// --only=tracing (asked for by name only; not part of a full run): the gateway with tracing off vs
// on (every request a sampled traceparent, spans exported to a local OTLP/HTTP sink).
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Queue from 'bull';
import Redis from 'ioredis';
import pg from 'pg';
import { Svix } from 'svix';
import { Pool } from 'undici';
import { createTestDatabase } from '@switchyard/db/testing';
import {
  CAN_PIN,
  LOAD_CORE,
  SUT_CORE,
  TASKSET,
  cpuSeconds,
  foreignLoad,
  forkHelper,
  freePort,
  killAllNow,
  memoryMiB,
  pinSelf,
  setDatabaseName,
  startNode,
  stop,
  stopAll,
  waitHealthy,
  withCpu,
} from './lib/procs.mjs';
import { fmt, fmtRange, latencyPercentiles, summary } from './lib/stats.mjs';
import { summarizeProfile } from './profile-summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const GATEWAY_MAIN = join(root, 'apps/gateway/dist/main.js');
const DISPATCHER_MAIN = join(root, 'apps/dispatcher/dist/main.js');
const RESULTS_DIR = join(here, 'results');
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const PROFILE = argv.includes('--profile');
const ONLY =
  argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? null;
const want = (arm) => !ONLY || ONLY.includes(arm);
/** --env=KEY=VALUE (repeatable): extra settings for both apps, to measure a change of setting. */
const APP_ENV = Object.fromEntries(argv.filter((a) => a.startsWith('--env=')).map((a) => a.slice('--env='.length).split(/=(.*)/s).slice(0, 2)));

/** --e2e-rate=N: offer the end-to-end arm N messages/s instead of half the measured capacity. */
const E2E_RATE = Number(argv.find((a) => a.startsWith('--e2e-rate='))?.slice('--e2e-rate='.length)) || null;

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Round counts and durations; --quick keeps every arm but makes each short. */
const PLAN = QUICK
  ? {
      capS: 2,
      rounds: 1,
      gwFirstWarmS: 0,
      gwWarmS: 1,
      gwMeasureS: 2,
      connections: 50,
      latRounds: 1,
      latS: 1.5,
      dispRounds: 1,
      dispTargetS: 1,
      probe: 0,
      e2eWarmS: 1,
      e2eS: 2,
      ingestS: 2,
      drainS: 10,
      bullRounds: 1,
      bullJobs: 5_000,
    }
  : {
      capS: 6,
      rounds: 3,
      gwFirstWarmS: 4,
      gwWarmS: 2,
      gwMeasureS: 6,
      connections: 50,
      latRounds: 2,
      latS: 5,
      dispRounds: 3,
      dispTargetS: 3,
      probe: 1_000,
      e2eWarmS: 3,
      e2eS: 20,
      ingestS: 15,
      drainS: 30,
      bullRounds: 3,
      bullJobs: 20_000,
    };

/**
 * The isolation arms (6), from the issue: the noisy application's backlog, the quiet one's rate and
 * window, and how long after the resume A's backlog gets to drain; the hanging endpoints, their rate
 * each, the healthy endpoint's rate, the window, and how long the hanging messages get to finish
 * their retry schedule (about 12 s each with the arm's settings).
 */
const ISOLATION = QUICK
  ? { noisyMessages: 5_000, quietRate: 10, quietS: 5, noisyDrainDeadlineS: 60, hanging: 10, hangingRate: 2, healthyRate: 10, hangS: 5, hangDeadlineS: 90 }
  : { noisyMessages: 50_000, quietRate: 10, quietS: 20, noisyDrainDeadlineS: 240, hanging: 10, hangingRate: 2, healthyRate: 10, hangS: 15, hangDeadlineS: 90 };
/** The Bull queues the noisy-neighbour arm pauses while A's backlog is published: every name either delivery engine uses. */
const ISOLATION_QUEUES = ['fan-out', 'delivery', 'turns'];
/** The hanging arm's settings: an attempt gives up after 2 s and a message fails after 4 attempts (~12 s); the rest is default. */
const HANGING_ENV = { DELIVERY_TIMEOUT_MS: '2000', RETRY_SCHEDULE: '1s,1s,1s' };

/** Targets from the issue; a miss is reported, not a failure of the run. */
const TARGETS = { gatewayRatio: 0.5, dispatcherRatio: 0.5, e2eP99Ms: 50, rssMiB: 250, isolationP99Ms: 50, noisyDrainRatio: 0.8 };

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hex = (n) => randomBytes(n).toString('hex');
const runStarted = Date.now();
const log = (text) => console.log(text.startsWith('\x1b[1m\n') || text.startsWith('\n') ? text.replace(/\n/, `\n[${Math.round((Date.now() - runStarted) / 1000)} s] `) : text);
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const dim = (t) => (tty ? `\x1b[90m${t}\x1b[0m` : t);
const bold = (t) => (tty ? `\x1b[1m${t}\x1b[0m` : t);

/** until() with a generous timeout, for drains. */
const until_ = (what, fn) => until(what, fn, 120_000, 50);

async function until(what, fn, timeoutMs, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A ~1 KB JSON body (GitHub push-like); `after` is a placeholder that githubDelivery makes unique. */
function githubBody() {
  const base = {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: 'f'.repeat(40),
    repository: { id: 1296269, full_name: 'acme/widgets', private: false },
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    commits: [],
  };
  let i = 0;
  while (JSON.stringify(base).length < 1000) {
    base.commits.push({ id: hex(20), message: `commit ${i++}`, author: { name: 'octocat' } });
  }
  return JSON.stringify(base);
}

/**
 * One new signed GitHub push: the template with a fresh `after` commit, signed, under a fresh
 * delivery GUID. The gateway deduplicates on the signed body (GitHub does not sign
 * X-GitHub-Delivery), so resending one signed body under new GUIDs would measure duplicates.
 */
function githubDelivery(secret, template, headers) {
  const body = template.replace(GITHUB_AFTER, hex(20));
  const delivery = randomUUID();
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return { delivery, body, headers: { ...headers, 'x-github-delivery': delivery, 'x-hub-signature-256': signature } };
}
const GITHUB_AFTER = 'f'.repeat(40);

/** A ~1 KB JSON payload for published messages. */
function messagePayload() {
  const payload = { orderId: 'ord_1', amountCents: 4200, currency: 'EUR', items: [] };
  let i = 0;
  while (JSON.stringify(payload).length < 1000) payload.items.push({ sku: `sku-${i++}`, qty: 1, note: hex(12) });
  return JSON.stringify(payload);
}

function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  let commit = sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', root, 'status', '--porcelain', '--', 'apps', 'packages']);
  if (commit && dirty) commit += ' (apps/packages modified)';
  return {
    date: new Date().toISOString(),
    nproc: Number(sh('nproc', [])) || os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    commit,
    pinned: CAN_PIN
      ? `apps and the limits on core ${SUT_CORE}; generator, receiver and this process on core ${LOAD_CORE}; PostgreSQL and Redis unpinned`
      : `not pinned (${TASKSET ? 'one core' : 'no taskset'})`,
  };
}

async function dataStoreInfo(databaseUrl, redis) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const version = (await client.query('SHOW server_version')).rows[0].server_version;
    const syncCommit = (await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    const info = await redis.info('server');
    const persistence = await redis.info('persistence');
    return {
      postgres: version,
      postgresSynchronousCommit: syncCommit,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      redisAppendOnly: /aof_enabled:(\d)/.exec(persistence)?.[1] === '1' ? 'yes' : 'no',
    };
  } finally {
    await client.end();
  }
}

/**
 * Machine normalisers: what one sequential round trip costs this box (wall and client CPU), to
 * PostgreSQL (a parameterised SELECT, as the apps send them) and to Redis (PING). Per-round-trip
 * cost is what the apps' numbers scale with.
 */
async function roundTripCosts(db, n) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const time = async (fn) => {
    for (let i = 0; i < Math.min(200, n); i++) await fn(i);
    const t0 = performance.now();
    const c0 = cpu();
    for (let i = 0; i < n; i++) await fn(i);
    return { wallUs: Number((((performance.now() - t0) / n) * 1000).toFixed(1)), clientCpuUs: Number((((cpu() - c0) / n) * 1000).toFixed(1)) };
  };
  return {
    postgresRoundTrip: await time((i) => db.query('SELECT $1::int AS i', [i])),
    redisRoundTrip: await time(() => redis.ping()),
  };
}

/** Deletes every key under a prefix with SCAN + DEL (never FLUSHALL: Redis is shared): the engine's keys and Bull's (`{prefix}:…`). */
async function deletePrefix(redis, prefix) {
  let deleted = 0;
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

/**
 * Open-loop generator: request i is due at start + i/rate whatever happened before; latency counts
 * from that due time. `stopWhen` (optional) ends the run early when it returns true; `n` is then
 * the number of requests actually sent.
 */
async function openLoop({ rate, seconds, fire, stopWhen }) {
  const n = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const start = nowMs() + 20;
  const records = new Array(n);
  const inflight = [];
  let maxLagMs = 0;
  let i = 0;
  while (i < n) {
    if (stopWhen?.()) break;
    const now = nowMs();
    while (i < n && start + i * interval <= now) {
      const scheduled = start + i * interval;
      maxLagMs = Math.max(maxLagMs, now - scheduled);
      const index = i++;
      inflight.push(
        fire(index, scheduled).then(
          (r) => (records[index] = { scheduled, ...r }),
          (error) => (records[index] = { scheduled, ok: false, done: nowMs(), error: error.message }),
        ),
      );
    }
    if (i < n) await sleep(Math.max(0, start + i * interval - nowMs()));
  }
  await Promise.all(inflight);
  return { records: records.slice(0, i), maxLagMs, n: i, stoppedEarly: i < n };
}

// ───────────────────────────────────────── context ─────────────────────────────────────────

const results = { machine: machine(), mode: QUICK ? 'quick' : 'full', plan: PLAN, arms: {}, memory: {}, memoryTimeline: {}, targets: TARGETS, void: [], notes: [] };
const cleanups = [];
let redis;

async function cleanup() {
  await stopAll(15_000).catch(() => undefined);
  for (const fn of cleanups.reverse()) await fn().catch((e) => console.error(`cleanup: ${e.message}`));
  cleanups.length = 0;
  redis?.disconnect();
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping children, dropping the database, deleting queue keys…`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

/** The V8 heap cap the apps run with when deployed (docker/*.Dockerfile, scripts/start.mjs). */
const APP_HEAP_ARGS = process.env.BENCH_HEAP_ARGS !== undefined ? process.env.BENCH_HEAP_ARGS.split(' ').filter(Boolean) : ['--max-old-space-size=160'];

function profileArgs(name) {
  if (!PROFILE) return APP_HEAP_ARGS;
  mkdirSync(PROFILE_DIR, { recursive: true });
  return [...APP_HEAP_ARGS, '--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`];
}

const bootRss = {};
function recordBootRss(key, handle) {
  const again = key in bootRss;
  bootRss[key] = Math.max(bootRss[key] ?? 0, memoryMiB(handle.pid).rssMiB);
  checkpointRss(key, handle, again ? 'a new process after boot' : 'after boot');
}

/** RSS now and the peak so far, at a named point of the run (where memory grows). */
function checkpointRss(key, handle, at) {
  const m = memoryMiB(handle.pid);
  (results.memoryTimeline[key] ??= []).push({ at, rssMiB: Math.round(m.rssMiB), peakRssMiB: Math.round(m.peakRssMiB) });
}

/** Records the app's peak RSS, then stops it. */
async function stopApp(handle, key) {
  const mem = memoryMiB(handle.pid);
  const previous = results.memory[key];
  if (!previous || !(previous.peakRssMiB >= mem.peakRssMiB)) results.memory[key] = { ...mem, afterBootRssMiB: bootRss[key], cpuSeconds: cpuSeconds(handle.pid) };
  await stop(handle, 20_000);
}

// ───────────────────────────────────── 1. gateway ingest ─────────────────────────────────────

async function armGateway(ctx) {
  log(bold('\n1. Gateway ingest vs a bare node:http HMAC server (the limit) and bare + one committed INSERT + Bull add (durable limit)'));
  const prefix = `sy-bench-gw-${hex(4)}`;
  cleanups.push(async () => void (await deletePrefix(redis, prefix)));
  const { gateway, url: gwUrl } = await startGateway(ctx, prefix);
  const secret = `bench-${hex(16)}`;
  await ctx.db.query(`CREATE TABLE bench_inbound (id text PRIMARY KEY, source_id text NOT NULL, provider_event_id text NOT NULL, headers jsonb NOT NULL,
                        body bytea NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
                      CREATE UNIQUE INDEX bench_inbound_dedup ON bench_inbound (source_id, provider_event_id)`);
  const limits = {};
  for (const mode of ['bare', 'durable']) {
    const port = await freePort();
    const handle = startNode(mode, join(here, 'bare-server.mjs'), {
      env: { ...ctx.appEnv, PORT: String(port), BENCH_GITHUB_SECRET: secret, BENCH_MODE: mode, QUEUE_PREFIX: prefix },
      core: SUT_CORE,
    });
    limits[mode] = { url: `http://127.0.0.1:${port}`, handle };
    await waitHealthy(handle, limits[mode].url);
  }

  const gw = new Svix(ctx.adminKey, { serverUrl: gwUrl });
  const source = await gw.ingest.source.create({ name: 'bench github', type: 'github', config: { secret } });
  const path = new URL(source.ingestUrl).pathname;
  const body = githubBody();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'push',
    'x-github-hook-id': '4242',
  };
  const ARMS = ['gateway', 'bare', 'durable'];
  const arms = { gateway: { url: gwUrl, handle: gateway }, ...limits };
  // Ledger: every 2xx answered is a committed message; requests still in flight when autocannon
  // stops may be committed without their answer being counted, so answered ≤ committed ≤ sent.
  let gatewayAccepted = 0;
  let gatewaySent = 0;

  const cannon = (arm, seconds) =>
    new Promise((resolve, reject) => {
      autocannon(
        {
          url: `${arms[arm].url}${path}`,
          connections: PLAN.connections,
          duration: seconds,
          requests: [
            {
              method: 'POST',
              headers,
              body,
              setupRequest: (req) => {
                const d = githubDelivery(secret, body, req.headers);
                return { ...req, headers: d.headers, body: d.body };
              },
            },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
  const count = (arm, r) => {
    if (arm !== 'gateway') return;
    gatewayAccepted += r['2xx'];
    gatewaySent += r.requests.sent;
  };

  // A first, longer warm-up: the JIT and the connection pools settle before anything is timed.
  if (PLAN.gwFirstWarmS > 0) for (const arm of ARMS) count(arm, await cannon(arm, PLAN.gwFirstWarmS));

  const rounds = { gateway: [], bare: [], durable: [] };
  for (let round = 1; round <= PLAN.rounds; round++) {
    for (const arm of ARMS) {
      count(arm, await cannon(arm, PLAN.gwWarmS));
      const ops0 = arm === 'gateway' ? await opCounters(ctx) : null;
      const logBytes0 = arms[arm].handle.outputBytes?.() ?? 0;
      const { result, cpu, storesCpu, wallSeconds, machineBusy, machineSteal, foreign } = await withCpu([arms[arm].handle.pid], () => cannon(arm, PLAN.gwMeasureS));
      count(arm, result);
      const ok = result['2xx'];
      const total = ok + result.non2xx + result.errors + result.timeouts;
      const r = {
        perSecond: ok / result.duration,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        closedLoopP50Ms: result.latency.p50,
        closedLoopP99Ms: result.latency.p99,
        sutCpuMsPerRequest: (cpu[0] / ok) * 1000,
        sutCpuUtilisation: cpu[0] / wallSeconds,
        storesCpuMsPerRequest: (storesCpu / ok) * 1000,
        machineBusy,
        machineSteal,
        foreignCpu: foreign,
        logBytesPerRequest: ((arms[arm].handle.outputBytes?.() ?? 0) - logBytes0) / result.requests.sent,
      };
      if (ops0) r.ops = perUnit(ops0, await opCounters(ctx, !QUICK), result.requests.sent);
      if (total > 0 && (total - ok) / total > 0.001) results.void.push(`gateway arm ${arm} round ${round}: ${total - ok} of ${total} requests not 2xx`);
      rounds[arm].push(r);
      log(
        `   round ${round} ${arm.padEnd(8)} ${fmt(r.perSecond).padStart(7)}/s  (non-2xx ${r.non2xx}, errors ${r.errors}; ${fmt(r.sutCpuMsPerRequest * 1000)} µs CPU/req at ${Math.round(r.sutCpuUtilisation * 100)} % of its core, PG+Redis ${fmt(r.storesCpuMsPerRequest * 1000)} µs/req, machine ${Math.round(machineBusy * 100)} % busy${foreign > 0.05 ? `, ${Math.round(foreign * 100)} % by other processes` : ''}${r.ops ? `; ${opsText(r.ops)}` : ''}${r.logBytesPerRequest >= 1 ? `; ${Math.round(r.logBytesPerRequest)} log bytes/req` : ''})`,
      );
    }
  }
  const rate = (arm) => summary(rounds[arm].map((r) => r.perSecond));
  const ratio = (limit) => summary(rounds.gateway.map((r, i) => r.perSecond / rounds[limit][i].perSecond));

  checkpointRss('gateway', gateway, 'after the closed-loop rounds');
  // Accept latency at 70 % of the gateway's rate, open loop; the limits at the same offered rate.
  const offered = Math.max(10, Math.round(0.7 * rate('gateway').median));
  const pools = Object.fromEntries(ARMS.map((arm) => [arm, new Pool(arms[arm].url, { connections: 256 })]));
  const latency = { gateway: [], bare: [], durable: [] };
  for (let round = 1; round <= PLAN.latRounds; round++) {
    for (const arm of ARMS) {
      const run = await openLoop({
        rate: offered,
        seconds: PLAN.latS,
        fire: async () => {
          const d = githubDelivery(secret, body, headers);
          const res = await pools[arm].request({ path, method: 'POST', headers: d.headers, body: d.body });
          await res.body.text();
          return { ok: res.statusCode >= 200 && res.statusCode < 300, done: nowMs() };
        },
      });
      const ok = run.records.filter((r) => r.ok);
      if (arm === 'gateway') {
        gatewayAccepted += ok.length;
        gatewaySent += run.n;
      }
      const p = latencyPercentiles(ok.map((r) => r.done - r.scheduled));
      const failed = run.n - ok.length;
      if (failed / run.n > 0.001) results.void.push(`gateway latency arm ${arm} round ${round}: ${failed} of ${run.n} not 2xx`);
      latency[arm].push({ ...p, failed, generatorMaxLagMs: run.maxLagMs });
      log(`   latency round ${round} ${arm.padEnd(8)} @ ${offered}/s open loop: p50 ${fmt(p.p50)} ms, p99 ${fmt(p.p99)} ms, max ${fmt(p.max)} ms (generator lag max ${fmt(run.maxLagMs)} ms)`);
    }
  }
  await Promise.all(Object.values(pools).map((p) => p.close()));

  // Ledger: every 2xx the gateway gave is a committed message.
  const committed = Number((await ctx.db.query('SELECT count(*)::int AS n FROM messages WHERE app_id = $1', [await sourceAppId(ctx, source.id)])).rows[0].n);
  const ledger = { sent: gatewaySent, answered2xx: gatewayAccepted, committedMessages: committed, balanced: gatewayAccepted <= committed && committed <= gatewaySent };
  if (!ledger.balanced) results.void.push(`gateway ledger: ${gatewayAccepted} answered 2xx, ${committed} messages committed, ${gatewaySent} sent`);
  log(
    `   ledger: ${gatewayAccepted} answered 2xx ≤ ${committed} messages committed ≤ ${gatewaySent} sent ${ledger.balanced ? '(balanced; the difference was in flight when a closed-loop run stopped)' : '(NOT balanced: run void)'}`,
  );

  await stopApp(gateway, 'gateway');
  await Promise.all(Object.values(limits).map((l) => stop(l.handle)));
  const deleted = await deletePrefix(redis, prefix);
  const cpuOf = (arm) => summary(rounds[arm].map((r) => r.sutCpuMsPerRequest));
  const lat = (arm) => ({ p50Ms: summary(latency[arm].map((r) => r.p50)), p99Ms: summary(latency[arm].map((r) => r.p99)), rounds: latency[arm] });
  results.arms.gateway = {
    what: 'GitHub-signed POST /in/:token, 1 KB JSON, unique X-GitHub-Delivery, answered 2xx after commit; autocannon closed loop, 50 connections',
    perSecond: rate('gateway'),
    limitPerSecond: rate('bare'),
    durableLimitPerSecond: rate('durable'),
    ratio: ratio('bare'),
    ratioToDurable: ratio('durable'),
    sutCpuMsPerRequest: cpuOf('gateway'),
    limitCpuMsPerRequest: cpuOf('bare'),
    durableLimitCpuMsPerRequest: cpuOf('durable'),
    storesCpuMsPerRequest: summary(rounds.gateway.map((r) => r.storesCpuMsPerRequest)),
    durableStoresCpuMsPerRequest: summary(rounds.durable.map((r) => r.storesCpuMsPerRequest)),
    ops: rounds.gateway.at(-1)?.ops,
    rounds,
    latency: { offeredPerSecond: offered, gateway: lat('gateway'), bare: lat('bare'), durable: lat('durable') },
    ledger,
    queueKeysDeleted: deleted,
  };
}

// ─────────────────────────────── tracing: off vs on (issue 15) ───────────────────────────────

/** A local OTLP/HTTP sink (POST /v1/traces, JSON) in the bench process, counting the spans it gets. */
async function startOtlpSink() {
  const { createServer } = await import('node:http');
  const sink = { spans: 0, posts: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      sink.posts++;
      try {
        for (const rs of JSON.parse(Buffer.concat(chunks).toString('utf8')).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) sink.spans += ss.spans?.length ?? 0;
      } catch {
        // counted as a post all the same
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${port}`;
  sink.close = () => new Promise((resolve) => server.close(resolve));
  return sink;
}

/**
 * The gateway with tracing off (no OTLP endpoint: the SDK is not loaded; a received traceparent
 * is only validated and stored) against tracing on (a span per request, batched to a local
 * OTLP/HTTP sink), rounds interleaved, every request carrying a sampled traceparent: the cost of
 * tracing per request, and what "off" costs.
 */
async function armTracing(ctx) {
  log(bold('\nTracing: gateway ingest with tracing off vs on (OTLP/HTTP to a local sink), every request with a sampled traceparent'));
  const sink = await startOtlpSink();
  const ARMS = ['off', 'on'];
  const arms = {};
  for (const arm of ARMS) {
    const prefix = `sy-bench-tr-${arm}-${hex(4)}`;
    cleanups.push(async () => void (await deletePrefix(redis, prefix)));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { ...ctx.appEnv, QUEUE_PREFIX: prefix, PORT: String(port), PUBLIC_URL: url, ...(arm === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}) };
    const handle = startNode(`gateway-tracing-${arm}`, GATEWAY_MAIN, { env, core: SUT_CORE });
    await waitHealthy(handle, url);
    const secret = `bench-${hex(16)}`;
    const source = await new Svix(ctx.adminKey, { serverUrl: url }).ingest.source.create({ name: `tracing ${arm}`, type: 'github', config: { secret } });
    arms[arm] = { url, handle, path: new URL(source.ingestUrl).pathname, secret };
  }
  const body = githubBody();
  const cannon = (arm, seconds) =>
    new Promise((resolve, reject) => {
      const { url, path, secret } = arms[arm];
      const headers = { 'content-type': 'application/json', 'x-github-event': 'push' };
      autocannon(
        {
          url: `${url}${path}`,
          connections: PLAN.connections,
          duration: seconds,
          requests: [
            {
              method: 'POST',
              headers,
              body,
              // a new signed body each time (a resent body is a duplicate), with a sampled traceparent
              setupRequest: (req) => {
                const d = githubDelivery(secret, body, req.headers);
                return { ...req, headers: { ...d.headers, traceparent: `00-${hex(16)}-${hex(8)}-01` }, body: d.body };
              },
            },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
  if (PLAN.gwFirstWarmS > 0) for (const arm of ARMS) await cannon(arm, PLAN.gwFirstWarmS);
  const rounds = { off: [], on: [] };
  for (let round = 1; round <= PLAN.rounds; round++) {
    for (const arm of ARMS) {
      await cannon(arm, PLAN.gwWarmS);
      const { result, cpu, wallSeconds, foreign } = await withCpu([arms[arm].handle.pid], () => cannon(arm, PLAN.gwMeasureS));
      const ok = result['2xx'];
      const total = ok + result.non2xx + result.errors + result.timeouts;
      if (total > 0 && (total - ok) / total > 0.001) results.void.push(`tracing arm ${arm} round ${round}: ${total - ok} of ${total} requests not 2xx`);
      const r = { perSecond: ok / result.duration, sutCpuMsPerRequest: (cpu[0] / ok) * 1000, sutCpuUtilisation: cpu[0] / wallSeconds, p99Ms: result.latency.p99, foreignCpu: foreign };
      rounds[arm].push(r);
      log(
        `   round ${round} tracing ${arm.padEnd(3)} ${fmt(r.perSecond).padStart(7)}/s  (${fmt(r.sutCpuMsPerRequest * 1000)} µs CPU/req at ${Math.round(r.sutCpuUtilisation * 100)} % of its core, closed-loop p99 ${fmt(r.p99Ms)} ms)`,
      );
    }
  }
  // Stopping flushes the on-arm's last batch into the sink.
  for (const arm of ARMS) await stop(arms[arm].handle);
  await sink.close();
  const of = (arm, key) => summary(rounds[arm].map((r) => r[key]));
  results.arms.tracing = {
    what: 'GitHub-signed POST /in/:token with a sampled traceparent; gateway with tracing off (no OTLP endpoint) vs on (BatchSpanProcessor → OTLP/HTTP JSON to a local sink); autocannon closed loop, 50 connections, rounds interleaved',
    offPerSecond: of('off', 'perSecond'),
    onPerSecond: of('on', 'perSecond'),
    ratio: summary(rounds.on.map((r, i) => r.perSecond / rounds.off[i].perSecond)),
    offCpuMsPerRequest: of('off', 'sutCpuMsPerRequest'),
    onCpuMsPerRequest: of('on', 'sutCpuMsPerRequest'),
    spansExported: sink.spans,
    exports: sink.posts,
    rounds,
  };
  log(`   the sink got ${sink.spans} spans in ${sink.posts} exports`);
}

let ownReads = 0;
/** Work counters of the bench database and Redis: PostgreSQL transactions and row writes, Redis socket reads (≈ round trips). */
async function opCounters(ctx, settle = false) {
  // PostgreSQL publishes a backend's counters at most once a second (and an idle one's a second
  // after it went idle): wait until two readings agree.
  const read = async () => {
    ownReads++;
    return (await ctx.db.query(`SELECT xact_commit + xact_rollback AS xacts, tup_inserted + tup_updated + tup_deleted AS writes FROM pg_stat_database WHERE datname = current_database()`)).rows[0];
  };
  let row = await read();
  if (settle) {
    for (let i = 0; i < 8; i++) {
      await sleep(400);
      const next = await read();
      const same = next.writes === row.writes;
      row = next;
      if (same && i >= 2) break;
    }
  }
  const stats = await redis.info('stats');
  // The bench's own readings are transactions too: leave them out.
  return { pgXacts: Number(row.xacts) - ownReads, pgRowWrites: Number(row.writes), redisReads: Number(/total_reads_processed:(\d+)/.exec(stats)?.[1] ?? NaN) };
}

function perUnit(before, after, units) {
  return Object.fromEntries(Object.keys(before).map((k) => [`${k}PerUnit`, Number(((after[k] - before[k]) / units).toFixed(2))]));
}

const opsText = (o) => `per unit: ${o.pgXactsPerUnit} PG xacts, ${o.pgRowWritesPerUnit} PG row writes, ${o.redisReadsPerUnit} Redis reads`;

async function sourceAppId(ctx, sourceId) {
  return (await ctx.db.query('SELECT app_id FROM sources WHERE id = $1', [sourceId])).rows[0].app_id;
}

async function startGateway(ctx, prefix) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = startNode('gateway', GATEWAY_MAIN, {
    env: { ...ctx.appEnv, QUEUE_PREFIX: prefix, PORT: String(port), PUBLIC_URL: url },
    core: SUT_CORE,
    nodeArgs: profileArgs('gateway'),
  });
  await waitHealthy(gateway, url);
  recordBootRss('gateway', gateway);
  return { gateway, url };
}

/** `key` names the process in the memory results (each isolation arm's dispatcher is a process of its own). */
async function startDispatcher(ctx, prefix, extraEnv = {}, key = 'dispatcher') {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...ctx.appEnv, QUEUE_PREFIX: prefix, PORT: String(port), ALLOW_PRIVATE_NETWORKS: 'true', ...extraEnv };
  const dispatcher = startNode(key, DISPATCHER_MAIN, { env, core: SUT_CORE, nodeArgs: profileArgs('dispatcher') });
  await waitHealthy(dispatcher, url);
  recordBootRss(key, dispatcher);
  const { loadDispatcherSettings } = await import(join(root, 'apps/dispatcher/dist/config/dispatcher-settings.js'));
  return { dispatcher, url, settings: loadDispatcherSettings(env) };
}

/**
 * POSTs `count` messages through the Svix API with `concurrency` in flight; returns their ids.
 * A failed publish throws, unless `tolerateFailures` (then `ids.failed` counts them: an arm that
 * loads the API to its limit reports them instead of losing its other numbers).
 */
async function publishMany(pool, adminKey, appId, count, payload, concurrency = 32, { tolerateFailures = false } = {}) {
  const ids = [];
  let next = 0;
  let failed = 0;
  const body = `{"eventType":"bench.event","payload":${payload}}`;
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  async function loop() {
    while (next < count) {
      next += 1;
      const res = await pool.request({ path: `/api/v1/app/${appId}/msg`, method: 'POST', headers, body });
      const text = await res.body.text();
      if (res.statusCode === 202) ids.push(JSON.parse(text).id);
      else failed += 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  if (failed > 0 && !tolerateFailures) throw new Error(`${failed} of ${count} publishes failed`);
  ids.failed = failed;
  return ids;
}

// ─────────────────────────────────── 2. dispatcher delivery ───────────────────────────────────

async function setupDispatcher(ctx) {
  const prefix = `sy-bench-dp-${hex(4)}`;
  cleanups.push(async () => void (await deletePrefix(redis, prefix)));
  const started = await startDispatcher(ctx, prefix);
  const svix = new Svix(ctx.adminKey, { serverUrl: started.url });
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const one = await svix.application.create({ name: 'bench one endpoint' });
  await svix.endpoint.create(one.id, { url: `http://127.0.0.1:${ctx.receiverPorts[0]}/one`, secret });
  const fifty = await svix.application.create({ name: 'bench fifty endpoints' });
  for (let i = 0; i < 50; i++) await svix.endpoint.create(fifty.id, { url: `http://127.0.0.1:${ctx.receiverPorts[i]}/fifty`, secret });
  // Every queue name an engine may use (the fair engine: fan-out and turns; before 2026-12-03: fan-out and delivery).
  const queues = Object.fromEntries(ISOLATION_QUEUES.map((name) => [name, new Queue(name, REDIS_URL, { prefix: `{${prefix}}` })]));
  await Promise.all(Object.values(queues).map((q) => q.isReady()));
  cleanups.push(async () => void (await Promise.all(Object.values(queues).map((q) => q.close()))));
  return { ...started, prefix, secret, apps: { 1: one.id, 50: fifty.id }, queues, pool: new Pool(started.url, { connections: 32 }) };
}

async function waitQueuesIdle(queues, timeoutMs) {
  await until(
    'the dispatcher queues to drain',
    async () => {
      const counts = await Promise.all(Object.values(queues).map((q) => q.getJobCounts()));
      return counts.every((c) => c.waiting + c.active + c.delayed + (c.paused ?? 0) === 0);
    },
    timeoutMs,
    100,
  );
}

/**
 * One product run: publish a backlog with both queues paused (a message for few endpoints gets its
 * deliveries when it is published, FAN_OUT_INLINE_MAX; one for many goes through the fan-out
 * queue), resume both, time the drain at the receiver.
 */
async function productRun(ctx, dp, endpoints, delay, deliveries) {
  const messages = Math.max(1, Math.round(deliveries / endpoints));
  const expected = messages * endpoints;
  await ctx.receiver.call('reset', { delay });
  await Promise.all(Object.values(dp.queues).map((q) => q.pause()));
  await publishMany(dp.pool, ctx.adminKey, dp.apps[endpoints], messages, ctx.payload);
  const ops0 = await opCounters(ctx);
  const logBytes0 = dp.dispatcher.outputBytes();
  let t0;
  const m = await withCpu([dp.dispatcher.pid], async () => {
    t0 = nowMs();
    await Promise.all(Object.values(dp.queues).map((q) => q.resume()));
    await until(`${expected} deliveries at the receiver`, async () => (await ctx.receiver.call('stats')).unique >= expected, 60_000 + expected * 20, 20);
    return ctx.receiver.call('stats');
  });
  const st = m.result;
  const cpu = m.cpu[0];
  await waitQueuesIdle(dp.queues, 60_000);
  const ops = perUnit(ops0, await opCounters(ctx, !QUICK), expected);
  const seconds = (st.lastMs - t0) / 1000;
  return {
    ops,
    deliveries: expected,
    perSecond: expected / seconds,
    firstArrivalAfterMs: st.firstMs - t0,
    duplicates: st.duplicates,
    missing: expected - st.unique,
    sutCpuMsPerDelivery: (cpu / expected) * 1000,
    storesCpuMsPerDelivery: (m.storesCpu / expected) * 1000,
    foreignCpu: m.foreign,
    logBytesPerDelivery: (dp.dispatcher.outputBytes() - logBytes0) / expected,
  };
}

async function rawRun(ctx, dp, endpoints, delay, count) {
  await ctx.receiver.call('reset', { delay });
  const targets = ctx.receiverPorts.slice(0, endpoints).map((p) => `http://127.0.0.1:${p}/raw`);
  const cpuBefore = cpuSeconds(ctx.rawLoop.pid);
  // The raw loop holds as many requests open as the dispatcher may: min(DELIVERY_CONCURRENCY, endpoints × per-endpoint limits).
  const concurrency = littleBound(dp.settings, endpoints, delay).inFlight;
  const r = await ctx.rawLoop.call('run', { targets, concurrency, count, secret: dp.secret, body: ctx.payload });
  const cpu = cpuSeconds(ctx.rawLoop.pid) - cpuBefore;
  const st = await ctx.receiver.call('stats');
  return { deliveries: count, perSecond: r.perSecond, failed: r.failed, duplicates: st.duplicates, missing: count - st.unique, sutCpuMsPerDelivery: (cpu / count) * 1000 };
}

/** Little's law: in-flight requests the dispatcher can hold against `endpoints` endpoints of one receiver, each on its own origin. */
function littleBound(settings, endpoints, delayMs, concurrency = settings.deliveryConcurrency, limited = true) {
  const inFlight = limited ? Math.min(concurrency, endpoints * settings.endpointMaxInFlight, endpoints * settings.connectionsPerOrigin) : concurrency;
  return { inFlight, perSecond: delayMs > 0 ? inFlight / (delayMs / 1000) : null };
}

async function armDispatcher(ctx, dp) {
  log(bold('\n2. Dispatcher deliveries vs a raw undici loop at the same concurrency'));
  const s = dp.settings;
  log(
    dim(
      `   DELIVERY_CONCURRENCY ${s.deliveryConcurrency}, FAN_OUT_CONCURRENCY ${s.fanOutConcurrency}, FAN_OUT_INLINE_MAX ${s.fanOutInlineMax}, ENDPOINT_MAX_IN_FLIGHT ${s.endpointMaxInFlight}, CONNECTIONS_PER_ORIGIN ${s.connectionsPerOrigin} (the dispatcher's defaults)`,
    ),
  );
  const scenarios = [
    { endpoints: 1, delay: 0 },
    { endpoints: 50, delay: 0 },
    { endpoints: 1, delay: 50 },
    { endpoints: 50, delay: 50 },
  ];
  const out = {};
  for (const { endpoints, delay } of scenarios) {
    const key = `${endpoints}ep_${delay}ms`;
    // Probe (also the warm-up): size each arm's backlog to about dispTargetS seconds. --quick
    // skips it and uses small fixed backlogs.
    const size = (rate) => Math.min(30_000, Math.max(endpoints === 50 ? 500 : 200, Math.round(rate * PLAN.dispTargetS)));
    let nProduct = endpoints === 50 ? 500 : 200;
    let nRaw = 1_000;
    if (PLAN.probe > 0) {
      nProduct = size((await productRun(ctx, dp, endpoints, delay, endpoints === 50 ? Math.max(PLAN.probe, 500) : PLAN.probe)).perSecond);
      nRaw = size((await rawRun(ctx, dp, endpoints, delay, PLAN.probe)).perSecond);
    }
    const rounds = { product: [], raw: [] };
    for (let round = 1; round <= PLAN.dispRounds; round++) {
      const p = await productRun(ctx, dp, endpoints, delay, nProduct);
      const r = await rawRun(ctx, dp, endpoints, delay, nRaw);
      for (const [arm, x] of [
        ['product', p],
        ['raw', r],
      ]) {
        if (x.missing !== 0) results.void.push(`dispatcher ${key} ${arm} round ${round}: ${x.missing} of ${x.deliveries} missing`);
        if (x.failed) results.void.push(`dispatcher ${key} raw round ${round}: ${x.failed} failed`);
      }
      rounds.product.push(p);
      rounds.raw.push(r);
      log(
        `   ${key.padEnd(9)} round ${round}: dispatcher ${fmt(p.perSecond).padStart(6)}/s (${p.deliveries}, dup ${p.duplicates}, missing ${p.missing}, ${fmt(p.sutCpuMsPerDelivery * 1000)} µs CPU/delivery + PG/Redis ${fmt(p.storesCpuMsPerDelivery * 1000)} µs; ${opsText(p.ops)}${p.foreignCpu > 0.05 ? `; other processes ${Math.round(p.foreignCpu * 100)} %` : ''})  raw ${fmt(r.perSecond)}/s (${r.deliveries}, ${fmt(r.sutCpuMsPerDelivery * 1000)} µs CPU/req)`,
      );
    }
    checkpointRss('dispatcher', dp.dispatcher, `after ${key}`);
    out[key] = {
      endpoints,
      receiverDelayMs: delay,
      perSecond: summary(rounds.product.map((x) => x.perSecond)),
      limitPerSecond: summary(rounds.raw.map((x) => x.perSecond)),
      ratio: summary(rounds.product.map((x, i) => x.perSecond / rounds.raw[i].perSecond)),
      sutCpuMsPerDelivery: summary(rounds.product.map((x) => x.sutCpuMsPerDelivery)),
      storesCpuMsPerDelivery: summary(rounds.product.map((x) => x.storesCpuMsPerDelivery)),
      limitCpuMsPerDelivery: summary(rounds.raw.map((x) => x.sutCpuMsPerDelivery)),
      ops: rounds.product.at(-1)?.ops,
      duplicates: rounds.product.reduce((n, x) => n + x.duplicates, 0),
      missing: rounds.product.reduce((n, x) => n + x.missing, 0),
      littlesLaw: delay > 0 ? { dispatcher: littleBound(s, endpoints, delay), raw: littleBound(s, endpoints, delay) } : null,
      rounds,
    };
  }
  results.arms.dispatcher = {
    what: 'backlog published with both queues paused, then drained: deliveries/s from resume to the last unique arrival (fan-out included where a message goes to more than FAN_OUT_INLINE_MAX endpoints; publishing, and with it the inline fan-out, excluded); raw loop = undici Agent, same concurrency, same signed 1 KB body, same receiver',
    settings: {
      deliveryConcurrency: s.deliveryConcurrency,
      fanOutConcurrency: s.fanOutConcurrency,
      fanOutInlineMax: s.fanOutInlineMax,
      endpointMaxInFlight: s.endpointMaxInFlight,
      connectionsPerOrigin: s.connectionsPerOrigin,
    },
    scenarios: out,
  };
}

// ────────────────────────────────────── 3. end to end ──────────────────────────────────────

/**
 * Latencies of an open-loop run from each id's scheduled send to its first arrival, and the ledger.
 * `ports`: count arrivals at these receiver ports only; `drainS`: how long the deliveries get.
 */
async function e2eLedger(ctx, sent, warmUntilMs, label, { ports = null, drainS = PLAN.drainS } = {}) {
  // sent: [{ key, scheduled, ok, done }]
  const accepted = sent.filter((s) => s.ok);
  const rejected = sent.length - accepted.length;
  const byKey = new Map(accepted.map((s) => [s.key, s]));
  const deadline = Date.now() + drainS * 1000;
  let arrivals;
  for (;;) {
    arrivals = await ctx.receiver.call('arrivals', { ports });
    const delivered = arrivals.filter(([id, , , tag]) => byKey.has(tag ?? id)).length;
    if (delivered >= accepted.length || Date.now() > deadline) break;
    await sleep(200);
  }
  const latencies = [];
  let delivered = 0;
  let duplicates = 0;
  for (const [id, first, count, tag] of arrivals) {
    const s = byKey.get(tag ?? id);
    if (!s) continue;
    delivered += 1;
    duplicates += count - 1;
    if (s.scheduled >= warmUntilMs) latencies.push(first - s.scheduled);
  }
  const missing = accepted.length - delivered;
  const acceptLatency = latencyPercentiles(accepted.filter((s) => s.scheduled >= warmUntilMs).map((s) => s.done - s.scheduled));
  const ledger = { sent: accepted.length, delivered, missing, duplicates, rejectedAtPublish: rejected, balanced: accepted.length === delivered + missing && missing === 0 };
  if (missing > 0) results.void.push(`${label}: ${missing} of ${accepted.length} accepted messages never delivered`);
  if (sent.length > 0 && rejected / sent.length > 0.001) results.void.push(`${label}: ${rejected} of ${sent.length} publishes not accepted`);
  return { latency: latencyPercentiles(latencies), acceptLatency, ledger };
}

/**
 * The dispatcher's capacity for the whole path the end-to-end arm loads: publishing through the
 * API and delivering, in one process, to 1 endpoint. Closed loop (32 connections publishing as
 * fast as they are answered) for PLAN.capS seconds, then the drain: delivered / (last arrival −
 * first send). Arm 2 measures delivery alone, which is not what the end-to-end load costs.
 */
async function e2eCapacity(ctx, dp) {
  await ctx.receiver.call('reset', { delay: 0 });
  await waitQueuesIdle(dp.queues, 30_000);
  const pool = new Pool(dp.url, { connections: 32 });
  const body = `{"eventType":"bench.event","payload":${ctx.payload}}`;
  const headers = { authorization: `Bearer ${ctx.adminKey}`, 'content-type': 'application/json' };
  const start = nowMs();
  const until = start + PLAN.capS * 1000;
  let accepted = 0;
  const loop = async () => {
    while (nowMs() < until) {
      const res = await pool.request({ path: `/api/v1/app/${dp.apps[1]}/msg`, method: 'POST', headers, body });
      await res.body.text();
      if (res.statusCode === 202) accepted += 1;
    }
  };
  await Promise.all(Array.from({ length: 32 }, loop));
  await pool.close();
  const st = await until_(`${accepted} deliveries at the receiver`, async () => {
    const x = await ctx.receiver.call('stats');
    return x.unique >= accepted ? x : null;
  });
  const perSecond = accepted / ((st.lastMs - start) / 1000);
  log(`   capacity, publish + deliver (closed loop ${PLAN.capS} s, 32 connections, 1 endpoint): ${fmt(perSecond)}/s (${accepted} messages)`);
  await waitQueuesIdle(dp.queues, 30_000);
  return perSecond;
}

async function armE2e(ctx, dp) {
  const capacity = E2E_RATE ? null : await e2eCapacity(ctx, dp);
  const rate = E2E_RATE ?? Math.max(10, Math.round(0.5 * capacity));
  results.arms.e2eCapacity = capacity === null ? undefined : { what: 'publish through the API + deliver to 1 endpoint, closed loop, one dispatcher process', perSecond: capacity };
  log(bold(`\n3. End to end: publish → delivered, open loop at ${rate}/s (${E2E_RATE ? 'set by --e2e-rate' : 'half the measured publish + deliver capacity'}), 1 endpoint`));
  await ctx.receiver.call('reset', { delay: 0 });
  await waitQueuesIdle(dp.queues, 30_000);
  const pool = new Pool(dp.url, { connections: 128 });
  const body = `{"eventType":"bench.event","payload":${ctx.payload}}`;
  const headers = { authorization: `Bearer ${ctx.adminKey}`, 'content-type': 'application/json' };
  const seconds = PLAN.e2eWarmS + PLAN.e2eS;
  const start = nowMs();
  const measured = await withCpu([dp.dispatcher.pid], () =>
    openLoop({
      rate,
      seconds,
      fire: async () => {
        const res = await pool.request({ path: `/api/v1/app/${dp.apps[1]}/msg`, method: 'POST', headers, body });
        const text = await res.body.text();
        const done = nowMs();
        return res.statusCode === 202 ? { ok: true, key: JSON.parse(text).id, done } : { ok: false, done };
      },
    }),
  );
  const run = measured.result;
  await pool.close();
  const r = await e2eLedger(ctx, run.records, start + PLAN.e2eWarmS * 1000, 'end to end (publish)');
  checkpointRss('dispatcher', dp.dispatcher, 'after end to end (publish)');
  log(`   ${run.n} published over ${seconds} s (first ${PLAN.e2eWarmS} s warm-up, not in the percentiles); generator lag max ${fmt(run.maxLagMs)} ms`);
  log(
    `   publish → delivered: p50 ${fmt(r.latency.p50)} ms, p90 ${fmt(r.latency.p90)} ms, p99 ${fmt(r.latency.p99)} ms, max ${fmt(r.latency.max)} ms; publish answered p50 ${fmt(r.acceptLatency.p50)} ms, p99 ${fmt(r.acceptLatency.p99)} ms`,
  );
  log(
    `   ledger: sent ${r.ledger.sent} = delivered ${r.ledger.delivered} + missing ${r.ledger.missing}; duplicates ${r.ledger.duplicates} ${r.ledger.balanced ? '(balanced)' : '(NOT balanced: run void)'}`,
  );
  results.arms.e2e = {
    what: 'POST /api/v1/app/{app}/msg open loop (latency from the scheduled send time) → first arrival at the receiver, one clock (CLOCK_MONOTONIC)',
    offeredPerSecond: rate,
    seconds: PLAN.e2eS,
    warmUpSeconds: PLAN.e2eWarmS,
    generatorMaxLagMs: run.maxLagMs,
    dispatcherCpuUtilisation: measured.cpu[0] / measured.wallSeconds,
    foreignCpu: measured.foreign,
    ...r,
  };
}

async function armIngestE2e(ctx, dp) {
  log(bold(`\n3b. End to end: GitHub webhook → gateway → dispatcher → receiver (both apps on the app core)`));
  const { gateway, url } = await startGateway(ctx, dp.prefix);
  const gw = new Svix(ctx.adminKey, { serverUrl: url });
  const secret = `bench-${hex(16)}`;
  const source = await gw.ingest.source.create({ name: 'bench github e2e', type: 'github', config: { secret } });
  await gw.ingest.endpoint.create(source.id, { url: `http://127.0.0.1:${ctx.receiverPorts[0]}/ingest`, secret: dp.secret });
  const path = new URL(source.ingestUrl).pathname;
  const body = githubBody();
  const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-hook-id': '4242' };

  // The pipeline's capacity, measured as arm 3's is: 32 connections posting webhooks as fast as
  // the gateway answers for PLAN.capS seconds; delivered / (last arrival − first send).
  await ctx.receiver.call('reset', { delay: 0, tag: 'providereventid' });
  await waitQueuesIdle(dp.queues, 30_000);
  let accepted = 0;
  {
    const pool = new Pool(url, { connections: 32 });
    const start = nowMs();
    const stop = start + PLAN.capS * 1000;
    const loop = async () => {
      while (nowMs() < stop) {
        const d = githubDelivery(secret, body, headers);
        const res = await pool.request({ path, method: 'POST', headers: d.headers, body: d.body });
        await res.body.text();
        if (res.statusCode === 200) accepted += 1;
      }
    };
    await Promise.all(Array.from({ length: 32 }, loop));
    await pool.close();
    const st = await until_(`${accepted} ingested deliveries at the receiver`, async () => {
      const x = await ctx.receiver.call('stats');
      return x.unique >= accepted ? x : null;
    });
    const capacity = accepted / ((st.lastMs - start) / 1000);
    results.arms.ingestCapacity = { what: 'GitHub webhooks through the gateway and the dispatcher to 1 ingest endpoint, closed loop', perSecond: capacity };
    log(`   capacity, ingest + deliver (closed loop ${PLAN.capS} s, 32 connections): ${fmt(capacity)}/s (${accepted} webhooks)`);
  }
  const rate = E2E_RATE ?? Math.max(10, Math.round(0.5 * results.arms.ingestCapacity.perSecond));
  log(`   open loop at ${rate}/s (${E2E_RATE ? 'set by --e2e-rate' : 'half the measured capacity'})`);
  await ctx.receiver.call('reset', { delay: 0, tag: 'providereventid' });
  await waitQueuesIdle(dp.queues, 30_000);
  const pool = new Pool(url, { connections: 128 });
  const seconds = PLAN.e2eWarmS + PLAN.ingestS;
  const start = nowMs();
  const run = await openLoop({
    rate,
    seconds,
    fire: async () => {
      const d = githubDelivery(secret, body, headers);
      const res = await pool.request({ path, method: 'POST', headers: d.headers, body: d.body });
      await res.body.text();
      // providereventid is the X-GitHub-Delivery GUID (it was `{hook id}:{GUID}`)
      return { ok: res.statusCode >= 200 && res.statusCode < 300, key: d.delivery, done: nowMs() };
    },
  });
  await pool.close();
  const r = await e2eLedger(ctx, run.records, start + PLAN.e2eWarmS * 1000, 'end to end (ingest)');
  checkpointRss('dispatcher', dp.dispatcher, 'after end to end (ingest)');
  checkpointRss('gateway', gateway, 'after end to end (ingest)');
  log(`   ${run.n} webhooks over ${seconds} s; generator lag max ${fmt(run.maxLagMs)} ms`);
  log(
    `   ingest → delivered: p50 ${fmt(r.latency.p50)} ms, p90 ${fmt(r.latency.p90)} ms, p99 ${fmt(r.latency.p99)} ms, max ${fmt(r.latency.max)} ms; gateway answered p50 ${fmt(r.acceptLatency.p50)} ms, p99 ${fmt(r.acceptLatency.p99)} ms`,
  );
  log(
    `   ledger: sent ${r.ledger.sent} = delivered ${r.ledger.delivered} + missing ${r.ledger.missing}; duplicates ${r.ledger.duplicates} ${r.ledger.balanced ? '(balanced)' : '(NOT balanced: run void)'}`,
  );
  await stopApp(gateway, 'gateway');
  results.arms.ingestE2e = {
    what: 'GitHub-signed POST /in/:token open loop → CloudEvent at the receiver (gateway and dispatcher both on the app core)',
    offeredPerSecond: rate,
    seconds: PLAN.ingestS,
    warmUpSeconds: PLAN.e2eWarmS,
    generatorMaxLagMs: run.maxLagMs,
    ...r,
  };
}

// ───────────────────────────────────── 4. Bull ceiling ─────────────────────────────────────

async function armBull(_ctx, concurrency) {
  log(bold(`\n4. Bull's own ceiling: no-op jobs at concurrency ${concurrency}, same Redis, own prefix`));
  const helper = forkHelper('bull-ceiling', join(here, 'bull-ceiling.mjs'), { core: SUT_CORE });
  const rounds = [];
  for (let round = 1; round <= PLAN.bullRounds; round++) {
    const prefix = `sy-bench-bull-${hex(4)}`;
    try {
      const r = await helper.call('run', { redisUrl: REDIS_URL, prefix, concurrency, count: PLAN.bullJobs });
      rounds.push(r);
      log(`   round ${round}: ${fmt(r.perSecond)} jobs/s processed (${r.count} jobs), addBulk ${fmt(r.addPerSecond)} jobs/s`);
    } finally {
      await deletePrefix(redis, prefix);
    }
  }
  await stop(helper);
  results.arms.bull = {
    what: 'Bull 4 queue, addBulk of 500, then process(concurrency) with a no-op handler, removeOnComplete; jobs/s from the first fetch to the last completion',
    concurrency,
    perSecond: summary(rounds.map((r) => r.perSecond)),
    addPerSecond: summary(rounds.map((r) => r.addPerSecond)),
    rounds,
  };
}

// ─────────────────────────────────────── 6. isolation ───────────────────────────────────────
// Both arms use only the Svix-compatible API (applications, endpoints, publish, attempts, delivery
// status) and the receiver, so they measure a rewritten delivery engine unchanged.

/**
 * A dispatcher of its own for one isolation arm: its own database, since the reconciler re-enqueues
 * overdue deliveries from PostgreSQL whatever the queue prefix (a backlog one arm leaves behind
 * would be sent during the next), and its own queue prefix.
 */
async function isolationDispatcher(ctx, label, extraEnv = {}) {
  const database = await createTestDatabase(`pnpm_bench_${label}`);
  cleanups.push(() => database.drop());
  const prefix = `sy-bench-${label}-${hex(4)}`;
  cleanups.push(async () => void (await deletePrefix(redis, prefix)));
  // Its PostgreSQL backends are this run's, not other processes', in the CPU accounting.
  setDatabaseName(database.name);
  const started = await startDispatcher(ctx, prefix, { DATABASE_URL: database.url, ...extraEnv }, `dispatcher (${label})`);
  return { ...started, database, prefix, key: `dispatcher (${label})`, svix: new Svix(ctx.adminKey, { serverUrl: started.url }), secret: `whsec_${randomBytes(24).toString('base64')}` };
}

/** Stops an isolation arm's dispatcher and drops its database and keys at once (the end of the run does it again, harmlessly). */
async function endIsolationDispatcher(ctx, dp) {
  await stopApp(dp.dispatcher, dp.key);
  await dp.database.drop().catch((e) => log(`   could not drop ${dp.database.name}: ${e.message}`));
  await deletePrefix(redis, dp.prefix);
  setDatabaseName(ctx.databaseName);
}

/** One publish through the API, as the open-loop generators record it. */
async function publishOne(pool, adminKey, appId, body) {
  const res = await pool.request({ path: `/api/v1/app/${appId}/msg`, method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body });
  const text = await res.body.text();
  const done = nowMs();
  if (res.statusCode !== 202) return { ok: false, done, status: res.statusCode };
  const msg = JSON.parse(text);
  return { ok: true, key: msg.id, timestamp: msg.timestamp, done };
}

/** GET through the API: { status, body } (body parsed when JSON); never throws on an HTTP status. */
async function apiGet(pool, adminKey, path) {
  const res = await pool.request({ path, method: 'GET', headers: { authorization: `Bearer ${adminKey}` } });
  const text = await res.body.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.statusCode, body };
}

/** Runs fn over items with at most `limit` at once. */
async function mapLimit(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Counts of each value, as an object sorted by key ({ "4": 300 }). */
function histogram(values) {
  const h = {};
  for (const v of values) h[String(v)] = (h[String(v)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(h).sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b)));
}

const histogramText = (h) =>
  Object.entries(h)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
const pct = (x) => `${Math.round(x * 100)} %`;
const foreignText = (f) => (f > 0.05 ? `; other processes used ${pct(f)} of the machine` : `; other processes ${pct(f)}`);

/**
 * 6a. Noisy neighbour. Application A has a backlog to one endpoint that answers after 50 ms;
 * application B publishes at a low rate to an endpoint that answers at once. A's backlog is
 * published through the API (closed loop) with the dispatcher's queues paused (Bull global pause,
 * as arm 2 does), so that it is all there at once: publishing through the API is slower than
 * delivering, and a backlog published while delivery runs never forms. Then the queues are resumed
 * and B's messages are published open loop at once, while A's backlog drains. B's publish →
 * delivered latency shows whether B waits behind A; A's drain rate against its own bound
 * (ENDPOINT_MAX_IN_FLIGHT / 50 ms) shows whether isolating B costs A its throughput.
 */
async function armNoisyNeighbour(ctx) {
  const I = ISOLATION;
  log(
    bold(
      `\n6a. Isolation, noisy neighbour: A publishes ${I.noisyMessages.toLocaleString('en-US')} messages (endpoint answers after 50 ms) with the queues paused; on resume, B ${I.quietRate}/s open loop for ${I.quietS} s (endpoint answers at once) while A drains`,
    ),
  );
  const dp = await isolationDispatcher(ctx, 'noisy');
  // Every queue name either engine may use under this prefix; pausing one nobody uses is harmless.
  const queues = await Promise.all(
    ISOLATION_QUEUES.map(async (name) => {
      const q = new Queue(name, REDIS_URL, { prefix: `{${dp.prefix}}` });
      await q.isReady();
      return q;
    }),
  );
  let queuesOpen = true;
  const closeQueues = async () => {
    if (!queuesOpen) return;
    queuesOpen = false;
    await Promise.all(queues.map((q) => q.close()));
  };
  cleanups.push(closeQueues);
  const [portA, portB] = await ctx.receiver.call('listen', { ports: 2 });
  await ctx.receiver.call('reset', { delays: { [portA]: 50, [portB]: 0 } });
  const appA = await dp.svix.application.create({ name: 'bench noisy A' });
  await dp.svix.endpoint.create(appA.id, { url: `http://127.0.0.1:${portA}/a`, secret: dp.secret });
  const appB = await dp.svix.application.create({ name: 'bench quiet B' });
  await dp.svix.endpoint.create(appB.id, { url: `http://127.0.0.1:${portB}/b`, secret: dp.secret });
  const bound = { inFlight: dp.settings.endpointMaxInFlight, receiverDelayMs: 50, perSecond: dp.settings.endpointMaxInFlight / 0.05 };
  log(dim(`   A's bound: ENDPOINT_MAX_IN_FLIGHT ${bound.inFlight} / 50 ms = ${fmt(bound.perSecond)}/s; DELIVERY_CONCURRENCY ${dp.settings.deliveryConcurrency} (defaults)`));
  const statsA = async () => (await ctx.receiver.call('portStats', { ports: [portA] })).ports[portA];
  const jobCounts = async () => Object.fromEntries(await Promise.all(queues.map(async (q) => [q.name, await q.getJobCounts()])));
  const body = `{"eventType":"bench.event","payload":${ctx.payload}}`;

  // A's backlog: the queues paused (globally), then 32 requests in flight, as fast as the API answers.
  await Promise.all(queues.map((q) => q.pause()));
  const pool = new Pool(dp.url, { connections: 32 });
  let publishStart;
  const published = await withCpu([dp.dispatcher.pid], async () => {
    publishStart = nowMs();
    return publishMany(pool, ctx.adminKey, appA.id, I.noisyMessages, ctx.payload, 32, { tolerateFailures: true });
  });
  const idsA = published.result;
  await pool.close();
  const publishEnd = nowMs();
  const publishPerSecond = idsA.length / ((publishEnd - publishStart) / 1000);
  if (idsA.failed > 0) results.void.push(`noisy neighbour: ${idsA.failed} of ${I.noisyMessages} publishes to A not accepted`);
  const jobsAtResume = await jobCounts();
  const jobsText = Object.entries(jobsAtResume)
    .map(([name, c]) => `${name} ${(c.waiting + (c.paused ?? 0)).toLocaleString('en-US')} waiting/paused, ${c.delayed} delayed, ${c.active} active`)
    .join('; ');
  // Nothing is delivered while paused; whatever arrived is counted out of the backlog.
  const atResume = await statsA();
  const backlogAtResume = idsA.length - atResume.unique;
  log(
    `   A published ${idsA.length.toLocaleString('en-US')} in ${fmt((publishEnd - publishStart) / 1000)} s (${fmt(publishPerSecond)}/s${idsA.failed ? `, ${idsA.failed} failed` : ''}) with the queues paused; delivered meanwhile ${atResume.unique.toLocaleString('en-US')}; dispatcher ${pct(published.cpu[0] / published.wallSeconds)} of its core${foreignText(published.foreign)}`,
  );
  log(dim(`   jobs at resume: ${jobsText}`));

  // Resume, and B's window at once: open loop until quietS is over or A's backlog is gone. A watcher
  // samples A's arrivals, so the generator can stop when A drains and A's rate in the window is known.
  let aDrained = atResume.unique >= idsA.length;
  let watching = !aDrained;
  let drainedAtMs = null;
  const watcher = (async () => {
    while (watching) {
      const st = await statsA();
      if (st.unique >= idsA.length) {
        aDrained = true;
        drainedAtMs = st.lastMs;
        return;
      }
      await sleep(100);
    }
  })();
  const bPool = new Pool(dp.url, { connections: 64 });
  const drainDeadlineMs = I.noisyDrainDeadlineS * 1000;
  let resumeAt;
  let windowEnd;
  let windowEndA;
  let quiet;
  let last;
  let lastMove;
  const whole = await withCpu([dp.dispatcher.pid], async () => {
    resumeAt = nowMs();
    await Promise.all(queues.map((q) => q.resume()));
    quiet = await withCpu([dp.dispatcher.pid], () => openLoop({ rate: I.quietRate, seconds: I.quietS, stopWhen: () => aDrained, fire: () => publishOne(bPool, ctx.adminKey, appB.id, body) }));
    windowEnd = nowMs();
    windowEndA = await statsA();
    watching = false;
    await watcher;
    await bPool.close();
    // A's drain: up to the deadline from the resume (or a minute without progress); how far it got is reported either way.
    last = windowEndA;
    lastMove = Date.now();
    let lastLog = Date.now();
    while (last.unique < idsA.length && nowMs() - resumeAt < drainDeadlineMs && Date.now() - lastMove < 60_000) {
      await sleep(250);
      const st = await statsA();
      if (st.unique > last.unique) lastMove = Date.now();
      last = st;
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(dim(`   … A: ${st.unique.toLocaleString('en-US')} of ${idsA.length.toLocaleString('en-US')} delivered, ${fmt((nowMs() - resumeAt) / 1000)} s after the resume`));
      }
    }
  });
  const windowSeconds = (windowEnd - resumeAt) / 1000;
  const backlogAtWindowEnd = idsA.length - windowEndA.unique;
  if (quiet.result.stoppedEarly) {
    // Then B was measured against a shorter backlog than planned: say so beside the numbers.
    results.notes.push(
      `noisy neighbour: A's backlog (${backlogAtResume.toLocaleString('en-US')} at the resume) was gone ${fmt(windowSeconds)} s into B's ${I.quietS} s window: B's ${quiet.result.n} messages were all published while A had a backlog, but the window was cut short`,
    );
  }
  // A's deliveries in B's window (from the resume), up to the moment A drained if it did.
  const windowRateA = (windowEndA.unique - atResume.unique) / (((drainedAtMs ?? windowEnd) - resumeAt) / 1000);
  log(
    `   B: ${quiet.result.n} published over ${fmt(windowSeconds)} s from the resume${quiet.result.stoppedEarly ? " (stopped early: A's backlog was gone)" : ''}; generator lag max ${fmt(quiet.result.maxLagMs)} ms; A delivered ${(windowEndA.unique - atResume.unique).toLocaleString('en-US')} in the window (${fmt(windowRateA)}/s), backlog ${backlogAtWindowEnd.toLocaleString('en-US')} at its end; dispatcher ${pct(quiet.cpu[0] / quiet.wallSeconds)} of its core${foreignText(quiet.foreign)}`,
  );
  const drained = last.unique >= idsA.length;
  const drainEndReason = drained ? null : Date.now() - lastMove >= 60_000 ? 'no progress for 60 s' : `deadline ${I.noisyDrainDeadlineS} s after the resume`;
  if (!drained) log(`   ${bold('A did not drain:')} ${last.unique.toLocaleString('en-US')} of ${idsA.length.toLocaleString('en-US')} delivered when the wait ended (${drainEndReason})`);

  // Ledgers. B's deliveries had all of A's drain to arrive; they get PLAN.drainS more.
  const b = await e2eLedger(ctx, quiet.result.records, -Infinity, 'noisy neighbour B', { ports: [portB] });
  const arrivalsA = await ctx.receiver.call('arrivals', { ports: [portA] });
  const sentA = new Set(idsA);
  let deliveredA = 0;
  let duplicatesA = 0;
  for (const [id, , count] of arrivalsA) {
    if (!sentA.has(id)) continue;
    deliveredA += 1;
    duplicatesA += count - 1;
  }
  const ledgerA = { sent: idsA.length, delivered: deliveredA, missing: idsA.length - deliveredA, duplicates: duplicatesA, rejectedAtPublish: idsA.failed, balanced: deliveredA === idsA.length };
  if (ledgerA.missing > 0)
    results.void.push(`noisy neighbour A: ${ledgerA.missing} of ${ledgerA.sent} accepted messages not delivered ${I.noisyDrainDeadlineS} s after the resume (${drainEndReason})`);
  // The whole drain: from the resume to A's last arrival (or its last arrival so far).
  const endA = await statsA();
  const drainSeconds = endA.lastMs !== null ? (endA.lastMs - resumeAt) / 1000 : NaN;
  const drainRateA = (endA.unique - atResume.unique) / drainSeconds;
  const jobsAtEnd = await jobCounts();
  checkpointRss(dp.key, dp.dispatcher, 'after the noisy neighbour');

  log(
    `   B publish → delivered: p50 ${fmt(b.latency.p50)} ms, p90 ${fmt(b.latency.p90)} ms, p99 ${fmt(b.latency.p99)} ms, max ${fmt(b.latency.max)} ms (${b.latency.count} messages); publish answered p50 ${fmt(b.acceptLatency.p50)} ms, p99 ${fmt(b.acceptLatency.p99)} ms`,
  );
  log(
    `   A drain: ${fmt(windowRateA)}/s in B's window (${(windowRateA / bound.perSecond).toFixed(2)}× the bound), ${fmt(drainRateA)}/s resume → last arrival over ${fmt(drainSeconds)} s (${(drainRateA / bound.perSecond).toFixed(2)}×)${drained ? '' : ', NOT drained'}; bound ${fmt(bound.perSecond)}/s; dispatcher ${pct(whole.cpu[0] / whole.wallSeconds)} of its core, ${fmt((whole.cpu[0] / Math.max(1, endA.unique - atResume.unique)) * 1e6)} µs CPU per delivery${foreignText(whole.foreign)}`,
  );
  log(`   ledger A: sent ${ledgerA.sent} = delivered ${ledgerA.delivered} + missing ${ledgerA.missing}; duplicates ${ledgerA.duplicates}${drained ? '' : ` (NOT drained: ${drainEndReason})`}`);
  log(
    `   ledger B: sent ${b.ledger.sent} = delivered ${b.ledger.delivered} + missing ${b.ledger.missing}; duplicates ${b.ledger.duplicates} ${b.ledger.balanced ? '(balanced)' : '(NOT balanced: run void)'}`,
  );
  await closeQueues();
  await endIsolationDispatcher(ctx, dp);
  results.arms.noisyNeighbour = {
    what: `A: closed-loop publish (32 in flight) of a backlog to 1 endpoint answering after 50 ms, with the queues ${ISOLATION_QUEUES.join(', ')} paused (Bull global pause); then all resumed and at once B: open-loop publish to 1 endpoint answering at once, while A drains; latency from the scheduled send to the first arrival at B (CLOCK_MONOTONIC); A's rates from the resume; both through the API only`,
    settings: {
      deliveryConcurrency: dp.settings.deliveryConcurrency,
      endpointMaxInFlight: dp.settings.endpointMaxInFlight,
      connectionsPerOrigin: dp.settings.connectionsPerOrigin,
      fanOutInlineMax: dp.settings.fanOutInlineMax,
    },
    pausedQueues: ISOLATION_QUEUES,
    a: {
      messages: idsA.length,
      publishSeconds: (publishEnd - publishStart) / 1000,
      publishPerSecond,
      deliveredWhilePaused: atResume.unique,
      jobsAtResume,
      jobsAtEnd,
      backlogAtResume,
      backlogAtWindowEnd,
      drainedBeforeWindowEnded: quiet.result.stoppedEarly,
      drained,
      drainEndReason,
      drainDeadlineSeconds: I.noisyDrainDeadlineS,
      deliveredAtEnd: endA.unique,
      windowPerSecond: windowRateA,
      windowRatio: windowRateA / bound.perSecond,
      drainPerSecond: drainRateA,
      drainRatio: drainRateA / bound.perSecond,
      drainSeconds,
      firstArrivalAfterResumeMs: endA.firstMs !== null ? endA.firstMs - resumeAt : null,
      bound,
      ledger: ledgerA,
      publishDispatcherCpuUtilisation: published.cpu[0] / published.wallSeconds,
      publishForeignCpu: published.foreign,
      drainDispatcherCpuUtilisation: whole.cpu[0] / whole.wallSeconds,
      drainDispatcherCpuUsPerDelivery: (whole.cpu[0] / Math.max(1, endA.unique - atResume.unique)) * 1e6,
      drainStoresCpuUsPerDelivery: (whole.storesCpu / Math.max(1, endA.unique - atResume.unique)) * 1e6,
      drainForeignCpu: whole.foreign,
    },
    b: {
      offeredPerSecond: I.quietRate,
      plannedSeconds: I.quietS,
      windowSeconds,
      generatorMaxLagMs: quiet.result.maxLagMs,
      ...b,
      windowDispatcherCpuUtilisation: quiet.cpu[0] / quiet.wallSeconds,
      windowForeignCpu: quiet.foreign,
    },
  };
}

/**
 * 6b. Hanging endpoints. Ten endpoints take the request and never answer; a healthy endpoint of
 * another application answers at once. With DELIVERY_TIMEOUT_MS=2000 and RETRY_SCHEDULE=1s,1s,1s
 * a hanging delivery fails after 4 attempts (~12 s). Measures the healthy endpoint's publish →
 * delivered latency while the hanging ones are loaded, and checks through the API that every
 * hanging message ends failed with its attempts recorded (nothing lost).
 */
async function armHangingEndpoints(ctx) {
  const I = ISOLATION;
  log(
    bold(
      `\n6b. Isolation, hanging endpoints: ${I.hanging} endpoints that never answer (${I.hangingRate}/s each) and a healthy one (${I.healthyRate}/s), open loop for ${I.hangS} s; ${Object.entries(
        HANGING_ENV,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    ),
  );
  const dp = await isolationDispatcher(ctx, 'hanging', HANGING_ENV);
  const ports = await ctx.receiver.call('listen', { ports: I.hanging + 1 });
  const hangingPorts = ports.slice(0, I.hanging);
  const healthyPort = ports[I.hanging];
  const delays = { ...Object.fromEntries(hangingPorts.map((p) => [p, 'hang'])), [healthyPort]: 0 };
  // One application per hanging endpoint, so that each message has one destination to check.
  const hanging = [];
  for (const [i, port] of hangingPorts.entries()) {
    const app = await dp.svix.application.create({ name: `bench hanging ${i}` });
    const endpoint = await dp.svix.endpoint.create(app.id, { url: `http://127.0.0.1:${port}/hang`, secret: dp.secret });
    hanging.push({ app: app.id, endpoint: endpoint.id, port });
  }
  const healthyApp = await dp.svix.application.create({ name: 'bench healthy' });
  await dp.svix.endpoint.create(healthyApp.id, { url: `http://127.0.0.1:${healthyPort}/ok`, secret: dp.secret });
  const s = dp.settings;
  log(
    dim(
      `   DELIVERY_CONCURRENCY ${s.deliveryConcurrency}, ENDPOINT_MAX_IN_FLIGHT ${s.endpointMaxInFlight}, CONNECTIONS_PER_ORIGIN ${s.connectionsPerOrigin}, DELIVERY_TIMEOUT_MS ${s.deliveryTimeoutMs}, retries ${s.retryScheduleMs.map((ms) => `${ms / 1000}s`).join(',')}`,
    ),
  );

  // Warm-up: the healthy path once end to end (JIT, connections), before any endpoint hangs.
  const warmPool = new Pool(dp.url, { connections: 4 });
  await ctx.receiver.call('reset', { delays });
  const warm = await publishMany(warmPool, ctx.adminKey, healthyApp.id, 20, ctx.payload, 4);
  await until_('the warm-up deliveries', async () => (await ctx.receiver.call('portStats', { ports: [healthyPort] })).ports[healthyPort].unique >= warm.length);
  await warmPool.close();
  await ctx.receiver.call('reset', { delays });

  const body = `{"eventType":"bench.event","payload":${ctx.payload}}`;
  const pool = new Pool(dp.url, { connections: 128 });
  // Sockets open to the hanging receivers, sampled (the receiver also keeps the exact peak).
  let sampling = true;
  const openSamples = [];
  const sampler = (async () => {
    while (sampling) {
      openSamples.push((await ctx.receiver.call('portStats', { ports: hangingPorts })).hangingOpen);
      await sleep(250);
    }
  })();
  const window = await withCpu([dp.dispatcher.pid], () =>
    Promise.all([
      openLoop({ rate: I.hangingRate * I.hanging, seconds: I.hangS, fire: (i) => publishOne(pool, ctx.adminKey, hanging[i % I.hanging].app, body).then((r) => ({ ...r, target: i % I.hanging })) }),
      openLoop({ rate: I.healthyRate, seconds: I.hangS, fire: () => publishOne(pool, ctx.adminKey, healthyApp.id, body) }),
    ]),
  );
  const [hangRun, healthyRun] = window.result;
  const windowEnd = Date.now();
  await pool.close();
  log(
    `   published ${hangRun.n} to the hanging endpoints and ${healthyRun.n} to the healthy one over ${I.hangS} s; generator lag max ${fmt(Math.max(hangRun.maxLagMs, healthyRun.maxLagMs))} ms; dispatcher ${pct(window.cpu[0] / window.wallSeconds)} of its core${foreignText(window.foreign)}`,
  );

  // The healthy endpoint's ledger, given as long as the hanging messages get.
  const healthy = await e2eLedger(ctx, healthyRun.records, -Infinity, 'hanging endpoints: healthy', { ports: [healthyPort], drainS: I.hangDeadlineS });
  log(
    `   healthy publish → delivered: p50 ${fmt(healthy.latency.p50)} ms, p90 ${fmt(healthy.latency.p90)} ms, p99 ${fmt(healthy.latency.p99)} ms, max ${fmt(healthy.latency.max)} ms (${healthy.latency.count} messages); publish answered p50 ${fmt(healthy.acceptLatency.p50)} ms, p99 ${fmt(healthy.acceptLatency.p99)} ms`,
  );
  log(
    `   ledger healthy: sent ${healthy.ledger.sent} = delivered ${healthy.ledger.delivered} + missing ${healthy.ledger.missing}; duplicates ${healthy.ledger.duplicates} ${healthy.ledger.balanced ? '(balanced)' : '(NOT balanced: run void)'}`,
  );

  // Every hanging message until it is finished (success, fail or canceled at its endpoint), or the deadline.
  const api = new Pool(dp.url, { connections: 8 });
  const msgs = hangRun.records.filter((r) => r.ok).map((r) => ({ ...hanging[r.target], id: r.key, publishedAt: r.timestamp, status: null, attempts: [] }));
  const rejected = hangRun.records.length - msgs.length;
  if (rejected > 0) results.void.push(`hanging endpoints: ${rejected} of ${hangRun.records.length} publishes to hanging endpoints not accepted`);
  const FINISHED = new Set([0, 2, 4]);
  const deadline = windowEnd + I.hangDeadlineS * 1000;
  let unfinished = msgs;
  let apiErrors = 0;
  for (;;) {
    await mapLimit(unfinished, 8, async (m) => {
      const r = await apiGet(api, ctx.adminKey, `/api/v1/app/${m.app}/msg/${m.id}/endpoint`);
      if (r.status !== 200) {
        apiErrors += 1;
        return;
      }
      m.status = r.body.data.find((d) => d.id === m.endpoint)?.status ?? null;
    });
    unfinished = unfinished.filter((m) => !FINISHED.has(m.status));
    if (unfinished.length === 0 || Date.now() > deadline) break;
    await sleep(2_000);
  }
  const finishedAfterS = (Date.now() - windowEnd) / 1000;
  // Then each one's attempts, every page.
  await mapLimit(msgs, 8, async (m) => {
    let iterator = null;
    for (;;) {
      const r = await apiGet(api, ctx.adminKey, `/api/v1/app/${m.app}/attempt/msg/${m.id}?limit=250${iterator ? `&iterator=${encodeURIComponent(iterator)}` : ''}`);
      if (r.status !== 200) {
        apiErrors += 1;
        return;
      }
      m.attempts.push(...r.body.data.filter((a) => a.endpointId === m.endpoint));
      if (r.body.done || !r.body.iterator) return;
      iterator = r.body.iterator;
    }
  });
  await api.close();
  sampling = false;
  await sampler;
  const sockets = await ctx.receiver.call('portStats', { ports: hangingPorts });
  const STATUS = { 0: 'success', 1: 'pending', 2: 'fail', 3: 'sending', 4: 'canceled', null: 'not listed' };
  const noAttempt = msgs.filter((m) => m.attempts.length === 0).length;
  const notFailed = msgs.filter((m) => m.status !== 2).length;
  const lost = msgs.filter((m) => m.attempts.length === 0 || m.status !== 2).length;
  const allAttempts = msgs.flatMap((m) => m.attempts);
  const answered = allAttempts.filter((a) => a.responseStatusCode !== 0).length;
  const time = (iso) => new Date(iso).getTime();
  // Dispatcher clock on both sides: publish → first attempt started, first → last attempt ended.
  const firstAttemptDelay = msgs.filter((m) => m.attempts.length > 0).map((m) => Math.min(...m.attempts.map((a) => time(a.timestamp))) - time(m.publishedAt));
  const attemptSpan = msgs
    .filter((m) => m.attempts.length > 0)
    .map((m) => Math.max(...m.attempts.map((a) => time(a.timestamp) + a.responseDurationMs)) - Math.min(...m.attempts.map((a) => time(a.timestamp))));
  const hangingResult = {
    messages: msgs.length,
    lost,
    withoutAttempt: noAttempt,
    notFailed,
    attemptsPerMessage: histogram(msgs.map((m) => m.attempts.length)),
    finalStatus: histogram(msgs.map((m) => STATUS[m.status])),
    attempts: allAttempts.length,
    attemptsWithAResponse: answered,
    attemptDurationMs: latencyPercentiles(allAttempts.map((a) => a.responseDurationMs)),
    publishToFirstAttemptMs: latencyPercentiles(firstAttemptDelay),
    firstToLastAttemptMs: latencyPercentiles(attemptSpan),
    finishedSecondsAfterWindow: finishedAfterS,
    unfinishedAtDeadline: unfinished.length,
    apiErrors,
    sockets: {
      peakOpen: sockets.hangingPeak,
      peakOpenPerEndpoint: hangingPorts.map((p) => sockets.ports[p].peakOpen),
      sampledMedianOpen: summary(openSamples).median,
      openAtEnd: sockets.hangingOpen,
      requestsSeen: hangingPorts.reduce((n, p) => n + sockets.ports[p].unique + sockets.ports[p].duplicates, 0),
    },
  };
  checkpointRss(dp.key, dp.dispatcher, 'after hanging endpoints');
  log(
    `   hanging: ${msgs.length} messages; ${lost === 0 ? 'nothing lost' : `${bold(`${lost} lost`)} (${noAttempt} without an attempt, ${notFailed} not failed)`}; all finished ${unfinished.length === 0 ? `${fmt(finishedAfterS)} s after the window` : `NOT by the deadline (${unfinished.length} unfinished)`}`,
  );
  log(
    `   attempts per message ${histogramText(hangingResult.attemptsPerMessage)}; final status ${histogramText(hangingResult.finalStatus)}; ${answered} of ${allAttempts.length} attempts got a response${apiErrors ? `; ${apiErrors} API reads failed` : ''}`,
  );
  log(
    `   attempt duration p50 ${fmt(hangingResult.attemptDurationMs.p50)} ms, max ${fmt(hangingResult.attemptDurationMs.max)} ms; publish → first attempt p50 ${fmt(hangingResult.publishToFirstAttemptMs.p50)} ms, max ${fmt(hangingResult.publishToFirstAttemptMs.max)} ms; first → last attempt p50 ${fmt(hangingResult.firstToLastAttemptMs.p50)} ms, max ${fmt(hangingResult.firstToLastAttemptMs.max)} ms`,
  );
  log(
    `   sockets open to the hanging receivers: peak ${hangingResult.sockets.peakOpen} (per endpoint ${hangingResult.sockets.peakOpenPerEndpoint.join(' ')}), median sampled ${fmt(hangingResult.sockets.sampledMedianOpen)}, ${hangingResult.sockets.requestsSeen} requests seen`,
  );
  await endIsolationDispatcher(ctx, dp);
  results.arms.hangingEndpoints = {
    what: `${I.hanging} endpoints (own ports, own applications) that read the request and never answer, ${I.hangingRate}/s each, and 1 healthy endpoint (another application) answering at once, ${I.healthyRate}/s, open loop for ${I.hangS} s; healthy latency from the scheduled send to the first arrival; hanging messages checked through the attempts and delivery-status API`,
    settings: { ...HANGING_ENV, deliveryConcurrency: s.deliveryConcurrency, endpointMaxInFlight: s.endpointMaxInFlight, connectionsPerOrigin: s.connectionsPerOrigin },
    seconds: I.hangS,
    deadlineSeconds: I.hangDeadlineS,
    generatorMaxLagMs: Math.max(hangRun.maxLagMs, healthyRun.maxLagMs),
    dispatcherCpuUtilisation: window.cpu[0] / window.wallSeconds,
    foreignCpu: window.foreign,
    healthy: { offeredPerSecond: I.healthyRate, ...healthy },
    hanging: hangingResult,
  };
}

// ────────────────────────────────────────── main ──────────────────────────────────────────

function ratioText(s) {
  return s && Number.isFinite(s.median) ? `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : 'n/a';
}
const met = (ok) => (ok ? 'met' : 'NOT met');

function printTable() {
  const rows = [];
  const g = results.arms.gateway;
  if (g) {
    rows.push([
      'Gateway ingest, committed/s',
      fmtRange(g.perSecond, '/s'),
      `bare ${fmtRange(g.limitPerSecond, '/s')}`,
      ratioText(g.ratio),
      `≥ ${TARGETS.gatewayRatio}×: ${met(g.ratio.median >= TARGETS.gatewayRatio)}`,
    ]);
    rows.push([
      '  CPU per request (app core)',
      `${fmt(g.sutCpuMsPerRequest.median * 1000)} µs`,
      `bare ${fmt(g.limitCpuMsPerRequest.median * 1000)} µs`,
      `${(g.limitCpuMsPerRequest.median / g.sutCpuMsPerRequest.median).toFixed(2)}×`,
      `+ PG/Redis ${fmt(g.storesCpuMsPerRequest.median * 1000)} µs`,
    ]);
    rows.push([
      `  accept latency @ ${g.latency.offeredPerSecond}/s (70 %)`,
      `p50 ${fmt(g.latency.gateway.p50Ms.median)} / p99 ${fmt(g.latency.gateway.p99Ms.median)} ms`,
      `bare p50 ${fmt(g.latency.bare.p50Ms.median)} / p99 ${fmt(g.latency.bare.p99Ms.median)} ms`,
      '',
      'open loop',
    ]);
  }
  const tr = results.arms.tracing;
  if (tr) {
    rows.push(['Gateway ingest, tracing on (OTLP)', fmtRange(tr.onPerSecond, '/s'), `off ${fmtRange(tr.offPerSecond, '/s')}`, ratioText(tr.ratio), `${tr.spansExported} spans exported`]);
    rows.push([
      '  CPU per request (app core)',
      `on ${fmt(tr.onCpuMsPerRequest.median * 1000)} µs`,
      `off ${fmt(tr.offCpuMsPerRequest.median * 1000)} µs`,
      `+${fmt((tr.onCpuMsPerRequest.median - tr.offCpuMsPerRequest.median) * 1000)} µs`,
      'off: SDK not loaded',
    ]);
  }
  const d = results.arms.dispatcher;
  if (d) {
    for (const [_key, x] of Object.entries(d.scenarios)) {
      const little = x.littlesLaw
        ? `Little: ${x.littlesLaw.dispatcher.inFlight} in flight → ${fmt(x.littlesLaw.dispatcher.perSecond)}/s (raw ${fmt(x.littlesLaw.raw.perSecond)}/s)`
        : `≥ ${TARGETS.dispatcherRatio}×: ${met(x.ratio.median >= TARGETS.dispatcherRatio)}`;
      rows.push([
        `Dispatcher ${x.endpoints} endpoint${x.endpoints > 1 ? 's' : ''}, receiver ${x.receiverDelayMs} ms`,
        fmtRange(x.perSecond, '/s'),
        `raw ${fmtRange(x.limitPerSecond, '/s')}`,
        ratioText(x.ratio),
        little,
      ]);
    }
  }
  const c = results.arms.e2eCapacity;
  if (c) rows.push(['Dispatcher publish + deliver, 1 endpoint', `${fmt(c.perSecond)} /s`, '', '', 'closed loop; the end-to-end arm offers half']);
  const e = results.arms.e2e;
  if (e) {
    rows.push([
      `E2E publish→delivered @ ${e.offeredPerSecond}/s`,
      `p50 ${fmt(e.latency.p50)} / p90 ${fmt(e.latency.p90)} / p99 ${fmt(e.latency.p99)} ms`,
      `sent ${e.ledger.sent}, missing ${e.ledger.missing}, dup ${e.ledger.duplicates}`,
      '',
      `p99 < ${TARGETS.e2eP99Ms} ms, none missing: ${met(e.latency.p99 < TARGETS.e2eP99Ms && e.ledger.missing === 0)}`,
    ]);
  }
  const ic = results.arms.ingestCapacity;
  if (ic) rows.push(['Gateway → dispatcher, GitHub, 1 endpoint', `${fmt(ic.perSecond)} /s`, '', '', 'closed loop; the ingest end-to-end arm offers half']);
  const i = results.arms.ingestE2e;
  if (i) {
    rows.push([
      `E2E GitHub→delivered @ ${i.offeredPerSecond}/s`,
      `p50 ${fmt(i.latency.p50)} / p90 ${fmt(i.latency.p90)} / p99 ${fmt(i.latency.p99)} ms`,
      `sent ${i.ledger.sent}, missing ${i.ledger.missing}, dup ${i.ledger.duplicates}`,
      '',
      `p99 < ${TARGETS.e2eP99Ms} ms: ${met(i.latency.p99 < TARGETS.e2eP99Ms && i.ledger.missing === 0)}`,
    ]);
  }
  const b = results.arms.bull;
  if (b) {
    const one = d?.scenarios['1ep_0ms'];
    const fifty = d?.scenarios['50ep_0ms'];
    const use = (x, eps) => (x ? (x.perSecond.median * (1 + 1 / eps)) / b.perSecond.median : NaN);
    rows.push([
      `Bull no-op jobs @ c=${b.concurrency}`,
      fmtRange(b.perSecond, '/s'),
      `addBulk ${fmtRange(b.addPerSecond, '/s')}`,
      '',
      `dispatcher uses ${Math.round(use(one, 1) * 100)} % (1 ep) / ${Math.round(use(fifty, 50) * 100)} % (50 ep)`,
    ]);
  }
  const nn = results.arms.noisyNeighbour;
  if (nn) {
    const foreign = Math.max(nn.a.publishForeignCpu, nn.b.windowForeignCpu, nn.a.drainForeignCpu);
    rows.push([
      `Noisy neighbour: B publish→delivered @ ${nn.b.offeredPerSecond}/s`,
      `p50 ${fmt(nn.b.latency.p50)} / p90 ${fmt(nn.b.latency.p90)} / p99 ${fmt(nn.b.latency.p99)} / max ${fmt(nn.b.latency.max)} ms (${nn.b.latency.count})`,
      `sent ${nn.b.ledger.sent}, missing ${nn.b.ledger.missing}, dup ${nn.b.ledger.duplicates}`,
      '',
      `p99 < ${TARGETS.isolationP99Ms} ms: ${met(nn.b.latency.p99 < TARGETS.isolationP99Ms && nn.b.ledger.missing === 0)}; window ${fmt(nn.b.windowSeconds)} s${nn.a.drainedBeforeWindowEnded ? ' (A drained first)' : ''}${foreign > 0.05 ? `; other processes ${pct(foreign)}` : ''}`,
    ]);
    rows.push([
      `  A drain in B's window (receiver 50 ms)`,
      `${fmt(nn.a.windowPerSecond)} /s`,
      `bound ${fmt(nn.a.bound.perSecond)} /s (${nn.a.bound.inFlight} in flight / 50 ms)`,
      Number.isFinite(nn.a.windowRatio) ? `${nn.a.windowRatio.toFixed(2)}×` : 'n/a',
      `≥ ${TARGETS.noisyDrainRatio}×: ${met(nn.a.windowRatio >= TARGETS.noisyDrainRatio)}; backlog ${nn.a.backlogAtResume.toLocaleString('en-US')} at the resume, ${nn.a.backlogAtWindowEnd.toLocaleString('en-US')} at the window's end`,
    ]);
    rows.push([
      `  A drain, resume → last arrival`,
      `${fmt(nn.a.drainPerSecond)} /s`,
      `sent ${nn.a.ledger.sent}, missing ${nn.a.ledger.missing}, dup ${nn.a.ledger.duplicates}`,
      Number.isFinite(nn.a.drainRatio) ? `${nn.a.drainRatio.toFixed(2)}×` : 'n/a',
      `${fmt(nn.a.drainSeconds)} s; published paused at ${fmt(nn.a.publishPerSecond)}/s${nn.a.drained ? '' : `; NOT drained (${nn.a.drainEndReason})`}`,
    ]);
  }
  const he = results.arms.hangingEndpoints;
  if (he) {
    const h = he.hanging;
    rows.push([
      `Hanging endpoints: healthy publish→delivered @ ${he.healthy.offeredPerSecond}/s`,
      `p50 ${fmt(he.healthy.latency.p50)} / p99 ${fmt(he.healthy.latency.p99)} / max ${fmt(he.healthy.latency.max)} ms (${he.healthy.latency.count})`,
      `sent ${he.healthy.ledger.sent}, missing ${he.healthy.ledger.missing}, dup ${he.healthy.ledger.duplicates}`,
      '',
      `p99 < ${TARGETS.isolationP99Ms} ms: ${met(he.healthy.latency.p99 < TARGETS.isolationP99Ms && he.healthy.ledger.missing === 0)}${he.foreignCpu > 0.05 ? `; other processes ${pct(he.foreignCpu)}` : ''}`,
    ]);
    rows.push([
      `  hanging messages lost`,
      `${h.lost} of ${h.messages}`,
      `attempts/msg ${histogramText(h.attemptsPerMessage)}`,
      '',
      `nothing lost: ${met(h.lost === 0)}; status ${histogramText(h.finalStatus)}`,
    ]);
    rows.push([`  sockets open to hanging receivers`, `peak ${h.sockets.peakOpen}`, `${h.attemptsWithAResponse} of ${h.attempts} attempts answered`, '', '']);
  }
  for (const [app, m] of Object.entries(results.memory)) {
    rows.push([`Peak RSS ${app}`, `${fmt(m.peakRssMiB)} MiB`, `after boot ${fmt(m.afterBootRssMiB)} MiB`, '', `< ${TARGETS.rssMiB} MiB: ${met(m.peakRssMiB < TARGETS.rssMiB)}`]);
  }
  const header = ['measure', 'Switchyard', 'limit (same run)', 'ratio', 'target / note'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) => `| ${r.map((x, c) => String(x).padEnd(widths[c])).join(' | ')} |`;
  log(`\n${bold('Results')} ${dim(`(${results.mode}; medians, min–max over ${PLAN.rounds} rounds; ${results.machine.date})`)}`);
  log(line(header));
  log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) log(line(r));
  for (const [app, points] of Object.entries(results.memoryTimeline)) {
    log(dim(`RSS ${app}: ${points.map((p) => `${p.at} ${p.rssMiB} MiB`).join(' → ')}`));
  }
}

async function main() {
  if (!existsSync(GATEWAY_MAIN) || !existsSync(DISPATCHER_MAIN)) throw new Error('apps are not built: run `pnpm bench` (it builds first) or `pnpm build`');
  pinSelf(LOAD_CORE);
  if (PROFILE && existsSync(PROFILE_DIR)) {
    // Profiles of an earlier run would be summarised with this one's.
    for (const f of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'))) rmSync(join(PROFILE_DIR, f));
  }
  const t0 = Date.now();
  log(`${bold('Switchyard bench')} ${dim(`${results.mode} — ${results.machine.nproc} cores (${results.machine.cpuModel}), Node ${results.machine.node}; ${results.machine.pinned}`)}`);
  if (!CAN_PIN) results.notes.push('taskset or a second core missing: processes not pinned, numbers noisier');

  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
  const database = await createTestDatabase('pnpm_bench');
  cleanups.push(() => database.drop());
  setDatabaseName(database.name);
  const idleForeign = await foreignLoad(1_000);
  results.machine.foreignLoadAtStart = Number(idleForeign.toFixed(3));
  if (idleForeign > 0.05) {
    const warning = `the machine was not idle at the start: other processes used ${Math.round(idleForeign * 100)} % of it; numbers will be noisy`;
    results.notes.push(warning);
    log(`   ${bold('warning:')} ${warning}`);
  }
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  cleanups.push(() => db.end());
  Object.assign(results.machine, await dataStoreInfo(database.url, redis));
  results.machine.normalisers = await roundTripCosts(db, QUICK ? 500 : 2_000);
  const { postgresRoundTrip: pgRt, redisRoundTrip: redisRt } = results.machine.normalisers;
  log(
    dim(
      `   PostgreSQL ${results.machine.postgres} (synchronous_commit ${results.machine.postgresSynchronousCommit}), Redis ${results.machine.redis} (appendonly ${results.machine.redisAppendOnly}); database ${database.name}`,
    ),
  );
  log(dim(`   one round trip here: PostgreSQL ${pgRt.wallUs} µs (${pgRt.clientCpuUs} µs client CPU), Redis ${redisRt.wallUs} µs (${redisRt.clientCpuUs} µs client CPU)`));

  const adminKey = `sk_bench_${hex(12)}`;
  // Production requires an encryption key for secrets at rest: one for this run, unless the caller set one.
  const encryptionKey = process.env.SECRET_ENCRYPTION_KEYS || process.env.SECRET_ENCRYPTION_KEY ? {} : { SECRET_ENCRYPTION_KEYS: randomBytes(32).toString('base64') };
  const appEnv = {
    ...process.env,
    NODE_OPTIONS: '',
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL,
    ADMIN_API_KEY: adminKey,
    HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    ...encryptionKey,
    ...APP_ENV,
  };
  if (Object.keys(APP_ENV).length > 0) {
    results.appEnv = APP_ENV;
    log(
      dim(
        `   app settings overridden: ${Object.entries(APP_ENV)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      ),
    );
  }
  const receiver = forkHelper('receiver', join(here, 'receiver.mjs'), { core: LOAD_CORE });
  const receiverPorts = await receiver.call('listen', { ports: 50 });
  const ctx = { db, adminKey, appEnv, receiver, receiverPorts, payload: messagePayload(), databaseName: database.name };

  if (want('gateway')) await armGateway(ctx);
  if (ONLY?.includes('tracing')) await armTracing(ctx);

  if (want('dispatcher') || want('e2e') || want('ingest') || want('bull')) {
    let dp;
    if (want('dispatcher') || want('e2e') || want('ingest')) {
      dp = await setupDispatcher(ctx);
      ctx.rawLoop = forkHelper('raw-loop', join(here, 'raw-loop.mjs'), { core: SUT_CORE });
      if (want('dispatcher')) await armDispatcher(ctx, dp);
      if (want('e2e')) await armE2e(ctx, dp);
      if (want('ingest')) await armIngestE2e(ctx, dp);
      await dp.pool.close();
      await stopApp(dp.dispatcher, 'dispatcher');
      await stop(ctx.rawLoop);
    }
    if (want('bull')) await armBull(ctx, dp?.settings.deliveryConcurrency ?? 50);
  }

  if (want('isolation')) {
    await armNoisyNeighbour(ctx);
    await armHangingEndpoints(ctx);
  }

  results.elapsedSeconds = Math.round((Date.now() - t0) / 1000);
  printTable();
  if (PROFILE) {
    await stopAll();
    results.profiles = {};
    for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'))) {
      const full = join(PROFILE_DIR, file);
      results.profiles[file] = summarizeProfile(JSON.parse(readFileSync(full, 'utf8')), { top: 25 });
    }
    log(dim(`\nCPU profiles in ${PROFILE_DIR} (summaries in latest.json; node bench/profile-summary.mjs <file> prints one)`));
  }
  if (results.void.length > 0) {
    log(`\n${bold('VOID:')} the run does not balance or had errors:\n  - ${results.void.join('\n  - ')}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(dim(`\nWrote bench/results/latest.json in ${results.elapsedSeconds} s.`));
  return results.void.length === 0;
}

let ok = false;
try {
  ok = await main();
} catch (error) {
  console.error(`\nbench failed: ${error.stack ?? error.message}`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);
