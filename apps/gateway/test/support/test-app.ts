import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AdminListener } from '@switchyard/api-kit';
import { InboundRequestEntity, MessageEntity } from '@switchyard/db';
import { createTestDatabase, testQueuePrefix, type TestDatabase } from '@switchyard/db/testing';
import { QueueName } from '@switchyard/events';
import type { Queue } from 'bull';
import { Svix } from 'svix';
import { DataSource } from 'typeorm';
import type { AppOptions } from '../../src/app.module.js';
import { createGatewayApp } from '../../src/bootstrap.js';
import { loadGatewaySettings, type GatewaySettings } from '../../src/config/gateway-settings.js';

export const TEST_ADMIN_KEY = 'sk_test_admin_key_0123456789abcdef';
/** The public base every ingestUrl starts with; tests post to the local listener instead. */
export const TEST_PUBLIC_URL = 'https://hooks.example.test';

export interface TestGateway {
  readonly app: NestFastifyApplication;
  readonly settings: GatewaySettings;
  readonly db: TestDatabase;
  /** `http://127.0.0.1:<port>` of the listening app. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:<port>` of its admin listener (metrics, queue dashboard, detailed readiness). */
  readonly adminUrl: string;
  /** The official SDK pointed at the app. */
  readonly svix: Svix;
  readonly dataSource: DataSource;
  /** The fan-out queue the dispatcher consumes (same prefix). */
  readonly fanOut: Queue;
  /** The local URL to post to for a public ingestUrl. */
  localUrl(ingestUrl: string): string;
  messages(sourceAppId?: string): Promise<MessageEntity[]>;
  requests(sourceId: string): Promise<InboundRequestEntity[]>;
  close(): Promise<void>;
}

/** A gateway on its own database and queue prefix, listening on 127.0.0.1 (its admin listener too, on another port). */
export async function startTestGateway(
  label: string,
  env: Record<string, string> = {},
  options: AppOptions & {
    /** How the app reaches its database (e.g. through a proxy the test can cut); the test itself uses db.url. */
    databaseUrl?: (url: string) => string;
  } = {},
): Promise<TestGateway> {
  const db = await createTestDatabase(`gateway-${label}`);
  const settings = loadGatewaySettings({
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db.url) : db.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    // Set (by the Redis Cluster suites, or by hand): the suite runs on that cluster instead, and
    // REDIS_URL gives no more than credentials (a database index would be refused).
    ...(process.env.TEST_REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.TEST_REDIS_CLUSTER_NODES, REDIS_URL: 'redis://127.0.0.1' } : {}),
    QUEUE_PREFIX: testQueuePrefix(`gateway-${label}`),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: TEST_PUBLIC_URL,
    ADMIN_PORT: '0',
    ...env,
  });
  const app = await createGatewayApp(settings, { logDestination: options.logDestination, spanExporter: options.spanExporter });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminUrl = await app.get(AdminListener).listen();
  const dataSource = app.get(DataSource);
  const fanOut = app.get<Queue>(getQueueToken(QueueName.FanOut));
  return {
    app,
    settings,
    db,
    baseUrl,
    adminUrl,
    svix: new Svix(TEST_ADMIN_KEY, { serverUrl: baseUrl }),
    dataSource,
    fanOut,
    localUrl: (ingestUrl) => ingestUrl.replace(settings.publicUrl, baseUrl),
    messages: (appId) => dataSource.getRepository(MessageEntity).find({ where: appId ? { appId } : {}, order: { id: 'ASC' } }),
    requests: (sourceId) => dataSource.getRepository(InboundRequestEntity).find({ where: { sourceId }, order: { id: 'ASC' } }),
    async close() {
      await fanOut.obliterate({ force: true }).catch(() => undefined);
      await app.close();
      await db.drop();
    },
  };
}
export { eventually } from '@switchyard/testkit';
