// Tracing across both processes, end to end: a GitHub webhook with a traceparent goes into a
// gateway process and out of a dispatcher process (both spawned from dist, exporting to a real
// OTLP/HTTP receiver here), and reaches a local receiver with a traceparent of the same trace.
// The spans arrive when the processes shut down (a long batch delay): the flush on shutdown.
// Without OTEL_EXPORTER_OTLP_ENDPOINT the SDK is not even loaded.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import { createSource, type CreatedSource } from './support/ingest.js';
import { OtlpSink } from './support/otlp-sink.js';
import { eventually, startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

const GATEWAY_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const DISPATCHER_MAIN = fileURLToPath(new URL('../../dispatcher/dist/main.js', import.meta.url));
const LOAD_RECORDER = fileURLToPath(new URL('./support/load-recorder.mjs', import.meta.url));

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const SECRET = 'otlp-e2e-secret';

interface Spawned {
  readonly proc: ChildProcess;
  log: string;
  /** SIGTERM, and the exit code (null if it had to be killed). */
  stop(): Promise<number | null>;
}

let t: TestGateway;
let sink: OtlpSink;
let receiver: Server;
let receiverUrl: string;
let scratch: string;
const received: { url: string; headers: IncomingHttpHeaders }[] = [];
const spawned: Spawned[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(main: string, env: Record<string, string>): Spawned {
  const proc = spawn(process.execPath, ['--import', LOAD_RECORDER, main], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: t.settings.databaseUrl,
      REDIS_URL: t.settings.redisUrl,
      QUEUE_PREFIX: t.settings.queuePrefix,
      HOST: '127.0.0.1',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      // an ephemeral admin port: parallel suites spawn apps too
      ADMIN_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Spawned = {
    proc,
    log: '',
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  proc.stdout?.on('data', (c: Buffer) => (s.log += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (s.log += c.toString()));
  spawned.push(s);
  return s;
}

/** A gateway process on a free port, answering once it listens. */
async function startGateway(env: Record<string, string>): Promise<{ app: Spawned; baseUrl: string }> {
  const port = await freePort();
  const app = start(GATEWAY_MAIN, { PORT: String(port), ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (app.proc.exitCode !== null) throw new Error(`gateway exited: ${app.log}`);
      expect((await fetch(`${baseUrl}/api/v1/health`)).ok).toBe(true);
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return { app, baseUrl };
}

async function sendWebhook(baseUrl: string, source: CreatedSource, delivery: string, headers: Record<string, string>): Promise<number> {
  const body = JSON.stringify({ zen: 'Approachable is better than simple.', hook_id: delivery });
  const res = await fetch(`${baseUrl}${new URL(source.ingestUrl).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': delivery, 'x-hub-signature-256': await sign(SECRET, body), ...headers },
    body,
  });
  await res.text();
  return res.status;
}

beforeAll(async () => {
  for (const main of [GATEWAY_MAIN, DISPATCHER_MAIN]) if (!existsSync(main)) throw new Error(`${main} is missing: run pnpm build first`);
  // In-process, untraced: sets up the database and manages sources; the traced processes do the rest.
  t = await startTestGateway('otlp-e2e');
  sink = await OtlpSink.start();
  scratch = mkdtempSync(join(tmpdir(), 'switchyard-otlp-'));
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(spawned.map((s) => s.stop()));
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await sink?.close();
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

it('traceparent in at the gateway → ingress span → attempt span in the dispatcher → traceparent out, all one trace, flushed on shutdown', async () => {
  const source = await createSource(t, 'github', { secret: SECRET });
  await t.svix.ingest.endpoint.create(source.id, { url: `${receiverUrl}/traced` });
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    // nothing is exported before shutdown: what arrives was flushed by the shutdown hooks
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  };
  const gatewayLoads = join(scratch, 'gateway-on.txt');
  const { app: gateway, baseUrl } = await startGateway({ ...otel, LOAD_RECORD: gatewayLoads });
  const dispatcher = start(DISPATCHER_MAIN, { ...otel, PORT: '0', ALLOW_PRIVATE_NETWORKS: 'true', RETRY_SCHEDULE: '1s,1s,1s', OTEL_SERVICE_NAME: 'dispatcher-under-test' });

  expect(await sendWebhook(baseUrl, source, 'otlp-traced', { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, tracestate: 'congo=t61rcWkgMzE' })).toBe(200);
  const arrived = await eventually(
    () => {
      const r = received.find((x) => x.url === '/traced');
      if (!r) throw new Error(`nothing delivered yet; dispatcher says: ${dispatcher.log.slice(-2000)}`);
      return r;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const outgoing = String(arrived.headers.traceparent);
  expect(outgoing).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  expect(arrived.headers.tracestate).toBe('congo=t61rcWkgMzE');
  expect(sink.spans).toEqual([]);

  expect(await gateway.stop()).toBe(0);
  expect(await dispatcher.stop()).toBe(0);
  expect(sink.rejected).toEqual([]);
  const trace = sink.spans.filter((s) => s.traceId === TRACE_ID);
  const ingress = trace.find((s) => s.service === 'switchyard-gateway' && s.name === 'POST /in/{token}');
  const attempt = trace.find((s) => s.service === 'dispatcher-under-test' && s.name === 'deliver');
  expect(ingress).toMatchObject({ parentSpanId: CALLER_SPAN, kind: 2 /* SERVER */, attributes: expect.objectContaining({ 'http.response.status_code': 200, 'switchyard.source_id': source.id }) });
  expect(attempt).toMatchObject({
    parentSpanId: ingress!.spanId,
    kind: 3 /* CLIENT */,
    attributes: expect.objectContaining({ 'switchyard.attempt': 1, 'http.response.status_code': 204, 'switchyard.message_id': expect.stringMatching(/^msg_/) }),
  });
  expect(outgoing).toBe(`00-${TRACE_ID}-${attempt!.spanId}-01`);
  const message = (await t.messages(source.appId)).at(-1)!;
  expect(message.traceParent).toBe(`00-${TRACE_ID}-${ingress!.spanId}-01`);
  expect(attempt!.attributes['switchyard.message_id']).toBe(message.id);
  // the SDK was loaded in the traced process (the control for the test below)
  expect(readFileSync(gatewayLoads, 'utf8')).toMatch(/@opentelemetry\/sdk-trace-base/);
}, 90_000);

it('without OTEL_EXPORTER_OTLP_ENDPOINT: no span is exported and the SDK is never loaded; the received traceparent is still stored', async () => {
  const source = await createSource(t, 'github', { secret: SECRET });
  const loads = join(scratch, 'gateway-off.txt');
  const before = sink.spans.length;
  const { app: gateway, baseUrl } = await startGateway({ LOAD_RECORD: loads, OTEL_SERVICE_NAME: 'untraced', OTEL_BSP_SCHEDULE_DELAY: '10' });
  expect(await sendWebhook(baseUrl, source, 'otlp-untraced', { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` })).toBe(200);
  expect(await gateway.stop()).toBe(0);
  expect(sink.spans.length).toBe(before);
  const loaded = existsSync(loads) ? readFileSync(loads, 'utf8') : '';
  // the recorder works in this process too: the no-op API is all that was loaded
  expect(loaded).toMatch(/@opentelemetry\/api\//);
  expect(loaded).not.toMatch(/sdk-trace|exporter-trace|@opentelemetry\/resources|@opentelemetry\/core/);
  const message = (await t.messages(source.appId)).at(-1)!;
  expect(message.traceParent).toBe(`00-${TRACE_ID}-${CALLER_SPAN}-01`);
}, 60_000);
