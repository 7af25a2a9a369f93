import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import { eventually as waitFor } from '@switchyard/testkit';

export const ADMIN_KEY = 'sk_test_portal_admin_key_0123456789';
const DISPATCHER_MAIN = fileURLToPath(new URL('../../../dispatcher/dist/main.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Dispatcher {
  readonly url: string;
  readonly db: TestDatabase;
  /** An admin API call: JSON in, JSON out. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/**
 * The built dispatcher (apps/dispatcher/dist/main.js, the process a container runs), on a free
 * loopback port, with its own database and queue prefix, short retries and loopback delivery allowed.
 */
export async function startDispatcher(label: string, env: Record<string, string> = {}): Promise<Dispatcher> {
  const db = await createTestDatabase(`portal-${label}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [DISPATCHER_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: testQueuePrefix(`portal-${label}`),
      ADMIN_API_KEY: ADMIN_KEY,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_PORT: '0',
      LOG_LEVEL: 'warn',
      RETRY_SCHEDULE: '1s,1s,1s',
      ALLOW_PRIVATE_NETWORKS: 'true',
      DNS_SERVERS: '127.0.0.1:1',
      DNS_SYSTEM_FALLBACK: 'false',
      PORTAL_URL: `${url}/portal`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  while (!output.includes('listening on')) {
    if (child.exitCode !== null) {
      await db.drop();
      throw new Error(`the dispatcher exited (${child.exitCode}):\n${output}`);
    }
    if (Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      await db.drop();
      throw new Error(`the dispatcher did not start within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    db,
    async admin<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await once(child, 'exit');
        clearTimeout(timer);
      }
      await db.drop();
    },
  };
}

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback: records every request and answers what `respond` says. */
export async function startReceiver(respond: (req: ReceivedRequest) => { status: number; body: string; contentType?: string } = () => ({ status: 200, body: 'ok' })) {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const answer = respond(entry);
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' }).end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (the project's testkit, no fixed sleeps) until `check` answers a truthy value; throws after `timeoutMs`. */
export function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<NonNullable<T>> {
  return waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error('eventually: the condition did not come true in time');
      return value as NonNullable<T>;
    },
    { timeoutMs, intervalMs: 100 },
  );
}
