import { pgErrorOf, type SqlRunner } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import type { WorkQueue } from '@switchyard/scheduler';
import { FAN_OUT_CREATE, FAN_OUT_PENDING, FIRST_ACCEPTED, PUBLISH_BY_ID, PUBLISH_BY_UID, PUBLISH_INBOUND } from './publish.statements.js';

/** A message to publish, as the dispatcher's API validated it. */
export interface MessageToPublish {
  readonly id: string;
  readonly eventType: string;
  readonly eventId: string | null;
  /** The exact JSON text that is stored, signed and sent. */
  readonly payload: string;
  readonly channels: string[] | null;
  readonly tags: string[] | null;
  readonly deliverAt: Date | null;
  /** Its id's time, so `timestamp` and id order always agree. */
  readonly createdAt: Date;
}

/** The customer application a message is published into, by id or uid. */
export interface AppRef {
  readonly by: 'id' | 'uid';
  readonly value: string;
}

/** What publishing did: nothing (no such application), or stored the message with its deliveries (or for the fan-out queue). */
export type PublishResult = { readonly inserted: false } | { readonly inserted: true; readonly deliveries: number | 'fan-out' };

/** An accepted inbound webhook: the normalized event as a message of the source's application, and its request-log row. */
export interface InboundToPublish {
  readonly message: { readonly id: string; readonly appId: string; readonly eventType: string; readonly payload: string };
  readonly request: {
    readonly id: string;
    readonly sourceId: string;
    readonly method: string;
    readonly url: string;
    /** Already redacted. */
    readonly headers: Record<string, string>;
    readonly body: Buffer;
    /** The provider's event id as the dedup key (already shortened if long). */
    readonly providerEventId: string;
    readonly eventId: string;
  };
}

export type InboundResult =
  /** Committed; `enqueue` hands its work to the dispatcher (call it after answering the provider). */
  | { readonly kind: 'accepted'; readonly enqueue: () => Promise<void> }
  /** The source accepted this provider event id before: nothing was stored. */
  | { readonly kind: 'duplicate'; readonly firstEventId: string | null; readonly firstMessageId: string | null };

/** What one fan-out turn of an application did. */
export interface FanOutResult {
  /** Messages fanned out. */
  readonly messages: number;
  readonly deliveries: number;
  /** It took a full batch: the application may have more. */
  readonly more: boolean;
}

export interface PublisherOptions {
  readonly sql: SqlRunner;
  readonly work: WorkQueue;
  /** A message that routes to at most this many endpoints gets its deliveries in the statement that stores it (FAN_OUT_INLINE_MAX). */
  readonly inlineMax: number;
}

const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';
/** The deliveries → endpoints foreign key (PostgreSQL's default name; see the Initial migration). */
const DELIVERY_ENDPOINT_FK = 'deliveries_endpoint_id_fkey';
const INBOUND_DEDUP_KEY = 'inbound_requests_dedup_key';

interface DeliveryRow {
  inline?: boolean;
  app_id?: string;
  id: string | null;
  endpoint_id: string | null;
  delay_ms: string | number;
}

/** Deliveries created, as wake-ups for their endpoints. */
function wakeUps(rows: readonly DeliveryRow[]): { endpointId: string; delayMs: number }[] {
  return rows.filter((r) => r.id !== null && r.endpoint_id !== null).map((r) => ({ endpointId: r.endpoint_id!, delayMs: Number(r.delay_ms) }));
}

/**
 * The one publisher (DESIGN "One publisher"): the only code that stores a message with its
 * deliveries and enqueues their work. The dispatcher's API, its fan-out and the gateway's ingress
 * all call it. Work is durable once committed; the enqueue after the commit only makes it prompt
 * (a lost enqueue is the reconciler's job), so enqueue failures never fail a publish.
 */
export class Publisher {
  constructor(private readonly options: PublisherOptions) {}

  private get work(): WorkQueue {
    return this.options.work;
  }

  /**
   * Publishes a message into a customer application: stores it (with its deliveries when it
   * routes to at most FAN_OUT_INLINE_MAX endpoints), then wakes those endpoints or enqueues the
   * fan-out. Not inserted when there is no such application. Throws what PostgreSQL throws (a
   * repeated eventId is a unique violation on messages_app_event_id_key).
   */
  async publishMessage(app: AppRef, message: MessageToPublish): Promise<PublishResult> {
    const inlineMax = this.options.inlineMax;
    const ids = Array.from({ length: inlineMax }, () => newId(IdPrefix.delivery));
    const statement = app.by === 'id' ? PUBLISH_BY_ID : PUBLISH_BY_UID;
    const values = [
      message.id,
      app.value,
      message.eventType,
      message.eventId,
      message.payload,
      message.channels,
      message.tags,
      message.deliverAt,
      message.createdAt,
      ids,
      inlineMax,
    ];
    let rows: DeliveryRow[];
    try {
      rows = await this.options.sql<DeliveryRow & { inline: boolean }>(statement, values);
    } catch (error) {
      // An endpoint it routed to was deleted while the statement ran: nothing was stored; route again.
      const { code, constraint } = pgErrorOf(error);
      if (code !== FOREIGN_KEY_VIOLATION || constraint !== DELIVERY_ENDPOINT_FK) throw error;
      rows = await this.options.sql<DeliveryRow & { inline: boolean }>(statement, values);
    }
    const first = rows[0];
    if (!first) return { inserted: false };
    if (!first.inline) {
      const appId = first.app_id!;
      await this.work.afterCommit('fan-out', () => this.work.wakeApps([appId]));
      return { inserted: true, deliveries: 'fan-out' };
    }
    const wakes = wakeUps(rows);
    await this.work.afterCommit('first attempts', () => this.work.wake(wakes));
    return { inserted: true, deliveries: wakes.length };
  }

