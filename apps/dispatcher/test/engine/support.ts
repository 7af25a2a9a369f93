import { ApplicationKind, AttemptEntity, DeliveryEntity, EndpointEntity, endpointSecretContext, SecretBox } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import { generateWebhookSecret } from '@switchyard/signing';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import type Bull from 'bull';
import { DataSource } from 'typeorm';
import { ENDPOINT_SCHEDULER, PUBLISHER, WORK_QUEUE } from '@switchyard/api-kit';
import type { Publisher } from '@switchyard/publisher';
import type { EndpointScheduler, WorkQueue } from '@switchyard/scheduler';
import { DeliveryCommands } from '../../src/engine/commands/delivery-commands.js';
import { OperationalWebhooks } from '../../src/engine/operational-webhooks/operational-webhooks.js';
import { QueueClient } from './process.js';
import { Reconciler } from '../../src/engine/reconciler/reconciler.js';
import type { ReceivedRequest } from '../support/receiver.js';
import { startTestDispatcher, type TestDispatcher } from '../support/test-app.js';

export { eventually } from '@switchyard/testkit';

/** A dispatcher under test with handles on its engine. */
export interface Engine {
  readonly t: TestDispatcher;
  readonly ds: DataSource;
  readonly commands: DeliveryCommands;
  readonly operational: OperationalWebhooks;
  readonly reconciler: Reconciler;
  readonly work: WorkQueue;
  readonly scheduler: EndpointScheduler;
  readonly box: SecretBox;
  /** Jobs that threw, as `queue: message`, and enqueues that failed (a healthy run has none). */
  readonly jobFailures: string[];
  close(): Promise<void>;
}

/** Engine settings for tests: short retries, short timeouts, loopback allowed, a quick reconciler. */
export const FAST_ENGINE_ENV: Record<string, string> = {
  RETRY_SCHEDULE: '300ms,300ms,300ms',
  DELIVERY_TIMEOUT_MS: '1000',
  DELIVERY_LEASE_MS: '3000',
  RECONCILE_INTERVAL_MS: '250',
  RECONCILE_GRACE_MS: '1000',
  RECONCILE_REQUEUE_AFTER_MS: '2000',
  DELIVERY_CONCURRENCY: '20',
  ALLOW_PRIVATE_NETWORKS: 'true',
};

/** Starts a dispatcher (API and engine) on its own database and queue prefix. */
export async function startEngine(label: string, env: Record<string, string> = {}): Promise<Engine> {
  const t = await startTestDispatcher(label, { ...FAST_ENGINE_ENV, ...env });
  const failures: string[] = [];
  const work = t.app.get<WorkQueue>(WORK_QUEUE);
  for (const queue of [work.fanOutQueue, work.turns] as Bull.Queue[]) {
    queue.on('failed', (_job, error: Error) => failures.push(`${queue.name}: ${error.message}`));
  }
  return {
    get jobFailures() {
      return work.failures > 0 ? [...failures, `${work.failures} enqueue(s) after a commit failed`] : failures;
    },
    t,
    ds: t.app.get(DataSource),
    commands: t.app.get(DeliveryCommands),
    operational: t.app.get(OperationalWebhooks),
    reconciler: t.app.get(Reconciler),
    work,
    scheduler: t.app.get<EndpointScheduler>(ENDPOINT_SCHEDULER),
    box: new SecretBox(t.settings.secretEncryptionKeys),
    async close() {
      await t.close();
      // Leave nothing of this run in Redis: its keys only, by prefix (never a flush).
      const keys = new QueueClient(t.settings, t.settings.queuePrefix);
      await keys.wipe();
      await keys.close();
    },
  };
}

export async function createApp(ds: DataSource, fields: { rateLimit?: number | null; uid?: string | null; kind?: ApplicationKind } = {}): Promise<string> {
  const id = newId(IdPrefix.application);
  await ds.query(`INSERT INTO applications (id, uid, name, kind, rate_limit) VALUES ($1, $2, 'test app', $3, $4)`, [
    id,
    fields.uid ?? null,
    fields.kind ?? ApplicationKind.App,
    fields.rateLimit ?? null,
  ]);
  return id;
}

export interface TestEndpoint {
  readonly id: string;
  readonly secret: string;
}

