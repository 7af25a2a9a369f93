import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AdminListener } from '@switchyard/api-kit';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import type { AppOptions } from '../../src/app.module.js';
import { createDispatcherApp } from '../../src/bootstrap.js';
import { loadDispatcherSettings, type DispatcherSettings } from '../../src/config/dispatcher-settings.js';

export const TEST_ADMIN_KEY = 'sk_test_admin_key_0123456789abcdef';

export interface TestDispatcher {
  readonly app: NestFastifyApplication;
  readonly settings: DispatcherSettings;
  readonly db: TestDatabase;
  /** `http://127.0.0.1:<port>` of its admin listener (metrics, queue dashboard, detailed readiness). */
  readonly adminUrl: string;
  close(): Promise<void>;
}

/** A dispatcher on its own database and queue prefix, with short retries and loopback allowed, its admin listener on an ephemeral port. */
export async function startTestDispatcher(
  label: string,
  env: Record<string, string> = {},
  options: AppOptions & {
    /** How the app reaches its database (e.g. through a proxy the test can cut); the test itself uses db.url. */
    databaseUrl?: (url: string) => string;
  } = {},
): Promise<TestDispatcher> {
  const db = await createTestDatabase(`dispatcher-${label}`);
  const settings = loadDispatcherSettings({
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db.url) : db.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    // Set (by the Redis Cluster suites, or by hand): the suite runs on that cluster instead, and
    // REDIS_URL gives no more than credentials (a database index would be refused).
    ...(process.env.TEST_REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.TEST_REDIS_CLUSTER_NODES, REDIS_URL: 'redis://127.0.0.1' } : {}),
    QUEUE_PREFIX: testQueuePrefix(`dispatcher-${label}`),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: 'silent',
    RETRY_SCHEDULE: '1s,1s,1s',
    ALLOW_PRIVATE_NETWORKS: 'true',
    // Endpoint names a test does not answer itself fail here, on loopback: no test asks a real name server.
    DNS_SERVERS: '127.0.0.1:1',
    DNS_SYSTEM_FALLBACK: 'false',
    ADMIN_PORT: '0',
    ...env,
  });
  const app = await createDispatcherApp(settings, { logDestination: options.logDestination, spanExporter: options.spanExporter });
  const adminUrl = await app.get(AdminListener).listen();
  return {
    app,
    settings,
    db,
    adminUrl,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
