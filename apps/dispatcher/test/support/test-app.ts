import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import type { AppOptions } from '../../src/app.module.js';
import { createDispatcherApp } from '../../src/bootstrap.js';
import { loadDispatcherSettings, type DispatcherSettings } from '../../src/config/dispatcher-settings.js';

export const TEST_ADMIN_KEY = 'sk_test_admin_key_0123456789abcdef';

export interface TestDispatcher {
  readonly app: NestFastifyApplication;
  readonly settings: DispatcherSettings;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

/** A dispatcher on its own database and queue prefix, with short retries and loopback allowed. */
export async function startTestDispatcher(label: string, env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestDispatcher> {
  const db = await createTestDatabase(`dispatcher-${label}`);
  const settings = loadDispatcherSettings({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: testQueuePrefix(`dispatcher-${label}`),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: 'silent',
    RETRY_SCHEDULE: '1s,1s,1s',
    ALLOW_PRIVATE_NETWORKS: 'true',
    // Endpoint names a test does not answer itself fail here, on loopback: no test asks a real name server.
    DNS_SERVERS: '127.0.0.1:1',
    DNS_SYSTEM_FALLBACK: 'false',
    ...env,
  });
  const app = await createDispatcherApp(settings, options);
  return {
    app,
    settings,
    db,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
