// `pnpm demo`: a self-checking tour. Starts its own gateway and dispatcher (own database, own
// queue prefix, free ports), then: GitHub-signed webhook in → normalized CloudEvent out to a
// local receiver; a published message whose first attempt fails and is retried; the attempt log.
// Every step asserts what it shows; any failure exits non-zero.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { Svix } from 'svix';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const c = (code) => (text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const [bold, dim, green, red, cyan, yellow] = [c(1), c(90), c(32), c(31), c(36), c(33)];

let stepNo = 0;
function step(title) {
  stepNo += 1;
  console.log(`\n${bold(`${stepNo}. ${title}`)}`);
}
function ok(text) {
  console.log(`   ${green('✓')} ${text}`);
}
function show(text) {
  for (const line of String(text).split('\n')) console.log(`     ${dim(line)}`);
}
function check(condition, message) {
  if (!condition) throw new Error(message);
}
async function eventually(what, fn, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** A local receiver that records every request and answers what the script tells it to. */
function startReceiver() {
  const requests = [];
  const plan = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ path: req.url, headers: req.headers, body, at: Date.now() });
      const status = plan.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : 'not today');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, requests, plan, url: `http://127.0.0.1:${server.address().port}` })));
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const children = [];
function startApp(name, entry, env) {
  const child = spawn(process.execPath, [join(root, entry)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  children.push({ name, child, output: () => output });
  return child;
}

async function waitHealthy(name, url, child) {
  await eventually(`${name} to answer`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    return (await fetch(`${url}/api/v1/health`)).status === 204;
  });
}

async function stopAll() {
  await Promise.all(
    children.map(({ child }) =>
      child.exitCode !== null
        ? undefined
        : new Promise((r) => {
            child.on('exit', r);
            child.kill('SIGTERM');
          }),
    ),
  );
}

const { migrate } = await import(join(root, 'packages/db/dist/index.js'));
const { createTestDatabase } = await import(join(root, 'packages/db/dist/testing.js'));

let database;
let receiver;
let failed = false;
try {
  console.log(bold('Switchyard demo') + dim('  — its own database, queue prefix and ports; nothing shared is touched'));

  step('Start a gateway and a dispatcher');
  database = await createTestDatabase('demo');
  await migrate(database.url);
  const adminKey = `sk_demo_${randomBytes(12).toString('hex')}`;
  const [gatewayPort, dispatcherPort] = [await freePort(), await freePort()];
  const [gatewayAdminPort, dispatcherAdminPort] = [await freePort(), await freePort()];
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const dispatcherUrl = `http://127.0.0.1:${dispatcherPort}`;
  const common = {
    ...process.env,
    NODE_OPTIONS: '',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: `sy-demo-${randomBytes(4).toString('hex')}`,
    ADMIN_API_KEY: adminKey,
    ADMIN_HOST: '127.0.0.1',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const gateway = startApp('gateway', 'apps/gateway/dist/main.js', { ...common, PORT: String(gatewayPort), ADMIN_PORT: String(gatewayAdminPort), PUBLIC_URL: gatewayUrl });
  const dispatcher = startApp('dispatcher', 'apps/dispatcher/dist/main.js', {
    ...common,
    PORT: String(dispatcherPort),
    ADMIN_PORT: String(dispatcherAdminPort),
    RETRY_SCHEDULE: '2s,2s,2s',
    ALLOW_PRIVATE_NETWORKS: 'true',
  });
  await Promise.all([waitHealthy('gateway', gatewayUrl, gateway), waitHealthy('dispatcher', dispatcherUrl, dispatcher)]);
  ok(`gateway    ${cyan(gatewayUrl)}   admin (metrics, queues, readiness) ${cyan(`http://127.0.0.1:${gatewayAdminPort}`)}`);
  ok(`dispatcher ${cyan(dispatcherUrl)}   admin ${cyan(`http://127.0.0.1:${dispatcherAdminPort}`)}   (database ${database.name})`);
  receiver = await startReceiver();
  ok(`a local receiver listens at ${cyan(receiver.url)}`);

  const gw = new Svix(adminKey, { serverUrl: gatewayUrl });
  const svix = new Svix(adminKey, { serverUrl: dispatcherUrl });

  step('Create a GitHub source and point it at the receiver');
  const githubSecret = `demo-${randomBytes(8).toString('hex')}`;
  const source = await gw.ingest.source.create({ name: 'Demo GitHub', uid: 'demo-github', type: 'github', config: { secret: githubSecret } });
  check(source.ingestUrl?.startsWith(gatewayUrl), 'source has an ingest URL');
  ok(`source ${cyan(source.id)} of type github`);
  show(`ingestUrl: ${source.ingestUrl}`);
  const ingestEndpoint = await gw.ingest.endpoint.create(source.id, { url: `${receiver.url}/github-events` });
  const ingestSecret = (await gw.ingest.endpoint.getSecret(source.id, ingestEndpoint.id)).key;
  ok(`ingest endpoint ${cyan(ingestEndpoint.id)} → ${receiver.url}/github-events`);

  step('Send a GitHub-signed pull_request webhook to the ingest URL');
  const payload = JSON.stringify({ action: 'opened', number: 42, pull_request: { title: 'Add the demo' }, repository: { full_name: 'acme/widgets' } });
  const delivery = randomUUID();
  const githubHeaders = {
    'content-type': 'application/json',
    'x-github-event': 'pull_request',
    'x-github-delivery': delivery,
    'x-github-hook-id': '1001',
    'x-hub-signature-256': await githubSign(githubSecret, payload),
  };
  const accepted = await fetch(source.ingestUrl, { method: 'POST', headers: githubHeaders, body: payload });
  check(accepted.status >= 200 && accepted.status < 300, `gateway accepted the webhook (got ${accepted.status})`);
  ok(`signed with @octokit/webhooks-methods; the gateway answered ${accepted.status}`);
  const tampered = await fetch(source.ingestUrl, { method: 'POST', headers: githubHeaders, body: payload.replace('42', '43') });
  check(tampered.status === 401, `a tampered body is refused (got ${tampered.status})`);
  ok(`the same request with one byte changed: ${tampered.status} ${dim(JSON.stringify(await tampered.json()))}`);
  const replay = await fetch(source.ingestUrl, { method: 'POST', headers: githubHeaders, body: payload });
  check(replay.status >= 200 && replay.status < 300, 'a redelivery is acknowledged');
  ok(`the same delivery again: ${replay.status}, acknowledged but not published twice`);

  step('Watch the normalized CloudEvent arrive');
  const event = await eventually('the CloudEvent at the receiver', () => receiver.requests.find((r) => r.path === '/github-events'));
  const verified = new Webhook(ingestSecret).verify(event.body, event.headers);
  check(verified.type === 'github.pull_request.opened', `type is github.pull_request.opened (got ${verified.type})`);
  check(verified.specversion === '1.0' && verified.providereventid?.includes(delivery), 'a CloudEvents 1.0 envelope with the provider event id');
  ok(`verified with the standardwebhooks library (webhook-id ${event.headers['webhook-id']})`);
  show(JSON.stringify({ ...verified, data: { action: verified.data.action, number: verified.data.number, '…': '…' } }, null, 2));
  await new Promise((r) => setTimeout(r, 500));
  const copies = receiver.requests.filter((r) => r.path === '/github-events').length;
  check(copies === 1, `the redelivered webhook was not published again (receiver got ${copies})`);
  ok('one event for two identical deliveries');

  step('Publish a message through the Svix API; the receiver fails the first attempt');
  const app = await svix.application.create({ name: 'Acme Inc', uid: 'acme' });
  const endpoint = await svix.endpoint.create(app.id, { url: `${receiver.url}/orders`, filterTypes: ['order.*'] });
  const endpointSecret = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
  ok(`application ${cyan(app.id)}, endpoint ${cyan(endpoint.id)} for order.*`);
  receiver.plan.push(500);
  const sent = Date.now();
  const message = await svix.message.create(app.id, { eventType: 'order.paid', payload: { orderId: 'ord_1', amountCents: 4200 } });
  ok(`message ${cyan(message.id)} accepted (202)`);
  const orders = await eventually('two attempts at the receiver', () => {
    const hits = receiver.requests.filter((r) => r.path === '/orders');
    return hits.length >= 2 ? hits : undefined;
  });
  check(orders[0].headers['webhook-id'] === orders[1].headers['webhook-id'], 'the retry carries the same webhook-id');
  new Webhook(endpointSecret).verify(orders[1].body, orders[1].headers);
  ok(`attempt 1 at +${orders[0].at - sent} ms answered ${red('500')}; attempt 2 at +${orders[1].at - sent} ms answered ${green('200')}`);
  ok('same webhook-id on both; signature verified with standardwebhooks');

  step('Read the attempt log');
  const attempts = await eventually('both attempts in the log', async () => {
    const list = await svix.messageAttempt.listByMsg(app.id, message.id);
    return list.data.length >= 2 ? list.data : undefined;
  });
  const codes = attempts.map((a) => a.responseStatusCode).sort();
  check(codes.join() === '200,500', `attempt log shows 500 then 200 (got ${codes})`);
  for (const a of [...attempts].reverse()) {
    show(`${a.timestamp.toISOString()}  ${a.id}  ${String(a.responseStatusCode).padEnd(3)}  ${String(a.responseDurationMs).padStart(4)} ms  ${a.statusText ?? a.status}  ${a.url}`);
  }
  ok('every attempt is recorded with status, duration and response');
  console.log(`\n${green(bold('All steps passed.'))}`);
} catch (error) {
  failed = true;
  console.error(`\n${red(bold('Demo failed:'))} ${error.message}`);
  for (const { name, output } of children) {
    const tail = output().trim().split('\n').slice(-15).join('\n');
    if (tail) console.error(`${yellow(`--- ${name} (last lines) ---`)}\n${tail}`);
  }
} finally {
  await stopAll();
  receiver?.server.close();
  await database?.drop().catch(() => undefined);
}
process.exit(failed ? 1 : 0);
