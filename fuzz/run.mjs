// pnpm fuzz: runs every fuzz target in fuzz/targets for a bounded time, one after the other.
//
//   FUZZ_SECONDS         seconds per target (default 30)
//   FUZZ_TOTAL_SECONDS   bound on the whole run (default 300): each target gets at most its share
//   FUZZ_TARGETS         comma-separated target names (default: all)
//   FUZZ_TIMEOUT_SECONDS one input running longer is a hang, a finding (default 5)
//   FUZZ_ENGINE          auto (default), jazzer or builtin
//   FUZZ_SEED            seed of the built-in engine (default: from the clock; printed)
//
// Engines: Jazzer.js (libFuzzer, coverage-guided, in process) when its prebuilt addon loads;
// the addon needs glibc >= 2.38, so on Debian 12 it runs under a private Debian 13 glibc
// (`pnpm --filter @switchyard/fuzz fuzz:runtime` puts one in fuzz/.runtime). Without either, the
// built-in mutation engine runs the same targets (not coverage-guided) and says why.
//
// Seeds: fuzz/corpus/<target>/ (kept in git) and fuzz/regressions/<target>/ (every finding, kept
// and replayed by the package's jest suite). Jazzer's growing corpus and every finding of a run
// go to fuzz/.work/. Exit status 1 when any target found a crash or a hang.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const WORK = join(HERE, '.work');
const RUNTIME_LIB = join(process.env.FUZZ_GLIBC_ROOT ?? join(HERE, '.runtime', 'glibc'), 'usr', 'lib', 'x86_64-linux-gnu');
const LOADER = join(RUNTIME_LIB, 'ld-linux-x86-64.so.2');
const MAX_INPUT_BYTES = 64 * 1024;

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return n;
}

const perTarget = positive('FUZZ_SECONDS', 30);
const total = positive('FUZZ_TOTAL_SECONDS', 300);
const timeoutSeconds = positive('FUZZ_TIMEOUT_SECONDS', 5);
const engineWanted = process.env.FUZZ_ENGINE ?? 'auto';
const all = readdirSync(join(HERE, 'targets'))
  .filter((f) => f.endsWith('.fuzz.mjs'))
  .map((f) => f.replace(/\.fuzz\.mjs$/, ''))
  .sort();
const wanted = process.env.FUZZ_TARGETS
  ? process.env.FUZZ_TARGETS.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : all;
const unknown = wanted.filter((t) => !all.includes(t));
if (unknown.length > 0) {
  console.error(`unknown fuzz targets: ${unknown.join(', ')} (known: ${all.join(', ')})`);
  process.exit(2);
}
const seconds = Math.max(1, Math.floor(Math.min(perTarget, total / wanted.length)));

const jazzerCli = createRequire(import.meta.url).resolve('@jazzer.js/core/dist/cli.js');
const jazzerAddon = createRequire(jazzerCli).resolve('@jazzer.js/fuzzer');

/** Tries to load the Jazzer addon in a child: under this node, else under the glibc runtime. */
function chooseEngine() {
  if (engineWanted === 'builtin') return { kind: 'builtin', why: 'FUZZ_ENGINE=builtin' };
  const load = ['-e', `require(${JSON.stringify(jazzerAddon)})`];
  const native = spawnSync(process.execPath, load, { encoding: 'utf8' });
  if (native.status === 0) return { kind: 'jazzer', prefix: [] };
  const reason = (native.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? native.stderr.trim().split('\n')[0] ?? 'unknown').replace(/^Error: /, '');
  if (existsSync(LOADER)) {
    const prefix = [LOADER, '--library-path', RUNTIME_LIB, process.execPath];
    const viaRuntime = spawnSync(prefix[0], [...prefix.slice(1), ...load], { encoding: 'utf8' });
    if (viaRuntime.status === 0) return { kind: 'jazzer', prefix, note: `the addon does not load on this glibc (${reason}); running under fuzz/.runtime's glibc` };
  }
  const why = `the Jazzer.js addon does not load: ${reason}${/GLIBC/.test(reason) ? '. Run `pnpm --filter @switchyard/fuzz fuzz:runtime` once for a private glibc that it loads with.' : ''}`;
  if (engineWanted === 'jazzer') {
    console.error(why);
    process.exit(2);
  }
  return { kind: 'builtin', why };
}

function dirsFor(target) {
  const dirs = { seeds: join(HERE, 'corpus', target), regressions: join(HERE, 'regressions', target), work: join(WORK, 'corpus', target), findings: join(WORK, 'findings') };
  for (const dir of [dirs.work, dirs.findings, join(WORK, 'logs')]) mkdirSync(dir, { recursive: true });
  return dirs;
}

