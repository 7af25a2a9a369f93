import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import { createGatewayApp } from '../../src/bootstrap.js';
import { loadGatewaySettings, type GatewaySettings } from '../../src/config/gateway-settings.js';

export const TEST_ADMIN_KEY = 'sk_test_admin_key_0123456789abcdef';

export interface TestGateway {
  readonly app: NestFastifyApplication;
  readonly settings: GatewaySettings;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

/** A gateway on its own database and queue prefix. */
export async function startTestGateway(label: string, env: Record<string, string> = {}): Promise<TestGateway> {
  const db = await createTestDatabase(`gateway-${label}`);
  const settings = loadGatewaySettings({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: testQueuePrefix(`gateway-${label}`),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createGatewayApp(settings);
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
