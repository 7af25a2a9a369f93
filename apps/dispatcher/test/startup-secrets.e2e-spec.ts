// `node apps/dispatcher/dist/main.js` and secrets at rest: production refuses to start without a
// key; otherwise the process says once how secrets stand (no key: stored in clear; keys: which
// key seals, and what it will refuse), naming key ids and never a key or a secret.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDataSource, encryptionKeyId } from '@switchyard/db';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import { QueueClient, DispatcherProcess, ensureBuilt } from './engine/process.js';
import { eventually } from './engine/support.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let db: TestDatabase;
const prefix = testQueuePrefix('startup-secrets');

beforeAll(async () => {
  ensureBuilt();
  db = await createTestDatabase('dispatcher-startup-secrets');
});
afterAll(async () => {
  const queue = new QueueClient(REDIS_URL, prefix);
  await queue.wipe();
  await queue.close();
  await db?.drop();
});

const baseEnv = () => ({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: 'sk_test_startup_key_0123456789ab', LOG_LEVEL: 'info' });

/**
 * Starts the process, waits for it to listen (or exit), stops it; returns everything it printed
 * (log lines are buffered until exit) and its exit code when it exited on its own.
 */
async function run(env: Record<string, string>): Promise<{ output: string; code: number | null | undefined }> {
  const p = new DispatcherProcess({ ...baseEnv(), ...env });
  p.start();
  let code: number | null | undefined;
  try {
    await eventually(() => expect(p.exit !== undefined || /listening on/.test(p.output)).toBe(true), { timeoutMs: 30_000, intervalMs: 100 });
    code = p.exit?.code;
  } finally {
    await p.stop();
  }
  return { output: p.output, code };
}

describe('secrets at rest at start-up', () => {
  it('refuses to start with NODE_ENV=production and no key, listing the problem', async () => {
    const { output, code } = await run({ NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toMatch(/invalid environment:\n {2}- SECRET_ENCRYPTION_KEYS \(or SECRET_ENCRYPTION_KEY\) must be set when NODE_ENV=production/);
  });

  it('refuses both settings at once', async () => {
    const key = randomBytes(32).toString('base64');
    const { output, code } = await run({ NODE_ENV: 'production', SECRET_ENCRYPTION_KEYS: key, SECRET_ENCRYPTION_KEY: key });
    expect(code).toBe(1);
    expect(output).toContain('set SECRET_ENCRYPTION_KEYS or SECRET_ENCRYPTION_KEY, not both');
    expect(output).not.toContain(key);
  });

  it('without a key outside production: starts, and warns once that secrets are stored in clear', async () => {
    const { output, code } = await run({ NODE_ENV: 'development' });
    expect(code).toBeUndefined();
    const warnings = output.split('\n').filter((l) => l.includes('SECRET_ENCRYPTION_KEYS is not set'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, context: 'SecretsAtRest' });
  });

  it('with keys: names the sealing key by id, and reports secrets stored in clear as refused until resealed', async () => {
    const planted = `whsec_${randomBytes(24).toString('base64')}`;
    const ds = createDataSource({ url: db.url, poolSize: 1 });
    await ds.initialize();
    try {
      await ds.query(`INSERT INTO applications (id, name) VALUES ('app_01KSTARTUPSECRETS000000000', 'startup')`);
      await ds.query(`INSERT INTO endpoints (id, app_id, url) VALUES ('ep_01KSTARTUPSECRETS0000000000', 'app_01KSTARTUPSECRETS000000000', 'https://example.test/')`);
      await ds.query(`INSERT INTO endpoint_secrets (endpoint_id, secret) VALUES ('ep_01KSTARTUPSECRETS0000000000', $1)`, [planted]);
    } finally {
      await ds.destroy();
    }
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const keys = `${a.toString('base64')},${b.toString('hex')}`;
    const { output, code } = await run({ NODE_ENV: 'production', SECRET_ENCRYPTION_KEYS: keys });
    expect(code).toBeUndefined();
    expect(output).toContain(`secrets at rest are sealed with key ${encryptionKeyId(a)}; 2 key(s) open them (${encryptionKeyId(a)}, ${encryptionKeyId(b)})`);
    expect(output).toMatch(/secrets stored in clear are refused while SECRET_ENCRYPTION_KEYS is set \(endpoint secrets: 1\): seal them now with pnpm db:reseal/);
    for (const secret of [planted, a.toString('base64'), b.toString('hex'), a.toString('hex')]) expect(output).not.toContain(secret);
  });
});