function runJazzer(engine, target) {
  const dirs = dirsFor(target);
  const args = [
    ...engine.prefix.slice(1),
    jazzerCli,
    join(HERE, 'targets', `${target}.fuzz.mjs`),
    dirs.work,
    ...[dirs.seeds, dirs.regressions].filter((d) => existsSync(d)),
    '--sync',
    '--timeout',
    String(timeoutSeconds * 1000),
    '-i',
    'packages/events/',
    '-i',
    'packages/signing/',
    '-i',
    'packages/providers/',
    '-i',
    'fuzz/targets/',
    '-i',
    'fuzz/lib/',
    '--',
    `-max_total_time=${seconds}`,
    `-max_len=${MAX_INPUT_BYTES}`,
    `-artifact_prefix=${join(dirs.findings, `${target}-`)}`,
    '-print_final_stats=1',
  ];
  const command = engine.prefix[0] ?? process.execPath;
  const log = join(WORK, 'logs', `${target}.log`);
  // Straight to a file, not a pipe: Jazzer exits with process.exit, which cuts piped output short.
  const fd = openSync(log, 'w');
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: join(HERE, '..'), stdio: ['ignore', fd, fd] });
    // Jazzer stops itself at max_total_time; this only catches a wedged process.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 120) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      closeSync(fd);
      const output = readFileSync(log, 'utf8');
      const progress = [...output.matchAll(/^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)/gm)].at(-1);
      const executions = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(output)?.[1] ?? /Done (\d+) runs/.exec(output)?.[1] ?? progress?.[1] ?? 0);
      const finding =
        code === 0
          ? undefined
          : output
              .split('\n')
              .filter((l) => /==\d+==|Error|artifact|Test unit written|crash|timeout/i.test(l))
              .slice(0, 12)
              .join('\n') || `exit ${code ?? signal}`;
      resolve({ target, executions, detail: progress ? `cov ${progress[2]}, features ${progress[3]}` : '', finding, log });
    });
  });
}

function runBuiltin(target, seed) {
  const dirs = dirsFor(target);
  const shared = new SharedArrayBuffer(8 + MAX_INPUT_BYTES);
  const state = new Int32Array(shared, 0, 2);
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./lib/builtin-worker.mjs', import.meta.url), {
      workerData: { targetPath: join(HERE, 'targets', `${target}.fuzz.mjs`), corpusDirs: [dirs.seeds, dirs.regressions, dirs.work], seconds, seed, maxLength: MAX_INPUT_BYTES, shared },
    });
    let settled = false;
    let last = -1;
    let lastChange = Date.now();
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      void worker.terminate();
      if (result.input !== undefined) {
        const file = join(dirs.findings, `${target}-${result.kind}-${Date.now()}`);
        writeFileSync(file, Buffer.from(result.input, 'base64'));
        result.finding = `${result.kind}: ${result.error}\ninput saved to ${file}`;
      }
      resolve({ target, executions: result.executions ?? Atomics.load(state, 0), detail: `seed ${seed}`, finding: result.finding });
    };
    const watch = setInterval(() => {
      const now = Atomics.load(state, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > timeoutSeconds * 1000) {
        const length = Atomics.load(state, 1);
        const input = Buffer.from(new Uint8Array(shared, 8, length)).toString('base64');
        finish({ kind: 'hang', input, error: `one input ran longer than ${timeoutSeconds}s`, executions: now });
      }
    }, 200);
    worker.on('message', (message) => {
      if (message.kind === 'crash') finish({ kind: 'crash', input: message.input, error: message.error, executions: message.executions });
      else finish({ executions: message.executions });
    });
    worker.on('error', (error) => finish({ kind: 'crash', input: '', error: error?.stack ?? String(error) }));
    worker.on('exit', () => finish({}));
  });
}

const engine = chooseEngine();
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`pnpm fuzz: ${wanted.length} targets × ${seconds}s, engine ${engine.kind === 'jazzer' ? 'Jazzer.js (coverage-guided)' : `built-in mutation (seed ${seed})`}`);
if (engine.note) console.log(`  note: ${engine.note}`);
if (engine.why) console.log(`  why not Jazzer.js: ${engine.why}`);

const results = [];
for (const target of wanted) {
  const result = engine.kind === 'jazzer' ? await runJazzer(engine, target) : await runBuiltin(target, seed);
  results.push(result);
  console.log(`${result.finding ? 'FOUND' : 'ok   '} ${target.padEnd(22)} ${String(result.executions).padStart(9)} runs  ${result.detail ?? ''}`);
  if (result.finding) console.log(result.finding.replace(/^/gm, '      '));
  if (result.finding && result.log) console.log(`      full output: ${result.log}`);
}
const found = results.filter((r) => r.finding);
console.log(found.length === 0 ? 'no findings' : `${found.length} target(s) found something: add each input under fuzz/regressions/<target>/ once fixed`);
process.exit(found.length === 0 ? 0 : 1);
