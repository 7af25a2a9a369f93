// `pnpm start`: migrate (creating the database if needed), then run the gateway and the
// dispatcher in the foreground with one readable, labelled log stream. Ctrl-C stops both.
// (`pnpm start` builds first; see package.json.)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const LEVELS = { 10: paint(90, 'TRACE'), 20: paint(90, 'DEBUG'), 30: paint(32, 'INFO '), 40: paint(33, 'WARN '), 50: paint(31, 'ERROR'), 60: paint(35, 'FATAL') };

/** Nest's start-up chatter (every module and route): in the JSON logs, not on this screen. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Turns one pino JSON line into `HH:MM:SS LEVEL message key=value …` (or null to skip it); other lines pass through. */
function pretty(line) {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line);
    if (QUIET_CONTEXTS.has(entry.context) && entry.level <= 30) return null;
    if (entry.level <= 30 && /^Server listening at /.test(entry.msg ?? '')) return null;
    const time = new Date(entry.time ?? Date.now()).toTimeString().slice(0, 8);
    const extra = [];
    if (entry.method) extra.push(`${entry.method} ${entry.path}`);
    if (entry.statusCode) extra.push(`→ ${entry.statusCode}`);
    if (typeof entry.responseTimeMs === 'number') extra.push(`${entry.responseTimeMs} ms`);
    if (entry.context) extra.push(paint(90, `[${entry.context}]`));
    return `${paint(90, time)} ${LEVELS[entry.level] ?? entry.level} ${entry.msg ?? ''} ${extra.join(' ')}`.trimEnd();
  } catch {
    return line;
  }
}

const env = { ...process.env };
env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/switchyard';
if (!env.ADMIN_API_KEY && env.NODE_ENV !== 'production') {
  // One key for both apps, printed once.
  env.ADMIN_API_KEY = `sk_${randomBytes(24).toString('base64url')}`;
  env.SWITCHYARD_GENERATED_KEY = '1';
}

const { migrate, redactUrl } = await import(join(root, 'packages/db/dist/index.js'));
try {
  const result = await migrate(env.DATABASE_URL);
  if (result.created) console.log(`created database ${redactUrl(env.DATABASE_URL)}`);
  console.log(result.applied.length ? `applied migrations: ${result.applied.join(', ')}` : 'database schema is up to date');
} catch (error) {
  console.error(`cannot migrate ${redactUrl(env.DATABASE_URL)}: ${error.message}`);
  console.error('Is PostgreSQL running? Set DATABASE_URL to point at it.');
  process.exit(1);
}

const gatewayPort = env.GATEWAY_PORT || '3000';
const dispatcherPort = env.DISPATCHER_PORT || '3001';
// Each app's admin listener (metrics, queue dashboard, detailed readiness) on a port of its own.
const gatewayAdminPort = env.GATEWAY_ADMIN_PORT || '9000';
const dispatcherAdminPort = env.DISPATCHER_ADMIN_PORT || '9001';
const apps = [
  { name: 'gateway   ', tint: 36, entry: 'apps/gateway/dist/main.js', env: { PORT: gatewayPort, ADMIN_PORT: gatewayAdminPort, PUBLIC_URL: env.PUBLIC_URL || `http://localhost:${gatewayPort}` } },
  { name: 'dispatcher', tint: 35, entry: 'apps/dispatcher/dist/main.js', env: { PORT: dispatcherPort, ADMIN_PORT: dispatcherAdminPort } },
];

let stopping = false;
const children = apps.map((app) => {
  // The heap cap the container images use (docker/*.Dockerfile).
  const child = spawn(process.execPath, ['--max-old-space-size=160', join(root, app.entry)], {
    env: { ...env, ...app.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only this script, which stops each app once.
    detached: true,
  });
  const label = paint(app.tint, app.name);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      // The apps print a generated key; this script already printed the shared one.
      if (/ADMIN_API_KEY was not set/.test(line)) return;
      const text = pretty(line);
      if (text !== null) console.log(`${label} │ ${text}`);
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${label} │ exited (${signal ?? code})`);
    if (!stopping) stop(code === 0 ? 1 : (code ?? 1));
  });
  return child;
});

console.log('');
console.log(`  gateway     http://localhost:${gatewayPort}    ingest URLs, /ingest/api/v1/…, /docs`);
console.log(`  dispatcher  http://localhost:${dispatcherPort}    Svix API /api/v1/…, /docs`);
console.log(`  admin       http://${env.ADMIN_HOST || '127.0.0.1'}:${gatewayAdminPort} (gateway), :${dispatcherAdminPort} (dispatcher)    /metrics, /admin/queues, /health/ready`);
if (env.SWITCHYARD_GENERATED_KEY) {
  console.log(`  ADMIN_API_KEY (generated for this run): ${paint(1, env.ADMIN_API_KEY)}`);
}
console.log('  Ctrl-C stops both.');
console.log('');

let exitCode = 0;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

process.on('SIGINT', () => stop(0));
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});
process.on('SIGTERM', () => stop(0));
await Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.on('exit', r)))));
process.exit(exitCode);