  /**
   * Stores an accepted inbound webhook as one message of the source's application, with its
   * request-log row (and its deliveries for few endpoints), atomically. A provider event id the
   * source accepted before stores nothing and answers the first acceptance.
   */
  async publishInbound(input: InboundToPublish): Promise<InboundResult> {
    const { message, request } = input;
    const inlineMax = this.options.inlineMax;
    let rows: DeliveryRow[];
    const values = [
      message.id,
      message.appId,
      message.eventType,
      message.payload,
      request.id,
      request.sourceId,
      request.method,
      request.url,
      JSON.stringify(request.headers),
      request.body,
      request.body.length,
      request.providerEventId,
      request.eventId,
      Array.from({ length: inlineMax }, () => newId(IdPrefix.delivery)),
      inlineMax,
    ];
    try {
      try {
        rows = await this.options.sql<DeliveryRow & { inline: boolean }>(PUBLISH_INBOUND, values);
      } catch (error) {
        const { code, constraint } = pgErrorOf(error);
        if (code !== FOREIGN_KEY_VIOLATION || constraint !== DELIVERY_ENDPOINT_FK) throw error;
        rows = await this.options.sql<DeliveryRow & { inline: boolean }>(PUBLISH_INBOUND, values);
      }
    } catch (error) {
      const { code, constraint } = pgErrorOf(error);
      if (code !== UNIQUE_VIOLATION || constraint !== INBOUND_DEDUP_KEY) throw error;
      const [first] = await this.options.sql<{ event_id: string | null; message_id: string | null }>(FIRST_ACCEPTED, [request.sourceId, request.providerEventId]);
      return { kind: 'duplicate', firstEventId: first?.event_id ?? null, firstMessageId: first?.message_id ?? null };
    }
    const inline = rows[0]?.inline === true;
    const wakes = wakeUps(rows);
    return {
      kind: 'accepted',
      enqueue: async () => {
        if (!inline) await this.work.afterCommit(`fan-out of ${message.id}`, () => this.work.wakeApps([message.appId]));
        else await this.work.afterCommit(`first attempts of ${message.id}`, () => this.work.wake(wakes));
      },
    };
  }

  /**
   * One fan-out turn of an application (messages with more endpoints than publishing creates
   * inline, operational webhooks): takes up to `limit` of its oldest messages not yet fanned out,
   * routes each to the application's enabled endpoints, creates the deliveries and marks the
   * messages fanned out in one statement, then wakes the endpoints. Running it twice creates
   * nothing twice (the (message, endpoint) key, and only unfanned messages are marked).
   */
  async fanOutApp(appId: string, limit: number): Promise<FanOutResult> {
    const pending = await this.options.sql<{ id: string; endpoint_ids: string[] | null }>(FAN_OUT_PENDING, [appId, limit]);
    if (pending.length === 0) return { messages: 0, deliveries: 0, more: false };
    const ids: string[] = [];
    const messageIds: string[] = [];
    const endpointIds: string[] = [];
    for (const m of pending) {
      for (const endpointId of m.endpoint_ids ?? []) {
        ids.push(newId(IdPrefix.delivery));
        messageIds.push(m.id);
        endpointIds.push(endpointId);
      }
    }
    const created = await this.options.sql<DeliveryRow>(FAN_OUT_CREATE, [appId, ids, messageIds, endpointIds, pending.map((m) => m.id)]);
    const wakes = wakeUps(created);
    if (wakes.length > 0) await this.work.afterCommit('first attempts', () => this.work.wake(wakes));
    return { messages: pending.length, deliveries: created.length, more: pending.length >= limit };
  }

  /** Makes sure the endpoints of deliveries written elsewhere (resend, recover, retries) get a turn by their due time. */
  async schedule(what: string, wakes: readonly { readonly endpointId: string; readonly delayMs: number }[]): Promise<boolean> {
    if (wakes.length === 0) return true;
    return this.work.afterCommit(what, () => this.work.wake(wakes));
  }

  /** Makes sure these applications get a fan-out turn (messages stored elsewhere: operational webhooks, the reconciler). */
  async scheduleFanOut(what: string, appIds: readonly string[]): Promise<boolean> {
    if (appIds.length === 0) return true;
    return this.work.afterCommit(what, () => this.work.wakeApps(appIds));
  }
}
