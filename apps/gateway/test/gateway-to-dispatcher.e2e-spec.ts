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
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  if (!existsSync(DISPATCHER_MAIN)) throw new Error(`${DISPATCHER_MAIN} is missing: run pnpm build first`);
  t = await startTestGateway('both-apps');
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
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
      QUEUE_PREFIX: t.settings.queuePrefix,
      PORT: '0',
      HOST: '127.0.0.1',
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
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
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

  const arrived = await eventually(
    () => {
      if (received.length === 0) throw new Error(`nothing delivered yet; dispatcher says: ${dispatcherLog.slice(-2000)}`);
      return received[0]!;
    },
    30_000,
    100,
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
