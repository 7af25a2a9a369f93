import net, { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryStatus } from '@switchyard/db';
import type { AttemptEntity } from '@switchyard/db';
import { WebhookHttpClient } from '../../src/engine/delivery/webhook-http-client.js';
import { TEST_ADMIN_KEY } from '../support/test-app.js';
import { attemptsOf, createApp, createEndpoint, deliveryOf, eventually, publishMessages, startEngine, type Engine } from './support.js';

// Whatever a receiver sends back, the attempt is recorded with what was received (up to the
// capture limit), and the delivery's retries go on. Each receiver here is a raw TCP server on
// loopback that answers with exactly the bytes a case needs.

/** How a raw receiver answers a connection: write these bytes (a function for drips), then end, reset or stay open. */
type RawAnswer = (socket: Socket) => void;

class RawReceiver {
  private readonly sockets = new Set<Socket>();
  connections = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(answer: RawAnswer): Promise<RawReceiver> {
    let receiver: RawReceiver | undefined;
    const server = net.createServer((socket) => {
      receiver!.connections++;
      receiver!.sockets.add(socket);
      socket.on('close', () => receiver!.sockets.delete(socket));
      socket.on('error', () => undefined);
      // answer just after the request (a small JSON body) arrives; what it says is not read
      socket.once('data', () => setTimeout(() => answer(socket), 5));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    receiver = new RawReceiver(server, (server.address() as AddressInfo).port);
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const head = (status: string, headers: Record<string, string | number>) =>
  Buffer.from(
    `HTTP/1.1 ${status}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`,
    'latin1',
  );

describe('hostile receivers: every response is recorded, and retries advance', () => {
  let engine: Engine;
  const receivers: RawReceiver[] = [];
  let appId: string;

  beforeAll(async () => {
    engine = await startEngine('engine-hostile', { DELIVERY_TIMEOUT_MS: '1500', DELIVERY_LEASE_MS: '4000', RETRY_SCHEDULE: '200ms' });
    appId = await createApp(engine.ds);
  });
  afterAll(async () => {
    const failures = engine?.jobFailures ?? [];
    await engine?.close();
    for (const r of receivers) await r.close();
    expect(failures).toEqual([]);
  });

  /** Publishes one message to an endpoint at a raw receiver; answers the attempts once the delivery is final. */
  async function deliverTo(answer: RawAnswer, final: DeliveryStatus = DeliveryStatus.Fail): Promise<{ attempts: AttemptEntity[]; msgId: string; endpointId: string; receiver: RawReceiver }> {
    const receiver = await RawReceiver.start(answer);
    receivers.push(receiver);
    const ep = await createEndpoint(engine, appId, { url: receiver.url() });
    const [msgId] = await publishMessages(engine, appId, 1);
    await eventually(async () => expect((await deliveryOf(engine.ds, msgId!, ep.id))?.status).toBe(final), { timeoutMs: 10_000 });
    return { attempts: await attemptsOf(engine.ds, { messageId: msgId!, endpointId: ep.id }), msgId: msgId!, endpointId: ep.id, receiver };
  }

  async function attemptsApi(msgId: string): Promise<Record<string, unknown>[]> {
    const res = await engine.t.app.inject({ method: 'GET', url: `/api/v1/app/${appId}/attempt/msg/${msgId}`, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(res.statusCode).toBe(200);
    return (res.json() as { data: Record<string, unknown>[] }).data;
  }

  it('a 500 whose body holds a NUL byte: recorded byte for byte, retried on schedule, and shown by the API', async () => {
    const body = Buffer.from('error\u0000in the middle', 'utf8');
    const { attempts, msgId } = await deliverTo((s) => s.end(Buffer.concat([head('500 Internal Server Error', { 'content-length': body.length, connection: 'close' }), body])));
    // RETRY_SCHEDULE 200ms: two attempts, then fail (not stuck re-sending for ever)
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.responseStatusCode).toBe(500);
      expect(a.responseBody).toEqual(body);
    }
    const api = await attemptsApi(msgId);
    expect(api[0]).toMatchObject({ response: 'error\u0000in the middle', responseStatusCode: 500 });
    expect(api[0]!.responseBase64).toBeUndefined();
  });

  it('invalid UTF-8 and binary bodies: the exact bytes are kept, and the API gives them as base64 beside the readable text', async () => {
    const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0xc3, 0x28]);
    const { attempts, msgId } = await deliverTo(
      (s) => s.end(Buffer.concat([head('200 OK', { 'content-type': 'image/png', 'content-length': body.length, connection: 'close' }), body])),
      DeliveryStatus.Success,
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.responseBody).toEqual(body);
    const [api] = await attemptsApi(msgId);
    expect(Buffer.from(api!.responseBase64 as string, 'base64')).toEqual(body);
    expect(api!.response).toContain('\uFFFD');
  });

  it('a body dripped one byte at a time is cut at the deadline, and what arrived is kept', async () => {
    const { attempts } = await deliverTo((s) => {
      s.write(head('200 OK', { 'content-length': 100 }));
      let n = 0;
      const timer = setInterval(() => {
        if (s.destroyed || n >= 100) return clearInterval(timer);
        s.write(String.fromCharCode(97 + (n++ % 26)));
      }, 250);
      s.on('close', () => clearInterval(timer));
    }, DeliveryStatus.Success);
    const [a] = attempts;
    // the status said 200, so the attempt succeeded; the body stopped at DELIVERY_TIMEOUT_MS (1.5 s ≈ 6 bytes)
    expect(a!.responseStatusCode).toBe(200);
    expect(a!.responseDurationMs).toBeGreaterThanOrEqual(1_400);
    expect(a!.responseDurationMs).toBeLessThan(3_000);
    expect(a!.responseBody!.length).toBeGreaterThan(0);
    expect(a!.responseBody!.length).toBeLessThan(20);
    expect(a!.responseBody!.toString('latin1')).toMatch(/^abc/);
    expect(a!.errorDetail).toMatch(/still arriving when the attempt's 1500 ms ran out/);
  });

  it('thousands of headers: past 16 KiB of headers the response is refused as invalid, and recorded as such', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 3_000; i++) many[`x-h${i}`] = 'v';
    const { attempts } = await deliverTo((s) => s.end(Buffer.concat([head('200 OK', { ...many, 'content-length': 0, connection: 'close' })])));
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a).toMatchObject({ responseStatusCode: 0, error: 'invalid_response', responseBody: null });
      expect(a.errorDetail).toMatch(/response headers .* exceed 16384 bytes/);
    }
  });

