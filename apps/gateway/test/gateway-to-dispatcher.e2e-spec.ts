// Both apps end to end: a provider-signed webhook into the gateway comes out of the real
// dispatcher process (spawned from apps/dispatcher/dist on the same database and queue prefix)
// at a local receiver as a CloudEvent, signed with Standard Webhooks.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import { CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { createSource, deliver, type CreatedSource } from './support/ingest.js';
import { eventually, startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

const DISPATCHER_MAIN = fileURLToPath(new URL('../../dispatcher/dist/main.js', import.meta.url));

let t: TestGateway;
let receiver: Server;
let receiverUrl: string;
let dispatcher: ChildProcess | undefined;
let dispatcherLog = '';
const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  if (!existsSync(DISPATCHER_MAIN)) throw new Error(`${DISPATCHER_MAIN} is missing: run pnpm build first`);
  // One endpoint is delivered from the publish statement; more go through the dispatcher's fan-out job.
  t = await startTestGateway('both-apps', { FAN_OUT_INLINE_MAX: '1' });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
  dispatcher = spawn(process.execPath, [DISPATCHER_MAIN], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: t.settings.databaseUrl,
      REDIS_URL: t.settings.redisUrl,
      REDIS_CLUSTER_NODES: t.settings.redisClusterNodes.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(','),
      QUEUE_PREFIX: t.settings.queuePrefix,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      ALLOW_PRIVATE_NETWORKS: 'true',
      RETRY_SCHEDULE: '1s,1s,1s',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dispatcher.stdout?.on('data', (c: Buffer) => (dispatcherLog += c.toString()));
  dispatcher.stderr?.on('data', (c: Buffer) => (dispatcherLog += c.toString()));
});

afterAll(async () => {
  if (dispatcher && dispatcher.exitCode === null) {
    const exited = new Promise((resolve) => dispatcher!.once('exit', resolve));
    dispatcher.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    if (dispatcher.exitCode === null) dispatcher.kill('SIGKILL');
  }
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await t?.close();
});

it('a GitHub webhook into the gateway reaches a local receiver as a Standard-Webhooks-signed CloudEvent', async () => {
  const source: CreatedSource = await createSource(t, 'github', { secret: 'both-apps-secret' });
  const endpoint = await t.svix.ingest.endpoint.create(source.id, { url: receiverUrl });
  const { key } = await t.svix.ingest.endpoint.getSecret(source.id, endpoint.id);

  const payload = { action: 'opened', number: 7, pull_request: { title: 'Add gateway' }, repository: { full_name: 'octo/switchyard' } };
  const body = JSON.stringify(payload);
  const res = await deliver(t, source.ingestUrl, {
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': 'f1c2d3e4-both-apps',
      'x-hub-signature-256': await sign('both-apps-secret', body),
    },
    body,
  });
  expect(res.status).toBe(200);
  const { eventId } = res.json<{ eventId: string }>();
  // One endpoint: its delivery was committed with the message, before the 200.
  const stored = (await t.messages(source.appId)).at(-1)!;
  expect(stored.fannedOutAt).toBeInstanceOf(Date);
  expect(await t.dataSource.query(`SELECT endpoint_id FROM deliveries WHERE message_id = $1`, [stored.id])).toEqual([{ endpoint_id: endpoint.id }]);

  const arrived = await eventually(
    () => {
      if (received.length === 0) throw new Error(`nothing delivered yet; dispatcher says: ${dispatcherLog.slice(-2000)}`);
      return received[0]!;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const verified = new Webhook(key).verify(arrived.body, {
    'webhook-id': String(arrived.headers['webhook-id']),
    'webhook-timestamp': String(arrived.headers['webhook-timestamp']),
    'webhook-signature': String(arrived.headers['webhook-signature']),
  }) as Record<string, unknown>;
  const event = new CloudEvent(verified as never);
  expect(event.validate()).toBe(true);
  expect(verified).toMatchObject({
    specversion: '1.0',
    id: eventId,
    type: 'github.pull_request.opened',
    source: `/sources/${source.id}`,
    subject: 'octo/switchyard',
    provider: 'github',
    providereventid: 'f1c2d3e4-both-apps',
    data: payload,
  });
  const message = (await t.messages(source.appId)).at(-1)!;
  expect(arrived.headers['webhook-id']).toBe(message.id);
  expect(arrived.body).toBe(message.payload);
  expect(received).toHaveLength(1);
}, 60_000);

it('an event for more endpoints than FAN_OUT_INLINE_MAX is fanned out by the dispatcher to each of them', async () => {
  const source: CreatedSource = await createSource(t, 'github', { secret: 'wide-secret' });
  const endpoints = [];
  for (const path of ['/wide-a', '/wide-b', '/wide-c']) {
    const endpoint = await t.svix.ingest.endpoint.create(source.id, { url: receiverUrl.replace('/hooks', path) });
    endpoints.push({ path, key: (await t.svix.ingest.endpoint.getSecret(source.id, endpoint.id)).key });
  }
  const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 9 });
  // Held in the fan-out queue until the message is seen stored alone.
  await t.fanOut.pause();
  try {
    const res = await deliver(t, source.ingestUrl, {
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'wide-delivery', 'x-hub-signature-256': await sign('wide-secret', body) },
      body,
    });
    expect(res.status).toBe(200);
    const stored = (await t.messages(source.appId)).at(-1)!;
    expect(stored.fannedOutAt).toBeNull();
    expect(await t.dataSource.query(`SELECT id FROM deliveries WHERE message_id = $1`, [stored.id])).toEqual([]);
    await eventually(async () => expect(await t.fanOut.getJobCounts()).toMatchObject({ paused: 1 }));
  } finally {
    await t.fanOut.resume();
  }
  const message = (await t.messages(source.appId)).at(-1)!;
  for (const { path, key } of endpoints) {
    const arrived = await eventually(
      () => {
        const r = received.find((x) => x.url === path);
        if (!r) throw new Error(`nothing at ${path} yet; dispatcher says: ${dispatcherLog.slice(-2000)}`);
        return r;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(arrived.headers['webhook-id']).toBe(message.id);
    const verified = new Webhook(key).verify(arrived.body, {
      'webhook-id': String(arrived.headers['webhook-id']),
      'webhook-timestamp': String(arrived.headers['webhook-timestamp']),
      'webhook-signature': String(arrived.headers['webhook-signature']),
    }) as Record<string, unknown>;
    expect(new CloudEvent(verified as never).validate()).toBe(true);
    expect(verified).toMatchObject({ type: 'github.ping', providereventid: 'wide-delivery' });
  }
  const [{ deliveries }] = await t.dataSource.query(`SELECT count(*)::int AS deliveries FROM deliveries WHERE message_id = $1`, [message.id]);
  expect(deliveries).toBe(3);
}, 60_000);
