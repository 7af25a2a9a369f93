import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Bull from 'bull';
import { Cluster } from 'ioredis';
import { RedisConnector, type RedisConnectionSettings } from '@switchyard/api-kit';
import { bullKeyPrefix, QueueName } from '@switchyard/events';
import { EndpointScheduler, WorkQueue } from '@switchyard/scheduler';

/** apps/dispatcher, wherever the repository is. */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(APP_DIR, 'dist', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/main.js is built from the current sources (turbo builds it before `pnpm test`;
 * running jest directly after an edit would otherwise test stale code).
 */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(MAIN).mtimeMs;
  } catch {
    // not built yet
  }
  if (built >= newestMtime(join(APP_DIR, 'src'))) return;
  execFileSync(join(APP_DIR, '..', '..', 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: APP_DIR, stdio: 'inherit' });
}

/** A dispatcher running as its own process: `node apps/dispatcher/dist/main.js`. */
export class DispatcherProcess {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly env: Record<string, string>,
    /** Extra node flags (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
    private readonly nodeArgs: string[] = [],
  ) {}

  start(): void {
    // A clean environment: nothing of Jest's (NODE_OPTIONS) leaks into the child.
    this.child = spawn(process.execPath, [...this.nodeArgs, MAIN], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the last run ended: its exit code, or the signal that killed it; undefined while it runs. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    const child = this.child;
    if (!child || (child.exitCode === null && child.signalCode === null)) return undefined;
    return { code: child.exitCode, signal: child.signalCode };
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Bull clients on the run's prefix, to hand work over exactly as a publisher does, and to reach Redis. */
export class QueueClient {
  readonly fanOut: Bull.Queue;
  private readonly turns: Bull.Queue;
  private readonly work: WorkQueue;
  private readonly connector: RedisConnector;

  /** `redis`: a REDIS_URL, or the apps' connection settings (a Redis Cluster when they name one). */
  constructor(
    redis: string | RedisConnectionSettings,
    readonly prefix: string,
  ) {
    this.connector = new RedisConnector(typeof redis === 'string' ? { redisUrl: redis, redisClusterNodes: [] } : redis);
    this.fanOut = new Bull(QueueName.FanOut, this.connector.bullOptions(prefix));
    this.turns = new Bull(QueueName.Turns, this.connector.bullOptions(prefix));
    const scheduler = new EndpointScheduler(this.fanOut.client, prefix);
    this.work = new WorkQueue({ turns: this.turns, fanOut: this.fanOut, scheduler, enqueueTimeoutMs: 5_000 });
  }

  /** The application has messages to fan out: its fan-out turn, as the publisher adds it. */
  async publish(appId: string): Promise<void> {
    await this.work.wakeApps([appId]);
  }

  /** The servers to SCAN: the one Redis, or every master of a cluster. */
  private servers() {
    const client = this.fanOut.client as Bull.Queue['client'] | Cluster;
    return client instanceof Cluster ? client.nodes('master') : [client];
  }

  /** Keys matching `pattern` (a SCAN pattern; include the run's prefix), by SCAN, never KEYS. */
  async keys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    for (const redis of this.servers()) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        found.push(...keys);
      } while (cursor !== '0');
    }
    return found;
  }

  /** Deletes every key of this run's prefix, the engine's and Bull's (SCAN + DEL, never FLUSH); returns how many. */
  async wipe(): Promise<number> {
    let deleted = 0;
    for (const pattern of [`${this.prefix}:*`, `${bullKeyPrefix(this.prefix)}:*`]) {
      // A DEL per key (sent together): on a cluster the keys found lie in many slots.
      const keys = await this.keys(pattern);
      for (let i = 0; i < keys.length; i += 1000) {
        const counts = await Promise.all(keys.slice(i, i + 1000).map((key) => this.fanOut.client.del(key)));
        deleted += counts.reduce((a, b) => a + b, 0);
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    await Promise.all([this.fanOut.close(), this.turns.close()]);
    await this.connector.close();
  }
}
