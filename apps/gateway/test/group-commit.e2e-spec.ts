// Group commit from outside: webhooks verified at the same moment share one statement, and each
// still gets its 2xx only after the commit that holds it. Real PostgreSQL locks make statements
// slow or failing on purpose; a real gateway process is SIGKILLed under load.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sign } from '@octokit/webhooks-methods';
import { PUBLISHER } from '@switchyard/api-kit';
import { createTestDatabase } from '@switchyard/db/testing';
import type { Publisher } from '@switchyard/publisher';
import pg from 'pg';
import { createSource, deliver, type Answer, type CreatedSource } from './support/ingest.js';
import { eventually, startTestGateway, TEST_ADMIN_KEY, type TestGateway } from './support/test-app.js';

const GATEWAY_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const SECRET = 'group-commit-secret';

/** The body of a GitHub push for this delivery id (its digest is the push's dedup key). */
const pushBody = (deliveryId: string) => JSON.stringify({ ref: 'refs/heads/main', after: deliveryId, repository: { full_name: 'octo/commit' } });

/** A signed GitHub push with this delivery id. */
async function push(deliveryId: string): Promise<{ headers: Record<string, string>; body: string }> {
  const body = pushBody(deliveryId);
  return {
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': deliveryId, 'x-hub-signature-256': await sign(SECRET, body) },
    body,
  };
}

