// Child processes for the bench: pinned with taskset where it exists, watched through /proc
// (CPU ticks, VmHWM), and always stopped, even when the run fails.
import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Absolute path of taskset, or null when the machine has none (then nothing is pinned). */
export const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p)) ?? null;
const CORES = (() => {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return 1;
  }
})();
/** True when there are at least two cores to put the load generator and the app on. */
export const CAN_PIN = TASKSET !== null && CORES >= 2;
/** The core of the system under test; the load generator, receiver and this process use the other. */
export const SUT_CORE = 1;
export const LOAD_CORE = 0;

/** Pins this process (all its threads) to a core. */
export function pinSelf(core) {
  if (!CAN_PIN) return false;
  execFileSync(TASKSET, ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' });
  return true;
}

/** argv that runs `command args` on `core` (taskset execs, so the pid is the command's). */
function pinned(core, command, args) {
  return CAN_PIN && core !== null && core !== undefined ? [TASKSET, ['-c', String(core), command, ...args]] : [command, args];
}

const children = new Set();

/** A node process (a built app) on a core, its output kept for the failure report. */
export function startNode(name, script, { env, core, nodeArgs = [] }) {
  const [cmd, args] = pinned(core, process.execPath, [...nodeArgs, script]);
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let bytes = 0;
  const keep = (d) => {
    bytes += d.length;
    output += d;
    if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const handle = { name, child, pid: child.pid, output: () => output, outputBytes: () => bytes };
  children.add(handle);
  child.on('exit', () => children.delete(handle));
  return handle;
}

/** A helper script of the bench run with an IPC channel (receiver, raw loop, Bull ceiling). */
export function forkHelper(name, script, { env, core, args = [] } = {}) {
  const options = { env: env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] };
  if (CAN_PIN && core !== null && core !== undefined) {
    // fork(modulePath, args, { execPath, execArgv }) runs `execPath ...execArgv modulePath ...args`.
    return track(name, fork(script, args, { ...options, execPath: TASKSET, execArgv: ['-c', String(core), process.execPath] }));
  }
  return track(name, fork(script, args, options));
}

function track(name, child) {
  const handle = { name, child, pid: child.pid, output: () => '' };
  children.add(handle);
  child.on('exit', () => children.delete(handle));
  const pending = new Map();
  let seq = 0;
  child.on('message', (m) => {
    const waiter = pending.get(m?.seq);
    if (waiter) {
      pending.delete(m.seq);
      if (m.error) waiter.reject(new Error(`${name}: ${m.error}`));
      else waiter.resolve(m.result);
    }
  });
  child.on('exit', (code) => {
    for (const w of pending.values()) w.reject(new Error(`${name} exited with ${code}`));
    pending.clear();
  });
  /** Sends a command and waits for its answer. */
  handle.call = (type, payload = {}) =>
    new Promise((resolve, reject) => {
      seq += 1;
      pending.set(seq, { resolve, reject });
      child.send({ seq, type, ...payload });
    });
  return handle;
}

/** Stops one child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stop(handle, graceMs = 10_000) {
  const { child } = handle;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every child still running (the finally of the run, and signal handlers). */
export async function stopAll(graceMs = 10_000) {
  await Promise.all([...children].map((h) => stop(h, graceMs)));
}

/** Kills every child at once, synchronously (process exit path). */
export function killAllNow() {
  for (const { child } of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits for GET {url}/api/v1/health to answer 204. */
export async function waitHealthy(handle, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.child.exitCode !== null) throw new Error(`${handle.name} exited with ${handle.child.exitCode}:\n${handle.output().slice(-3000)}`);
    try {
      if ((await fetch(`${url}/api/v1/health`)).status === 204) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${handle.name} did not become healthy within ${timeoutMs} ms:\n${handle.output().slice(-3000)}`);
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

let databaseName = null;
/** Names the run's database, so only its PostgreSQL backends count as ours. */
export function setDatabaseName(name) {
  databaseName = name;
}

/**
 * Pids of the data stores working for this run: redis-server, PostgreSQL's auxiliary processes
 * (WAL writer, checkpointer, autovacuum, …) and the backends connected to this run's database
 * (other databases' backends belong to whoever else uses the machine).
 */
export function dataStorePids() {
  const out = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm.startsWith('redis-server')) out.push(Number(entry));
      else if (comm === 'postgres') {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        // Backends read "postgres: 15/main: user db host(port) state"; auxiliaries have no host.
        const backend = /\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]/.test(cmdline);
        if (!backend || (databaseName && cmdline.includes(databaseName))) out.push(Number(entry));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** CPU seconds per pid of the data stores working for this run. */
function dataStoreCpu() {
  return new Map(dataStorePids().map((pid) => [pid, cpuSeconds(pid)]));
}

/** CPU the data stores spent since `before` (a backend born since counts in full). */
function dataStoreCpuSince(before) {
  let sum = 0;
  for (const [pid, now] of dataStoreCpu()) sum += Math.max(0, now - (before.get(pid) ?? 0));
  return sum;
}

/** Peak and current resident set of a process, in MiB (VmHWM / VmRSS from /proc/<pid>/status). */
export function memoryMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
  } catch {
    return { peakRssMiB: NaN, rssMiB: NaN };
  }
}

/** Machine-wide CPU ticks from /proc/stat: busy, idle (incl. iowait) and steal. */
export function machineTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal ?? 0 };
  } catch {
    return { busy: 0, idle: 0, steal: 0 };
  }
}

/** CPU seconds of this process and every child it started (apps, limits, receiver, helpers). */
function ownCpuSeconds() {
  const self = process.cpuUsage();
  let sum = (self.user + self.system) / 1e6;
  for (const { pid } of children) sum += cpuSeconds(pid);
  return sum;
}

/**
 * Measures the CPU a set of processes spends while `fn` runs, the data stores' share, and the
 * share of the machine taken by processes that are not this run's (other users of the box):
 * `foreign` is that, as a fraction of every core for the duration.
 */
export async function withCpu(pids, fn) {
  const before = pids.map(cpuSeconds);
  const storesBefore = dataStoreCpu();
  const ownBefore = ownCpuSeconds();
  const machineBefore = machineTicks();
  const t0 = performance.now();
  const result = await fn();
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = pids.map((pid, i) => cpuSeconds(pid) - before[i]);
  const storesCpu = dataStoreCpuSince(storesBefore);
  const own = ownCpuSeconds() - ownBefore + storesCpu;
  const m = machineTicks();
  const busyTicks = m.busy - machineBefore.busy;
  const total = busyTicks + (m.idle - machineBefore.idle) + (m.steal - machineBefore.steal);
  const capacity = total / TICKS_PER_SECOND;
  return {
    result,
    cpu,
    storesCpu,
    wallSeconds,
    machineBusy: total > 0 ? busyTicks / total : NaN,
    foreign: capacity > 0 ? Math.max(0, busyTicks / TICKS_PER_SECOND - own) / capacity : NaN,
    machineSteal: total > 0 ? (m.steal - machineBefore.steal) / total : NaN,
  };
}

/** Share of the machine other processes use over `ms` while this run does nothing (0..1). */
export async function foreignLoad(ms = 1_000) {
  const r = await withCpu([], () => new Promise((res) => setTimeout(res, ms)));
  return r.foreign;
}
