import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { LookupAddress } from 'node:dns';
import { DeliveryStatus } from '@switchyard/db';
import type { Resolver } from '../../src/engine/delivery/egress-guard.js';
import { WebhookHttpClient, type WebhookHttpClientOptions } from '../../src/engine/delivery/webhook-http-client.js';
import { Receiver } from '../support/receiver.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, publish, startEngine, type Engine } from './support.js';

// Every address used here is loopback: a broken guard would reach our own receivers, never the network.
const NAME = 'hooks.switchyard.test';

/** Resolves NAME to 127.0.0.1 (as a hostile DNS record could), everything else through the system. */
const resolveToLoopback =
  (calls: string[] = []): Resolver =>
  (hostname, callback) => {
    calls.push(hostname);
    if (hostname === NAME) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    if (hostname === 'localhost')
      return callback(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
    callback(Object.assign(new Error(`unknown test host ${hostname}`), { code: 'ENOTFOUND' }), []);
  };

function client(options: Partial<WebhookHttpClientOptions>): WebhookHttpClient {
  return new WebhookHttpClient({ timeoutMs: 2_000, connectTimeoutMs: 1_000, connectionsPerOrigin: 4, captureBytes: 4096, allowPrivateNetworks: false, ...options });
}

const send = (c: WebhookHttpClient, url: string) => c.send({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

describe('private-network guard, on the address actually connected to', () => {
  let v4: Receiver;
  let v6: Receiver;
  let clients: WebhookHttpClient[] = [];
  const make = (options: Partial<WebhookHttpClientOptions>) => {
    const c = client(options);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    v4 = await Receiver.start({ host: '127.0.0.1' });
    v6 = await Receiver.start({ host: '::1' });
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
  afterAll(async () => {
    await v4?.close();
    await v6?.close();
  });

  const forms = (): [string, string][] => [
    ['http://127.0.0.1:PORT', v4.url('/g')],
    ['http://localhost:PORT', v4.url('/g', 'localhost')],
    ['http://[::1]:PORT', v6.url('/g')],
    ['http://[::ffff:127.0.0.1]:PORT', v4.url('/g', '[::ffff:127.0.0.1]')],
    ['http://2130706433:PORT (decimal)', v4.url('/g', '2130706433')],
    ['http://0177.0.0.1:PORT (octal)', v4.url('/g', '0177.0.0.1')],
    [`http://${NAME}:PORT (a name that resolves to 127.0.0.1)`, v4.url('/g', NAME)],
  ];

  it('refuses every loopback form without opening a connection when private networks are not allowed', async () => {
    const guarded = make({ allowPrivateNetworks: false, resolve: resolveToLoopback() });
    for (const [form, url] of forms()) {
      const result = await send(guarded, url);
      expect({ form, statusCode: result.statusCode, error: result.error }).toEqual({ form, statusCode: 0, error: 'blocked_address' });
    }
    expect(v4.requests).toHaveLength(0);
    expect(v6.requests).toHaveLength(0);
  });

  it('connects to the same forms when ALLOW_PRIVATE_NETWORKS=true (so the refusals above were the guard)', async () => {
    const open = make({ allowPrivateNetworks: true, resolve: resolveToLoopback() });
    for (const [form, url] of forms()) {
      const result = await send(open, url);
      expect({ form, statusCode: result.statusCode, error: result.error }).toEqual({ form, statusCode: 200, error: null });
    }
    expect(v4.requests.length + v6.requests.length).toBe(forms().length);
    v4.requests.length = 0;
    v6.requests.length = 0;
  });

  it('checks IP literals itself: they never reach lookup, and are refused anyway', async () => {
    const calls: string[] = [];
    const guarded = make({ resolve: resolveToLoopback(calls) });
    expect((await send(guarded, v4.url('/g'))).error).toBe('blocked_address');
    expect((await send(guarded, v6.url('/g'))).error).toBe('blocked_address');
    expect(calls).toEqual([]);
    expect((await send(guarded, v4.url('/g', NAME))).error).toBe('blocked_address');
    expect(calls).toEqual([NAME]);
    expect(v4.requests).toHaveLength(0);
  });

  it('refuses a name if ANY of its addresses is refused, rather than picking an allowed one', async () => {
    // Policy for this test only: 127.0.0.1 counts as public, 127.0.0.2 does not.
    const allow = (address: string) => address === '127.0.0.1';
    const mixed: Resolver = (_hostname, callback) =>
      callback(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '127.0.0.2', family: 4 },
      ] as LookupAddress[]);
    const single: Resolver = (_hostname, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]);
    expect((await send(make({ allow, resolve: mixed }), v4.url('/g', NAME))).error).toBe('blocked_address');
    expect(v4.requests).toHaveLength(0);
    expect((await send(make({ allow, resolve: single }), v4.url('/g', NAME))).statusCode).toBe(200);
    expect(v4.requests).toHaveLength(1);
    v4.requests.length = 0;
  });

  it('refuses URLs that are not http(s)', async () => {
    const open = make({ allowPrivateNetworks: true });
    for (const url of [`ftp://127.0.0.1:${v4.port}/g`, `file:///etc/passwd`, 'not a url', `ws://127.0.0.1:${v4.port}/g`]) {
      expect((await send(open, url)).error).toBe('invalid_url');
    }
    expect(v4.requests).toHaveLength(0);
  });
});

describe('private-network guard in the running engine (ALLOW_PRIVATE_NETWORKS=false)', () => {
  let engine: Engine;
  let receiver: Receiver;

  beforeAll(async () => {
    engine = await startEngine('engine-guard', { ALLOW_PRIVATE_NETWORKS: 'false', RETRY_SCHEDULE: '100ms' });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await engine?.close();
    await receiver?.close();
  });

  it('records blocked_address attempts, retries on schedule, ends in fail, and never connects', async () => {
    const appId = await createApp(engine.ds);
    const urls = [receiver.url('/e'), receiver.url('/e', 'localhost'), receiver.url('/e', '[::ffff:127.0.0.1]'), receiver.url('/e', '2130706433')];
    const endpoints = [];
    for (const url of urls) endpoints.push(await createEndpoint(engine, appId, { url }));
    const [msgId] = await publish(engine, appId, [{}]);
    for (const ep of endpoints) {
      const delivery = await eventually(async () => {
        const d = await deliveryOf(engine.ds, msgId!, ep.id);
        expect(d?.status).toBe(DeliveryStatus.Fail);
        return d!;
      });
      const attempts = await attemptsOf(engine.ds, { deliveryId: delivery.id });
      expect(attempts.map((a) => [a.responseStatusCode, a.error])).toEqual([
        [0, 'blocked_address'],
        [0, 'blocked_address'],
      ]);
      // A newcomer reads why: the address, its range, and the setting that allows it.
      expect(attempts[0]!.errorDetail).toMatch(/^not sent: .+ is \S+ \(loopback\); .*ALLOW_PRIVATE_NETWORKS=true$/);
    }
    expect(receiver.requests).toHaveLength(0);
  });
});
