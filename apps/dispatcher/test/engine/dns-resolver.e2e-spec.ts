import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { pbkdf2 } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { LookupAddress } from 'node:dns';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryStatus } from '@switchyard/db';
import { DnsLookupError, DnsResolver, DnsTimeoutError, parseHostsFile, perTryTimeoutMs, type DnsResolverOptions } from '../../src/engine/delivery/dns-resolver.js';
import { sendOutcome } from '../../src/engine/delivery/delivery.pipeline.js';
import { WebhookHttpClient, type AttemptResult, type WebhookHttpClientOptions } from '../../src/engine/delivery/webhook-http-client.js';
import { TestDnsServer } from '../support/dns-server.js';
import { Receiver } from '../support/receiver.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, publish, startEngine, type Engine } from './support.js';

// Every name here is answered by TestDnsServer on 127.0.0.1 (or by a hosts file the test writes),
// and every address it answers is loopback: no query and no request leaves the machine.

/** A promise's state, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('DnsResolver against a name server on 127.0.0.1', () => {
  let server: TestDnsServer;
  let dir: string;
  let emptyHosts: string;
  let now = Date.now();
  const resolvers: DnsResolver[] = [];
  const make = (options: Partial<DnsResolverOptions> = {}) => {
    const resolver = new DnsResolver({
      timeoutMs: 1_000,
      tries: 2,
      cacheMax: 100,
      maxTtlMs: 60_000,
      errorTtlMs: 1_000,
      servers: [server.address],
      hostsFile: emptyHosts,
      now: () => now,
      ...options,
    });
    resolvers.push(resolver);
    return resolver;
  };

  beforeAll(async () => {
    server = await TestDnsServer.start();
    dir = await mkdtemp(join(tmpdir(), 'switchyard-dns-'));
    emptyHosts = join(dir, 'empty-hosts');
    await writeFile(emptyHosts, '');
  });
  afterEach(() => {
    for (const r of resolvers.splice(0)) r.close();
    server.questions.length = 0;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for A and AAAA and answers every address, IPv4 first', async () => {
    server.set('dual.test', { a: ['127.0.0.1', '127.0.0.2'], aaaa: ['::1'], ttl: 30 });
    server.set('v6only.test', { aaaa: ['::1'], ttl: 30 });
    const resolver = make();
    expect(await resolver.lookup('dual.test')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await resolver.lookup('v6only.test')).toEqual([{ address: '::1', family: 6 }]);
    expect(server.count('dual.test', 'A')).toBe(1);
    expect(server.count('dual.test', 'AAAA')).toBe(1);
  });

  it('keeps an answer for its TTL: one query per family until the TTL runs out', async () => {
    server.set('ttl.test', { a: ['127.0.0.1'], ttl: 30 });
    const resolver = make();
    for (let i = 0; i < 5; i++) await resolver.lookup('ttl.test');
    expect(server.count('ttl.test')).toBe(2);
    now += 29_000;
    await resolver.lookup('ttl.test');
    expect(server.count('ttl.test')).toBe(2);
    now += 1_000;
    await resolver.lookup('ttl.test');
    expect(server.count('ttl.test')).toBe(4);
  });

  it('keeps an answer for the shorter TTL of its two families', async () => {
    server.set('mixed-ttl.test', { a: ['127.0.0.1'], aaaa: ['::1'], ttl: 10 });
    const resolver = make();
    await resolver.lookup('mixed-ttl.test');
    server.set('mixed-ttl.test', { a: ['127.0.0.1'], aaaa: ['::1'], ttl: 600 });
    now += 10_000;
    await resolver.lookup('mixed-ttl.test');
    expect(server.count('mixed-ttl.test')).toBe(4);
  });

  it('caps a long TTL at DNS_CACHE_MAX_TTL_MS, and keeps nothing at 0', async () => {
    server.set('long.test', { a: ['127.0.0.1'], ttl: 86_400 });
    const capped = make({ maxTtlMs: 5_000 });
    await capped.lookup('long.test');
    now += 4_999;
    await capped.lookup('long.test');
    expect(server.count('long.test')).toBe(2);
    now += 1;
    await capped.lookup('long.test');
    expect(server.count('long.test')).toBe(4);

    const uncached = make({ maxTtlMs: 0 });
    await uncached.lookup('long.test');
    await uncached.lookup('long.test');
    expect(server.count('long.test')).toBe(8);
    expect(uncached.cacheSize).toBe(0);
  });

  it('does not keep an answer with TTL 0', async () => {
    server.set('zero.test', { a: ['127.0.0.1'], ttl: 0 });
    const resolver = make();
    await resolver.lookup('zero.test');
    await resolver.lookup('zero.test');
    expect(server.count('zero.test', 'A')).toBe(2);
  });

  it('coalesces: 1,000 concurrent lookups of one name make one query per family', async () => {
    server.set('busy.test', { a: ['127.0.0.1'], ttl: 0, hold: true });
    const resolver = make();
    const lookups = Array.from({ length: 1_000 }, () => resolver.lookup('busy.test'));
    await eventually(() => expect(server.holding('busy.test')).toBe(2));
    server.release('busy.test');
    const answers = await Promise.all(lookups);
    expect(answers.every((a) => a.length === 1 && a[0]!.address === '127.0.0.1')).toBe(true);
    expect(server.count('busy.test', 'A')).toBe(1);
    expect(server.count('busy.test', 'AAAA')).toBe(1);
  });

  it('a slow name holds up neither a fast name nor the thread pool (fs, crypto, zlib share it)', async () => {
    const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const slow = Array.from({ length: pool + 4 }, (_, i) => `slow-${i}.test`);
    for (const name of slow) server.set(name, { a: ['127.0.0.1'], ttl: 60, hold: true });
    server.set('fast.test', { a: ['127.0.0.1'], ttl: 60 });
    const resolver = make({ timeoutMs: 10_000 });
    const slowLookups = slow.map((name) => resolver.lookup(name));
    await eventually(() => expect(slow.every((name) => server.holding(name) === 2)).toBe(true));

    // More lookups pending than the pool has threads, and yet:
    expect(await resolver.lookup('fast.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    const hashed = await Promise.all(
      Array.from({ length: pool }, () => new Promise<Buffer>((resolve, reject) => pbkdf2('x', 'salt', 1_000, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key))))),
    );
    expect(hashed).toHaveLength(pool);
    // …while every slow query is still unanswered.
    expect(slow.every((name) => server.holding(name) === 2)).toBe(true);
    expect(await settled(Promise.race(slowLookups))).toBe(false);

    for (const name of slow) server.release(name);
    expect((await Promise.all(slowLookups)).map((a) => a[0]!.address)).toEqual(slow.map(() => '127.0.0.1'));
  });

  it('gives up at DNS_TIMEOUT_MS, remembers the timeout briefly, then asks again', async () => {
    server.set('dead.test', { drop: true });
    const resolver = make({ timeoutMs: 200, errorTtlMs: 1_000 });
    const started = performance.now();
    const error = await resolver.lookup('dead.test').catch((e: unknown) => e);
    const tookMs = performance.now() - started;
    expect(error).toBeInstanceOf(DnsTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_DNS_TIMEOUT', hostname: 'dead.test', timeoutMs: 200, ageMs: undefined });
    expect(tookMs).toBeGreaterThanOrEqual(190);
    expect(tookMs).toBeLessThan(2_000);
    const asked = server.count('dead.test');
    expect(asked).toBeGreaterThanOrEqual(2);

    // Remembered: answered at once, saying so, and nothing asked.
    now += 500;
    const again = await resolver.lookup('dead.test').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DnsTimeoutError);
    expect((again as DnsTimeoutError).ageMs).toBe(500);
    expect(server.count('dead.test')).toBe(asked);

    now += 500;
    await expect(resolver.lookup('dead.test')).rejects.toBeInstanceOf(DnsTimeoutError);
    expect(server.count('dead.test')).toBeGreaterThan(asked);
  });

  it('keeps an answer that arrives after the deadline, so the retry finds it', async () => {
    server.set('late.test', { a: ['127.0.0.1'], ttl: 60, hold: true });
    const resolver = make({ timeoutMs: 100 });
    await expect(resolver.lookup('late.test')).rejects.toBeInstanceOf(DnsTimeoutError);
    server.release('late.test');
    await eventually(async () => expect(await resolver.lookup('late.test')).toEqual([{ address: '127.0.0.1', family: 4 }]));
    expect(server.count('late.test', 'A')).toBe(1);
  });

  it('remembers that a name does not exist, briefly', async () => {
    const resolver = make({ errorTtlMs: 2_000 });
    const error = await resolver.lookup('nowhere.test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DnsLookupError);
    expect(error).toMatchObject({ code: 'ERR_DNS_LOOKUP', reason: 'ENOTFOUND', message: 'DNS lookup of nowhere.test failed (ENOTFOUND)' });
    now += 1_999;
    await expect(resolver.lookup('nowhere.test')).rejects.toBeInstanceOf(DnsLookupError);
    expect(server.count('nowhere.test')).toBe(2);
    now += 1;
    await expect(resolver.lookup('nowhere.test')).rejects.toBeInstanceOf(DnsLookupError);
    expect(server.count('nowhere.test')).toBe(4);
  });

  it('a name with neither A nor AAAA is not found', async () => {
    server.set('empty.test', { ttl: 60 });
    await expect(make().lookup('empty.test')).rejects.toMatchObject({ reason: 'ENOTFOUND' });
  });

  it('is bounded by DNS_CACHE_MAX: the least recently used name goes first', async () => {
    for (const name of ['one.test', 'two.test', 'three.test']) server.set(name, { a: ['127.0.0.1'], ttl: 60 });
    const resolver = make({ cacheMax: 2 });
    await resolver.lookup('one.test');
    await resolver.lookup('two.test');
    await resolver.lookup('one.test'); // one is now the most recently used
    await resolver.lookup('three.test'); // pushes out two
    expect(resolver.cacheSize).toBe(2);
    await resolver.lookup('one.test');
    await resolver.lookup('three.test');
    expect([server.count('one.test'), server.count('three.test')]).toEqual([2, 2]);
    await resolver.lookup('two.test');
    expect(server.count('two.test')).toBe(4);
  });

  it('answers IP literals, the hosts file and localhost without a query; the hosts file wins over DNS and is re-read when it changes', async () => {
    const hosts = join(dir, 'hosts');
    await writeFile(hosts, '# comment\n127.0.0.1 localhost\n127.0.0.3\treceiver.internal Receiver-Alias # trailing\nfe80::1%lo alias.internal\n');
    server.set('receiver.internal', { a: ['127.0.0.9'], ttl: 60 });
    const resolver = make({ hostsFile: hosts });
    expect(await resolver.lookup('127.0.0.5')).toEqual([{ address: '127.0.0.5', family: 4 }]);
    expect(await resolver.lookup('::1')).toEqual([{ address: '::1', family: 6 }]);
    expect(await resolver.lookup('localhost')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await resolver.lookup('api.localhost')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await resolver.lookup('RECEIVER.internal.')).toEqual([{ address: '127.0.0.3', family: 4 }]);
    expect(await resolver.lookup('receiver-alias')).toEqual([{ address: '127.0.0.3', family: 4 }]);
    expect(server.questions).toEqual([]);

    await writeFile(hosts, '127.0.0.4 receiver.internal\n');
    now += 5_000;
    await eventually(async () => expect(await resolver.lookup('receiver.internal')).toEqual([{ address: '127.0.0.4', family: 4 }]));
    expect(server.questions).toEqual([]);
  });

  it('asks the system resolver for names the name server does not know only with the fallback on', async () => {
    const asked: string[] = [];
    const systemLookup = async (name: string): Promise<LookupAddress[]> => {
      asked.push(name);
      return name === 'short-name' ? [{ address: '127.0.0.7', family: 4 }] : Promise.reject(Object.assign(new Error('nope'), { code: 'EAI_NONAME' }));
    };
    await expect(make({ systemLookup }).lookup('short-name')).rejects.toMatchObject({ reason: 'ENOTFOUND' });
    expect(asked).toEqual([]);

    const withFallback = make({ systemLookup, systemFallback: true });
    expect(await withFallback.lookup('short-name')).toEqual([{ address: '127.0.0.7', family: 4 }]);
    await withFallback.lookup('short-name');
    await expect(withFallback.lookup('other-name')).rejects.toMatchObject({ reason: 'ENOTFOUND' });
    expect(asked).toEqual(['short-name', 'other-name']);
  });

  it('fits its tries into the timeout, each retry waiting twice as long', () => {
    expect(perTryTimeoutMs(2_000, 1)).toBe(2_000);
    expect(perTryTimeoutMs(2_000, 2)).toBe(666);
    expect(perTryTimeoutMs(2_000, 3)).toBe(285);
    expect(perTryTimeoutMs(1, 5)).toBe(1);
  });

  it('parses a hosts file', () => {
    const table = parseHostsFile('127.0.0.1 localhost\n::1 localhost ip6-localhost\n\n# 10.0.0.1 commented\nbad line\n127.0.0.1 LocalHost\n');
    expect(Object.fromEntries(table)).toEqual({
      localhost: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
      'ip6-localhost': [{ address: '::1', family: 6 }],
    });
  });
});

describe('WebhookHttpClient with the DnsResolver', () => {
  let server: TestDnsServer;
  let receiver: Receiver;
  const clients: WebhookHttpClient[] = [];
  const make = (options: Partial<WebhookHttpClientOptions>) => {
    const client = new WebhookHttpClient({
      timeoutMs: 5_000,
      connectTimeoutMs: 4_000,
      connectionsPerOrigin: 4,
      captureBytes: 64,
      allowPrivateNetworks: true,
      ...options,
      // never getaddrinfo: it would ask the machine's own name server
      dns: { servers: [server.address], timeoutMs: 1_000, systemFallback: false, ...options.dns },
    });
    clients.push(client);
    return client;
  };
  const send = (client: WebhookHttpClient, host: string): Promise<AttemptResult> => client.send({ url: receiver.url('/d', `${host}`), headers: { 'content-type': 'application/json' }, body: '{}' });

  beforeAll(async () => {
    server = await TestDnsServer.start({
      'fast.test': { a: ['127.0.0.1'], ttl: 60 },
      'dead.test': { drop: true },
    });
    receiver = await Receiver.start({ host: '127.0.0.1' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it('records a lookup that times out as dns_timeout, saying so in words', async () => {
    const client = make({ dns: { timeoutMs: 150 } });
    const first = await send(client, 'dead.test');
    expect(first).toMatchObject({ statusCode: 0, error: 'dns_timeout', errorDetail: 'no DNS answer for dead.test within 150 ms (DNS_TIMEOUT_MS)' });
    const second = await send(client, 'dead.test');
    expect(second.error).toBe('dns_timeout');
    expect(second.errorDetail).toMatch(/^no DNS answer for dead\.test within 150 ms \(DNS_TIMEOUT_MS; remembered from a lookup that ended \d+ ms ago, asked again after DNS_CACHE_ERROR_TTL_MS\)$/);
    // Counted like any other attempt without an answer: it fails, and it counts against the circuit.
    expect(sendOutcome(first)).toBe('drop');
  });

  it('records a name that does not exist as dns_error', async () => {
    const result = await send(make({}), 'nowhere.test');
    expect(result).toMatchObject({ statusCode: 0, error: 'dns_error', errorDetail: 'DNS lookup of nowhere.test failed (ENOTFOUND)' });
  });

  it('still checks the address actually connected to: a name answered with loopback is refused unless private networks are allowed', async () => {
    expect(await send(make({ allowPrivateNetworks: false }), 'fast.test')).toMatchObject({ statusCode: 0, error: 'blocked_address' });
    expect(receiver.requests).toHaveLength(0);
    expect(await send(make({ allowPrivateNetworks: true }), 'fast.test')).toMatchObject({ statusCode: 200, error: null });
    expect(receiver.requests).toHaveLength(1);
  });

  it('delivers to a fast name while a slow name is still being looked up', async () => {
    server.set('slow.test', { a: ['127.0.0.1'], ttl: 60, hold: true });
    const client = make({ dns: { timeoutMs: 3_000 } });
    const slow = send(client, 'slow.test');
    await eventually(() => expect(server.holding('slow.test')).toBe(2));
    expect(await send(client, 'fast.test')).toMatchObject({ statusCode: 200 });
    expect(server.holding('slow.test')).toBe(2);
    expect(await settled(slow)).toBe(false);
    server.release('slow.test');
    expect(await slow).toMatchObject({ statusCode: 200 });
    expect(receiver.requests.map((r) => r.headers.host)).toEqual([`fast.test:${receiver.port}`, `slow.test:${receiver.port}`]);
  });
});

describe('DNS in the running engine', () => {
  let engine: Engine;
  let server: TestDnsServer;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await TestDnsServer.start({ 'fast.test': { a: ['127.0.0.1'], ttl: 60 }, 'dead.test': { drop: true } });
    receiver = await Receiver.start({ host: '127.0.0.1' });
    engine = await startEngine('engine-dns', {
      DNS_SERVERS: server.address,
      DNS_SYSTEM_FALLBACK: 'false',
      DNS_TIMEOUT_MS: '3000',
      DELIVERY_TIMEOUT_MS: '5000',
      DELIVERY_LEASE_MS: '10000',
      RETRY_SCHEDULE: '100ms',
    });
  });
  afterAll(async () => {
    await engine?.close();
    await server?.close();
    await receiver?.close();
  });

  it("delivers to an endpoint whose name answers at once while another endpoint's name is still unanswered", async () => {
    server.set('slow.test', { a: ['127.0.0.1'], ttl: 60, hold: true });
    const appId = await createApp(engine.ds);
    const slow = await createEndpoint(engine, appId, { url: receiver.url('/slow', 'slow.test') });
    const fast = await createEndpoint(engine, appId, { url: receiver.url('/fast', 'fast.test') });
    const [msgId] = await publish(engine, appId, [{}]);
    await eventually(() => expect(server.holding('slow.test')).toBe(2));
    await eventually(async () => expect((await deliveryOf(engine.ds, msgId!, fast.id))?.status).toBe(DeliveryStatus.Success));
    expect(server.holding('slow.test')).toBe(2);
    expect((await deliveryOf(engine.ds, msgId!, slow.id))?.status).not.toBe(DeliveryStatus.Success);
    server.release('slow.test');
    await eventually(async () => expect((await deliveryOf(engine.ds, msgId!, slow.id))?.status).toBe(DeliveryStatus.Success));
    expect(receiver.requests.map((r) => r.url)).toEqual(['/fast', '/slow']);
  });

  it('records an attempt whose lookup timed out as dns_timeout, retries it, and fails the delivery when the schedule is spent', async () => {
    const appId = await createApp(engine.ds);
    const ep = await createEndpoint(engine, appId, { url: receiver.url('/dead', 'dead.test') });
    const [msgId] = await publish(engine, appId, [{}]);
    const delivery = await eventually(
      async () => {
        const d = await deliveryOf(engine.ds, msgId!, ep.id);
        expect(d?.status).toBe(DeliveryStatus.Fail);
        return d!;
      },
      { timeoutMs: 15_000 },
    );
    const attempts = await attemptsOf(engine.ds, { deliveryId: delivery.id });
    expect(attempts.map((a) => [a.responseStatusCode, a.error])).toEqual([
      [0, 'dns_timeout'],
      [0, 'dns_timeout'],
    ]);
    expect(attempts[0]!.errorDetail).toBe('no DNS answer for dead.test within 3000 ms (DNS_TIMEOUT_MS)');
    expect(receiver.requests.filter((r) => r.url === '/dead')).toHaveLength(0);
  });
});
