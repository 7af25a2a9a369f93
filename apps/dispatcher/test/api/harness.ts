import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ApiException, Svix } from 'svix';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FAST_ENGINE_ENV } from '../engine/support.js';
import type { ReceivedRequest } from '../support/receiver.js';
import type { AppOptions } from '../../src/app.module.js';
import { startTestDispatcher, TEST_ADMIN_KEY, type TestDispatcher } from '../support/test-app.js';

export { eventually } from '../engine/support.js';

export interface ApiHarness extends TestDispatcher {
  /** The official SDK, pointed at this dispatcher: the outside judge of the wire format. */
  readonly svix: Svix;
  readonly baseUrl: string;
  readonly ds: DataSource;
  /** supertest against the listening server, for what the SDK cannot send. */
  http(): ReturnType<typeof request>;
  /** Row counts of the API's tables, to assert that bad input changed nothing. */
  counts(): Promise<Record<string, number>>;
}

export const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` } as const;

const TABLES = ['applications', 'event_types', 'endpoints', 'endpoint_secrets', 'messages', 'deliveries', 'attempts'] as const;

/** A dispatcher (API and engine, with the engine suite's short retries) on an ephemeral loopback port, with an SDK client and supertest. */
export async function startApiHarness(label: string, env: Record<string, string> = {}, options: AppOptions = {}): Promise<ApiHarness> {
  const t = await startTestDispatcher(label, { ...FAST_ENGINE_ENV, ...env }, options);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const ds = t.app.get(DataSource);
  return {
    ...t,
    baseUrl,
    ds,
    svix: new Svix(TEST_ADMIN_KEY, { serverUrl: baseUrl, retryScheduleInMs: [] }),
    http: () => request(baseUrl),
    async counts() {
      const rows = await ds.query(TABLES.map((table) => `SELECT '${table}' AS t, count(*)::int AS n FROM ${table}`).join(' UNION ALL '));
      return Object.fromEntries((rows as { t: string; n: number }[]).map((r) => [r.t, r.n]));
    },
  };
}

/** The HTTP status an SDK call failed with (the SDK's ApiException), or 0 if it succeeded. */
export async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/** Verifies a received delivery as a receiver would, with the `standardwebhooks` library; returns the parsed body. */
export function verifyDelivery(secret: string, request: ReceivedRequest): unknown {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
  return new StandardWebhook(secret).verify(request.body.toString('utf8'), headers);
}
