import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, quoteIdentifier, splitDatabaseUrl } from './migrate.js';

/** Base URL for test databases: TEST_DATABASE_URL, DATABASE_URL, or the local default. */
export function testDatabaseBaseUrl(): string {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/switchyard';
}

const PREFIX = 'sy_test_';
/** Test databases older than this are dropped by the next run (left behind by a killed run). */
const STALE_AFTER_SECONDS = 6 * 3600;

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function dropStale(client: pg.Client): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const rows = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'sy\\_test\\_%'`);
  for (const { datname } of rows.rows) {
    const stamp = Number(/_(\d{10})_[0-9a-f]+$/.exec(datname)?.[1]);
    if (Number.isFinite(stamp) && now - stamp > STALE_AFTER_SECONDS) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
    }
  }
}

/**
 * A fresh, migrated database of its own for one test suite, named after the suite, so suites
 * running in parallel never share rows.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const base = testDatabaseBaseUrl();
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  const name = `${PREFIX}${safeLabel}_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(base, name);
  const { maintenanceUrl } = splitDatabaseUrl(url);
  const admin = new pg.Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    await dropStale(admin);
  } finally {
    await admin.end();
  }
  await migrate(url);
  return {
    name,
    url,
    async drop() {
      const client = new pg.Client({ connectionString: maintenanceUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A unique Bull queue prefix for one test suite, so suites never see each other's jobs. */
export function testQueuePrefix(label: string): string {
  return `sy-test-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomBytes(4).toString('hex')}`;
}

export interface ThrowawayRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGKILL: like a crash); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A redis-server of the test's own on a free loopback port, keeping nothing on disk, so a test
 * can stop and restart Redis without touching the shared one.
 */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const port = await freeLoopbackPort();
  let child: import('node:child_process').ChildProcess | undefined;
  const up = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await up()); i++) await new Promise((r) => setTimeout(r, 50));
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}

export interface LoopbackProxy {
  /** The loopback port that forwards to the target while the proxy is up. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Closes the port and drops every connection through it: the target looks unreachable (connection refused). */
  cut(): Promise<void>;
  /** Opens the port again. */
  restore(): Promise<void>;
}

/**
 * A TCP forwarder on a free loopback port, so a test can make a shared service (PostgreSQL,
 * Redis) unreachable for one app, and reachable again, without touching the service itself.
 */
export async function startLoopbackProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<LoopbackProxy> {
  const net = await import('node:net');
  const port = await freeLoopbackPort();
  const sockets = new Set<import('node:net').Socket>();
  let server: import('node:net').Server | undefined;
  const restore = async () => {
    if (server) return;
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
  };
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  await restore();
  return {
    port,
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    restore,
  };
}

/** A Redis Cluster of the test's own: three masters, one replica each, on loopback. */
export interface ThrowawayRedisCluster {
  /** REDIS_CLUSTER_NODES for it: every node as `127.0.0.1:port`. */
  readonly seeds: string;
  readonly ports: readonly number[];
  /** The slot Redis Cluster gives a key (its hash tag, if it has one). */
  keySlot(key: string): Promise<number>;
  /**
   * Fails the master serving `key`'s slot over to its replica (CLUSTER FAILOVER sent to the
   * replica: the replica catches up, then takes over, so no acknowledged write is lost). Resolves
   * once the replica is master and every node agrees. Answers the new master's port.
   */
  failover(key: string): Promise<number>;
  /** Kills every node and removes their files. */
  stop(): Promise<void>;
}

/** Runs redis-cli against a loopback port and answers its output. */
async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`redis-cli ${args.join(' ')}: ${error.message} ${stderr}`)) : resolve(stdout),
    );
  });
}

interface ClusterNodeLine {
  readonly id: string;
  readonly port: number;
  readonly master: boolean;
  readonly masterId: string;
  readonly slots: readonly string[];
}

function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(' '))
    .map(([id, address, flags, masterId, , , , , ...slots]) => ({
      id: id!,
      port: Number(/:(\d+)@/.exec(address!)?.[1]),
      master: flags!.split(',').includes('master'),
      masterId: masterId!,
      slots,
    }));
}

function servesSlot(node: ClusterNodeLine, slot: number): boolean {
  return node.slots.some((range) => {
    const [from, to] = range.split('-').map(Number);
    return slot >= from! && slot <= (to ?? from)!;
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a Redis Cluster of three masters with a replica each (`redis-server --cluster-enabled yes`
 * on free loopback ports, in a temporary directory, keeping nothing on disk but its nodes.conf),
 * joined with `redis-cli --cluster create`. Every node is killed on `stop()`, and when the process
 * exits, whatever happened.
 */
export async function startThrowawayRedisCluster(): Promise<ThrowawayRedisCluster> {
  const { spawn } = await import('node:child_process');
  const { mkdtemp, mkdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'sy-redis-cluster-'));
  const children: import('node:child_process').ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(
      children.map((child) =>
        child.exitCode !== null || child.signalCode !== null
          ? undefined
          : new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGKILL');
            }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Each node needs a data port and a cluster bus port (set explicitly: port + 10000 may not be free).
    const ports: number[] = [];
    while (ports.length < 12) {
      const port = await freeLoopbackPort();
      if (!ports.includes(port)) ports.push(port);
    }
    const nodes = Array.from({ length: 6 }, (_, i) => ({ port: ports[i]!, bus: ports[6 + i]! }));
    for (const { port, bus } of nodes) {
      const nodeDir = join(dir, String(port));
      await mkdir(nodeDir);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(bus),
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '2000',
          '--dir',
          nodeDir,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    for (const { port } of nodes) await until(`node ${port} answers`, async () => (await redisCli(port, 'PING')).trim() === 'PONG', 10_000);
    await redisCli(nodes[0]!.port, '--cluster', 'create', ...nodes.map(({ port }) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes');
    const healthy = async () => {
      for (const { port } of nodes) {
        if (!(await redisCli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        const view = parseClusterNodes(await redisCli(port, 'CLUSTER', 'NODES'));
        if (view.filter((n) => n.master).length !== 3 || view.filter((n) => !n.master).length !== 3) return false;
      }
      // Every replica has caught up with its master, so a failover is possible.
      for (const { port } of nodes) {
        const info = await redisCli(port, 'INFO', 'replication');
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
      }
      return true;
    };
    await until('the cluster is up with three masters and three replicas', healthy);
    const keySlot = async (key: string) => Number((await redisCli(nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key)).trim());
    return {
      seeds: nodes.map(({ port }) => `127.0.0.1:${port}`).join(','),
      ports: nodes.map(({ port }) => port),
      keySlot,
      async failover(key) {
        const slot = await keySlot(key);
        const view = parseClusterNodes(await redisCli(nodes[0]!.port, 'CLUSTER', 'NODES'));
        const master = view.find((n) => n.master && servesSlot(n, slot));
        const replica = view.find((n) => !n.master && n.masterId === master?.id);
        if (!master || !replica) throw new Error(`Redis Cluster: no master with a replica serves slot ${slot}`);
        const answer = (await redisCli(replica.port, 'CLUSTER', 'FAILOVER')).trim();
        if (answer !== 'OK') throw new Error(`Redis Cluster: CLUSTER FAILOVER answered ${answer}`);
        await until(`${replica.port} serves slot ${slot} as master`, async () => {
          for (const { port } of nodes) {
            const now = parseClusterNodes(await redisCli(port, 'CLUSTER', 'NODES'));
            if (now.find((n) => n.master && servesSlot(n, slot))?.port !== replica.port) return false;
          }
          return healthy();
        });
        return replica.port;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