  it('many headers within the limit are all kept with the attempt', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 500; i++) many[`x-h${i}`] = `value-${i}`;
    const { attempts } = await deliverTo((s) => s.end(head('204 No Content', { ...many, connection: 'close' })), DeliveryStatus.Success);
    expect(Object.keys(attempts[0]!.responseHeaders).filter((k) => k.startsWith('x-h'))).toHaveLength(500);
  });

  it('a reset in the middle of the body: the status and the bytes that arrived are kept, with why it stopped', async () => {
    const { attempts } = await deliverTo((s) => {
      s.write(Buffer.concat([head('502 Bad Gateway', { 'content-length': 1000 }), Buffer.from('partial body')]));
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    for (const a of attempts) {
      expect(a.responseStatusCode).toBe(502);
      expect(a.responseBody).toEqual(Buffer.from('partial body'));
      expect(a.errorDetail).toMatch(/cut short after 12 bytes/);
    }
    expect(attempts).toHaveLength(2);
  });

  it('a reset before any response, and bytes that are not HTTP, are recorded with their reasons', async () => {
    const reset = await deliverTo((s) => s.resetAndDestroy());
    expect(reset.attempts.map((a) => [a.responseStatusCode, a.error])).toEqual([
      [0, 'connection_reset'],
      [0, 'connection_reset'],
    ]);
    expect(reset.attempts[0]!.errorDetail).toMatch(/was closed before a response arrived/);
    const garbage = await deliverTo((s) => s.end(Buffer.from([0x00, 0x01, 0xff, 0x0a, 0x0d, 0x0a, 0x0d])));
    expect(garbage.attempts.map((a) => a.error)).toEqual(['invalid_response', 'invalid_response']);
    expect(garbage.attempts[0]!.errorDetail).toMatch(/is not valid HTTP/);
  });

  it('a 10 MB body: only the capture limit is kept and memory stays bounded', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    const before = process.memoryUsage().arrayBuffers;
    const { attempts } = await deliverTo((s) => {
      s.write(head('200 OK', { 'content-length': 10 * 1024 * 1024 }));
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024 && !s.destroyed) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    }, DeliveryStatus.Success);
    expect(attempts[0]!.responseBody).toEqual(Buffer.alloc(4096, 0x62));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('attempts that got no response say why (against real sockets on loopback)', () => {
  const client = new WebhookHttpClient({ timeoutMs: 1_000, connectTimeoutMs: 1_000, connectionsPerOrigin: 4, captureBytes: 4096, allowPrivateNetworks: true });
  afterAll(async () => client.close());
  const send = (url: string) => client.send({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

  it('connection refused', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await send(`http://127.0.0.1:${port}/x`);
    expect(result).toMatchObject({ statusCode: 0, error: 'connection_refused', errorDetail: `connection refused by 127.0.0.1:${port}` });
  });

  it('TLS error: https to a server that speaks plain HTTP', async () => {
    const server = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await send(`https://127.0.0.1:${port}/x`);
      expect(result).toMatchObject({ statusCode: 0, error: 'tls_error' });
      expect(result.errorDetail).toMatch(new RegExp(`^TLS with 127\\.0\\.0\\.1:${port} failed: `));
    } finally {
      server.close();
    }
  });

  it('timeout: the server accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const server = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await send(`http://127.0.0.1:${port}/x`);
      expect(result).toMatchObject({ statusCode: 0, error: 'timeout', errorDetail: `no response from 127.0.0.1:${port} within 1000 ms (DELIVERY_TIMEOUT_MS)` });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('DNS failure (a resolver that finds nothing: no query leaves the machine)', async () => {
    const noDns = new WebhookHttpClient({
      timeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      connectionsPerOrigin: 1,
      captureBytes: 64,
      allowPrivateNetworks: false,
      resolve: (hostname, callback) => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []),
    });
    try {
      const result = await noDns.send({ url: 'https://hooks.nowhere.example/x', headers: {}, body: '{}' });
      expect(result).toMatchObject({ statusCode: 0, error: 'dns_error', errorDetail: 'DNS lookup of hooks.nowhere.example failed (ENOTFOUND)' });
    } finally {
      await noDns.close();
    }
  });

  it('never puts the URL path, query or credentials in the explanation', async () => {
    const result = await send('http://user:secret-pass@127.0.0.1:1/path?token=secret-token');
    expect(result.errorDetail).not.toMatch(/secret|path|token/);
  });
});