describe('group commit through the gateway', () => {
  let t: TestGateway;
  let source: CreatedSource;
  let admin: pg.Client;
  const q = async <R extends object>(text: string, values: unknown[] = []): Promise<R[]> => (await admin.query(text, values)).rows as R[];

  beforeAll(async () => {
    t = await startTestGateway('group-commit', { COMMIT_IN_FLIGHT: '2' });
    source = await createSource(t, 'github', { secret: SECRET });
    admin = new pg.Client({ connectionString: t.db.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  const send = async (deliveryId: string): Promise<Answer> => deliver(t, source.ingestUrl, await push(deliveryId));

  /** Another transaction claimed this delivery's dedup key and has not committed: a statement claiming it waits. */
  async function holdDeliveryId(deliveryId: string): Promise<{ rollback(): Promise<void> }> {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    await client.query('BEGIN');
    const messageId = `msg_hold${deliveryId.replace(/[^A-Za-z0-9]/g, '')}`;
    await client.query(`INSERT INTO messages (id, app_id, event_type, payload, fanned_out_at) VALUES ($1, $2, 'github.push', '{}', now())`, [messageId, source.appId]);
    await client.query(
      `INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, response_status, provider_event_id, event_id, message_id)
       VALUES ($1, $2, 'POST', '/in/x', '{}', '', 0, 'accepted', 200, $3, 'evt_held', $4)`,
      [`req_hold${deliveryId.replace(/[^A-Za-z0-9]/g, '')}`, source.id, deliveryId, messageId],
    );
    await client.query(`INSERT INTO inbound_dedup_keys (source_id, dedup_key, request_id, event_id, message_id) VALUES ($1, $2, $3, 'evt_held', $4)`, [
      source.id,
      `sha256:${createHash('sha256').update(pushBody(deliveryId)).digest('hex')}`,
      `req_hold${deliveryId.replace(/[^A-Za-z0-9]/g, '')}`,
      messageId,
    ]);
    return {
      async rollback() {
        await client.query('ROLLBACK');
        await client.end();
      },
    };
  }

  /** Waits until PostgreSQL shows this many sessions of the test database waiting on a lock. */
  async function untilBlocked(count: number): Promise<void> {
    await eventually(async () => {
      const [row] = await q<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (Number(row!.n) < count) throw new Error(`${row!.n} of ${count} statements blocked`);
    });
  }

  async function stored(deliveryIds: string[]): Promise<{ requests: number; messages: number }> {
    const [row] = await q<{ r: string; m: string }>(
      `SELECT count(*) AS r, count(m.id) AS m FROM inbound_requests r LEFT JOIN messages m ON m.id = r.message_id
        WHERE r.source_id = $1 AND r.provider_event_id = ANY($2)`,
      [source.id, deliveryIds],
    );
    return { requests: Number(row!.r), messages: Number(row!.m) };
  }

  it('a slow statement does not stall the webhooks that arrive after it', async () => {
    const hold = await holdDeliveryId('slow-delivery');
    const slow = send('slow-delivery');
    let slowAnswered = false;
    void slow.then(() => (slowAnswered = true));
    await untilBlocked(1);
    // the first statement waits on the held row; these go in the next statements and are answered
    const fast = await Promise.all(['fast-1', 'fast-2', 'fast-3'].map(send));
    expect(fast.map((a) => [a.status, a.json().status])).toEqual([
      [200, 'accepted'],
      [200, 'accepted'],
      [200, 'accepted'],
    ]);
    expect(slowAnswered).toBe(false);
    expect(await stored(['fast-1', 'fast-2', 'fast-3'])).toEqual({ requests: 3, messages: 3 });
    await hold.rollback();
    const answer = await slow;
    expect([answer.status, answer.json().status]).toEqual([200, 'accepted']);
  });

  it('a statement that fails answers 5xx to every webhook in it and stores none of them; the retries are accepted', async () => {
    await q(`CREATE OR REPLACE FUNCTION sy_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.provider_event_id LIKE 'poison%' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$`);
    await q(`CREATE TRIGGER sy_test_refuse BEFORE INSERT ON inbound_requests FOR EACH ROW EXECUTE FUNCTION sy_test_refuse()`);
    const publisher = t.app.get<Publisher>(PUBLISHER);
    try {
      // both statement slots wait on held rows, so the next webhooks queue up together
      const holds = [await holdDeliveryId('held-a'), await holdDeliveryId('held-b')];
      const held = [send('held-a'), send('held-b')];
      await untilBlocked(2);
      const batch = ['batch-1', 'batch-2', 'poison-1', 'batch-3', 'batch-4'];
      const answers = batch.map(send);
      await eventually(() => {
        if (publisher.pending.waiting < batch.length) throw new Error(`${publisher.pending.waiting} waiting`);
      });
      for (const hold of holds) await hold.rollback();
      expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200]);
      const failed = await Promise.all(answers);
      expect(failed.map((a) => a.status)).toEqual([500, 500, 500, 500, 500]);
      expect(failed[0]!.json()).toEqual({ code: 'internal_error', detail: 'internal error' });
      expect(await stored(batch)).toEqual({ requests: 0, messages: 0 });
      const metrics = await (await fetch(`${t.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/switchyard_commit_statement_seconds_count\{[^}]*kind="inbound",outcome="error"\} [1-9]/);

      // the provider retries: nothing half-stored is in the way, so each is accepted (not a duplicate)
      const retried = await Promise.all(['batch-1', 'batch-2', 'batch-3', 'batch-4'].map(send));
      expect(retried.map((a) => [a.status, a.json().status])).toEqual(Array.from({ length: 4 }, () => [200, 'accepted']));
      expect(await stored(batch)).toEqual({ requests: 4, messages: 4 });
    } finally {
      await q(`DROP TRIGGER IF EXISTS sy_test_refuse ON inbound_requests`);
    }
  });
});

/** A free loopback port for a child process. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('SIGKILL under load', () => {
  it('loses no webhook that was answered 2xx, and stores none by halves', async () => {
    if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run pnpm build first`);
    const db = await createTestDatabase('gateway-sigkill');
    const port = await freePort();
    const adminPort = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let log = '';
    const child = spawn(process.execPath, [GATEWAY_MAIN], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        QUEUE_PREFIX: `sy-test-sigkill-${process.pid}-${Date.now()}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_PORT: String(adminPort),
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        PUBLIC_URL: base,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const client = new pg.Client({ connectionString: db.url });
    try {
      await eventually(
        async () => {
          const res = await fetch(`${base}/api/v1/health`);
          if (res.status !== 204) throw new Error(`health ${res.status}: ${log.slice(-2000)}`);
        },
        { timeoutMs: 30_000 },
      );
      const created = await fetch(`${base}/ingest/api/v1/source`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'killed', type: 'github', config: { secret: SECRET } }),
      });
      expect(created.status).toBe(201);
      const { id: sourceId, ingestUrl } = (await created.json()) as { id: string; ingestUrl: string };

      // many senders at once, so statements are in flight and batches wait behind them when the kill lands
      const answered = new Map<string, string>();
      let sent = 0;
      let killed = false;
      const sender = async (n: number): Promise<void> => {
        for (let i = 0; !killed; i++) {
          const deliveryId = `kill-${n}-${i}`;
          sent++;
          try {
            const res = await fetch(ingestUrl, { method: 'POST', ...(await push(deliveryId)) });
            const body = (await res.json()) as { status?: string; eventId?: string };
            if (res.status === 200 && body.status === 'accepted' && body.eventId) answered.set(deliveryId, body.eventId);
          } catch {
            // the connection died with the process: unanswered, so the provider would retry
          }
        }
      };
      const senders = Array.from({ length: 48 }, (_, n) => sender(n));
      try {
        await eventually(
          () => {
            if (answered.size < 400) throw new Error(`${answered.size} of ${sent} answered: ${log.slice(-2000)}`);
          },
          { timeoutMs: 60_000 },
        );
      } catch (error) {
        killed = true;
        await Promise.all(senders);
        throw error;
      }
      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      child.kill('SIGKILL');
      killed = true;
      await Promise.all(senders);
      await exited;

      // webhooks did share statements (fewer statements than webhooks)
      const count = Number(/switchyard_commit_batch_size_count\{[^}]*kind="inbound"\} (\d+)/.exec(metrics)?.[1]);
      const sum = Number(/switchyard_commit_batch_size_sum\{[^}]*kind="inbound"\} (\d+)/.exec(metrics)?.[1]);
      expect(count).toBeGreaterThan(0);
      expect(sum).toBeGreaterThan(count);

      await client.connect();
      const rows = (
        await client.query<{ provider_event_id: string; event_id: string; message_id: string | null; message: string | null }>(
          `SELECT r.provider_event_id, r.event_id, r.message_id, m.id AS message
             FROM inbound_requests r LEFT JOIN messages m ON m.id = r.message_id
            WHERE r.source_id = $1 AND r.outcome = 'accepted'`,
          [sourceId],
        )
      ).rows;
      const byDelivery = new Map(rows.map((r) => [r.provider_event_id, r]));
      // every 2xx is stored, with the event id it was answered with
      const lost = [...answered].filter(([deliveryId, eventId]) => byDelivery.get(deliveryId)?.event_id !== eventId);
      expect(lost).toEqual([]);
      // every stored request has its message (nothing by halves), and no delivery id twice
      expect(rows.filter((r) => r.message === null)).toEqual([]);
      expect(byDelivery.size).toBe(rows.length);
      expect(rows.length).toBeGreaterThanOrEqual(answered.size);
      expect(rows.length).toBeLessThanOrEqual(sent);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await client.end().catch(() => undefined);
      await db.drop();
    }
  }, 120_000);
});
