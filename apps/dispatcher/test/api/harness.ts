import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ApiException, Svix } from 'svix';
import { ApiException as ApiException2, Svix as Svix2 } from 'svix2';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FAST_ENGINE_ENV } from '../engine/support.js';
import type { ReceivedRequest } from '../support/receiver.js';
import { startTestDispatcher, TEST_ADMIN_KEY, type TestDispatcher } from '../support/test-app.js';

export { eventually } from '../engine/support.js';

/** An official SDK release the API suites run against (docs/api.md §7: the pinned 1.x and the current 2.x). */
export interface SdkUnderTest {
  readonly name: string;
  readonly major: 1 | 2;
}

export const SDK_1: SdkUnderTest = { name: 'svix@1.99.1', major: 1 };
export const SDK_2: SdkUnderTest = { name: 'svix@2.5.0', major: 2 };
/** For `describe.each(SDKS)('… ($name)', (sdk) => …)`. */
export const SDKS: readonly SdkUnderTest[] = [SDK_1, SDK_2];

export interface ApiHarness extends TestDispatcher {
  readonly sdk: SdkUnderTest;
  /**
   * The official SDK, pointed at this dispatcher: the outside judge of the wire format. Typed as
   * 1.x; under SDK_2 it is the 2.x client, whose calls the suites share where the two agree (tests
   * reach the 2.x-only surface, and the renamed calls, through `svix2`).
   */
  readonly svix: Svix;
  /** The 2.x client (under SDK_1 too, for tests that compare the two). */
  readonly svix2: Svix2;
  readonly baseUrl: string;
  readonly ds: DataSource;
  /** supertest against the listening server, for what the SDK cannot send. */
  http(): ReturnType<typeof request>;
  /** Row counts of the API's tables, to assert that bad input changed nothing. */
  counts(): Promise<Record<string, number>>;
}

export const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` } as const;

/**
 * What an API request writes. Deliveries and attempts are left out: the engine writes them on its
 * own time for earlier tests' messages (fan-out turns, retries), so a count of them taken around
 * a refused request races the engine, not the request.
 */
const TABLES = ['applications', 'event_types', 'endpoints', 'endpoint_secrets', 'messages'] as const;

/** A dispatcher (API and engine, with the engine suite's short retries) on an ephemeral loopback port, with an SDK client and supertest. */
export async function startApiHarness(label: string, env: Record<string, string> = {}, sdk: SdkUnderTest = SDK_1, options: Parameters<typeof startTestDispatcher>[2] = {}): Promise<ApiHarness> {
  const t = await startTestDispatcher(sdk.major === 1 ? label : `${label}-v${sdk.major}`, { ...FAST_ENGINE_ENV, ...env }, options);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const ds = t.app.get(DataSource);
  return {
    ...t,
    baseUrl,
    ds,
    sdk,
    svix: sdk.major === 1 ? new Svix(TEST_ADMIN_KEY, { serverUrl: baseUrl, retryScheduleInMs: [] }) : (new Svix2(TEST_ADMIN_KEY, { serverUrl: baseUrl, retryScheduleInMs: [] }) as unknown as Svix),
    svix2: new Svix2(TEST_ADMIN_KEY, { serverUrl: baseUrl, retryScheduleInMs: [] }),
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
    if (error instanceof ApiException || error instanceof ApiException2) return error.code;
    throw error;
  }
}

/** Verifies a received delivery as a receiver would, with the `standardwebhooks` library; returns the parsed body. */
export function verifyDelivery(secret: string, request: ReceivedRequest): unknown {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
  return new StandardWebhook(secret).verify(request.body.toString('utf8'), headers);
}

/*
 * The real differences between the SDK releases, named once so the suites read the same for both:
 * 2.x renamed `update` (PUT) to `upsert` and `updateHeaders` to `setHeaders`, sends and reads an
 * endpoint's type filter as `eventTypes` (1.x: `filterTypes`), and its models no longer carry
 * the deprecated `rateLimit` and `version`.
 */

type Svix1Endpoint = Svix['endpoint'];
type Svix1Application = Svix['application'];
type Svix1EventType = Svix['eventType'];

/** The PUT and header-replace calls, under their name in the SDK under test. */
export function renamedCalls(h: ApiHarness) {
  const v1 = h.sdk.major === 1;
  return {
    applicationUpdate: (appId: string, body: Parameters<Svix1Application['update']>[1]) =>
      v1 ? h.svix.application.update(appId, body) : (h.svix2.application.upsert(appId, body as never) as unknown as ReturnType<Svix1Application['update']>),
    endpointUpdate: (appId: string, endpointId: string, body: Parameters<Svix1Endpoint['update']>[2]) =>
      v1 ? h.svix.endpoint.update(appId, endpointId, body) : (h.svix2.endpoint.upsert(appId, endpointId, body as never) as unknown as ReturnType<Svix1Endpoint['update']>),
    endpointUpdateHeaders: (appId: string, endpointId: string, body: Parameters<Svix1Endpoint['updateHeaders']>[2]) =>
      v1 ? h.svix.endpoint.updateHeaders(appId, endpointId, body) : h.svix2.endpoint.setHeaders(appId, endpointId, body),
    eventTypeUpdate: (name: string, body: Parameters<Svix1EventType['update']>[1]) =>
      v1 ? h.svix.eventType.update(name, body) : (h.svix2.eventType.upsert(name, body as never) as unknown as ReturnType<Svix1EventType['update']>),
  };
}

/** An endpoint's type filter as the SDK under test sends it (spread it into a create, update or patch). */
export function typeFilter(h: ApiHarness, types: string[] | null): { filterTypes: string[] | null } {
  return (h.sdk.major === 1 ? { filterTypes: types } : { eventTypes: types }) as { filterTypes: string[] | null };
}

/** The type filter of an endpoint the SDK under test returned. */
export function typeFilterOf(h: ApiHarness, endpoint: object): string[] | null | undefined {
  return (endpoint as { filterTypes?: string[] | null; eventTypes?: string[] | null })[h.sdk.major === 1 ? 'filterTypes' : 'eventTypes'];
}

/** Fields only the 1.x models read (the deprecated `rateLimit`, `version`): expected under 1.x, absent from 2.x objects. */
export function only1x<T extends object>(h: ApiHarness, fields: T): Partial<T> {
  return h.sdk.major === 1 ? fields : {};
}

/** The operational webhook endpoint API: 1.x's `operationalWebhookEndpoint`, 2.x's `operationalWebhook.endpoint` (with `upsert`, `setHeaders`), under 1.x's names. */
export function operationalEndpoints(h: ApiHarness): Svix['operationalWebhookEndpoint'] {
  if (h.sdk.major === 1) return h.svix.operationalWebhookEndpoint;
  const v2 = h.svix2.operationalWebhook.endpoint;
  return {
    list: (options?: never) => v2.list(options),
    create: (body: never, options?: never) => v2.create(body, options),
    get: (id: string) => v2.get(id),
    update: (id: string, body: never) => v2.upsert(id, body),
    delete: (id: string) => v2.delete(id),
    getSecret: (id: string) => v2.getSecret(id),
    rotateSecret: (id: string, body: never, options?: never) => v2.rotateSecret(id, body, options),
    getHeaders: (id: string) => v2.getHeaders(id),
    updateHeaders: (id: string, body: never) => v2.setHeaders(id, body),
  } as unknown as Svix['operationalWebhookEndpoint'];
}