export async function createEndpoint(
  engine: Engine,
  appId: string,
  fields: {
    url: string;
    uid?: string | null;
    filterTypes?: string[] | null;
    channels?: string[] | null;
    headers?: Record<string, string>;
    rateLimit?: number | null;
    disabled?: boolean;
    secret?: string;
    /** Extra secrets: rotated ones still in their grace period (expiresAt in the future) or expired. */
    oldSecrets?: { secret: string; expiresAt: Date }[];
  },
): Promise<TestEndpoint> {
  const id = newId(IdPrefix.endpoint);
  const secret = fields.secret ?? generateWebhookSecret();
  await engine.ds.getRepository(EndpointEntity).insert({
    id,
    appId,
    uid: fields.uid ?? null,
    url: fields.url,
    filterTypes: fields.filterTypes ?? null,
    channels: fields.channels ?? null,
    headers: fields.headers ?? {},
    rateLimit: fields.rateLimit ?? null,
    disabled: fields.disabled ?? false,
    metadata: {},
  });
  for (const old of fields.oldSecrets ?? []) {
    await engine.ds.query(`INSERT INTO endpoint_secrets (endpoint_id, secret, expires_at, created_at) VALUES ($1, $2, $3, now() - interval '1 hour')`, [
      id,
      engine.box.seal(old.secret, endpointSecretContext(id)),
      old.expiresAt,
    ]);
  }
  await engine.ds.query(`INSERT INTO endpoint_secrets (endpoint_id, secret, expires_at) VALUES ($1, $2, NULL)`, [id, engine.box.seal(secret, endpointSecretContext(id))]);
  return { id, secret };
}

export interface MessageFields {
  eventType?: string;
  payload?: string;
  channels?: string[] | null;
  deliverAt?: Date | null;
  eventId?: string | null;
}

/** Inserts message rows (committed), as the API does before calling `published`. */
export async function insertMessages(ds: DataSource, appId: string, messages: MessageFields[]): Promise<string[]> {
  const ids = messages.map(() => newId(IdPrefix.message));
  await ds.query(
    `INSERT INTO messages (id, app_id, event_type, event_id, payload, channels, deliver_at)
     SELECT t.id, $1, t.event_type, t.event_id, t.payload, CASE WHEN t.channels IS NULL THEN NULL ELSE string_to_array(t.channels, ',') END, t.deliver_at
     FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::timestamptz[]) AS t(id, event_type, event_id, payload, channels, deliver_at)`,
    [
      appId,
      ids,
      messages.map((m) => m.eventType ?? 'user.created'),
      messages.map((m) => m.eventId ?? null),
      messages.map((m, i) => m.payload ?? JSON.stringify({ n: i, hello: 'world' })),
      messages.map((m) => (m.channels ? m.channels.join(',') : null)),
      messages.map((m) => m.deliverAt ?? null),
    ],
  );
  return ids;
}

/** Publishes messages as the API does (the one Publisher: deliveries in the same statement for few endpoints). */
export async function publishMessages(engine: Engine, appId: string, count: number, fields: MessageFields = {}): Promise<string[]> {
  const publisher = engine.t.app.get<Publisher>(PUBLISHER);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newId(IdPrefix.message);
    const payload = fields.payload ?? JSON.stringify({ n: i, hello: 'world' });
    const result = await publisher.publishMessage(
      { by: 'id', value: appId },
      { id, eventType: fields.eventType ?? 'user.created', eventId: null, payload, channels: fields.channels ?? null, tags: null, deliverAt: fields.deliverAt ?? null, createdAt: new Date() },
    );
    if (!result.inserted) throw new Error(`no application ${appId}`);
    ids.push(id);
  }
  return ids;
}

/** Inserts messages (not fanned out) and wakes the application's fan-out turn, as the publisher does for a message with many endpoints. */
export async function publish(engine: Engine, appId: string, messages: MessageFields[]): Promise<string[]> {
  const ids = await insertMessages(engine.ds, appId, messages);
  await engine.work.wakeApps([appId]);
  return ids;
}

/** Verifies a received request with both outside libraries (standardwebhooks and svix), over the exact bytes. */
export function verifyWith(secret: string, request: ReceivedRequest): unknown {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
  const body = request.body.toString('utf8');
  const a = new StandardWebhook(secret).verify(body, headers);
  const b = new SvixWebhook(secret).verify(body, headers);
  return { standard: a, svix: b };
}

/** The response body an attempt recorded, as text ('' when none arrived). */
export function responseText(attempt: AttemptEntity): string {
  return attempt.responseBody ? attempt.responseBody.toString('utf8') : attempt.response;
}

export async function attemptsOf(ds: DataSource, deliveryOrMessage: { deliveryId?: string; messageId?: string; endpointId?: string }): Promise<AttemptEntity[]> {
  return ds.getRepository(AttemptEntity).find({ where: deliveryOrMessage, order: { attemptNumber: 'ASC' } });
}

export async function deliveryOf(ds: DataSource, messageId: string, endpointId: string): Promise<DeliveryEntity | null> {
  return ds.getRepository(DeliveryEntity).findOneBy({ messageId, endpointId });
}

export async function endpointOf(ds: DataSource, id: string): Promise<EndpointEntity> {
  return ds.getRepository(EndpointEntity).findOneByOrFail({ id });
}

/** A fresh endpoint in the operational application, pointing at `url`. */
export async function createOperationalEndpoint(engine: Engine, url: string): Promise<TestEndpoint> {
  const appId = await engine.operational.appId();
  return createEndpoint(engine, appId, { url });
}
