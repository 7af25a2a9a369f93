import { Injectable } from '@nestjs/common';
import { ApplicationKind, DeliveryStatus, inlineFanOutSql, routesToEndpointSql, TriggerType } from '@switchyard/db';
import { PreparedSql } from '../delivery/prepared-sql.js';

export interface FanOutMessage {
  readonly id: string;
  readonly appId: string;
  readonly fannedOut: boolean;
}

/** A delivery created (or found waiting for its first attempt), with its due time. */
export interface NewDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly dueAt: Date;
  readonly delayMs: number;
}

/** A message to publish, as the API validated it. */
export interface PublishedMessage {
  readonly id: string;
  readonly eventType: string;
  readonly eventId: string | null;
  readonly payload: string;
  readonly channels: string[] | null;
  readonly tags: string[] | null;
  readonly deliverAt: Date | null;
  /** Its id's time, so `timestamp` and id order always agree. */
  readonly createdAt: Date;
}

/**
 * What publishing did: nothing (no such customer application); the message and all of its
 * deliveries (it routed to at most the inline limit of endpoints); or only the message, left for
 * the fan-out queue.
 */
export type PublishResult = { readonly inserted: false } | { readonly inserted: true; readonly deliveries: NewDelivery[] | null };

const DELAY_MS = (column: string) => `GREATEST(0, ceil(extract(epoch FROM (${column} - now())) * 1000))::bigint`;

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  next_attempt_at: Date;
  delay_ms: string;
}

const toNewDelivery = (r: DeliveryRow): NewDelivery => ({ id: r.id, endpointId: r.endpoint_id, dueAt: r.next_attempt_at, delayMs: Number(r.delay_ms) });

/**
 * Publishing in one statement: resolve the application, route the message to its endpoints,
 * insert the message and, when it goes to at most `$11` endpoints, its deliveries too, marked
 * fanned out. Otherwise the message is left unfanned for the fan-out queue. One text per way of
 * naming the application (id or uid), each a prepared statement.
 */
const publishSql = (appColumn: 'id' | 'uid') => {
  const inline = inlineFanOutSql({
    appId: 'a.id',
    from: ', a',
    eventType: '$3::varchar',
    channels: '$6::text[]',
    max: '$11::int',
    deliveryIds: '$10::varchar[]',
    message: 'm',
    dueAt: 'GREATEST(now(), COALESCE(m.deliver_at, now()))',
  });
  return `
  WITH a AS (SELECT id FROM applications WHERE ${appColumn} = $2 AND kind = '${ApplicationKind.App}'),
  ${inline.targets},
  m AS (INSERT INTO messages (id, app_id, event_type, event_id, payload, channels, tags, deliver_at, created_at, fanned_out_at)
        SELECT $1, a.id, $3::varchar, $4, $5, $6::text[], $7, $8, $9, ${inline.fannedOutAt} FROM a
        RETURNING id, app_id, deliver_at, fanned_out_at),
  ${inline.deliveries}
  SELECT m.fanned_out_at IS NOT NULL AS inline, d.id, d.endpoint_id, d.next_attempt_at, ${DELAY_MS('d.next_attempt_at')} AS delay_ms
  FROM m LEFT JOIN d ON true`;
};
const PUBLISH_BY_ID = publishSql('id');
const PUBLISH_BY_UID = publishSql('uid');

/** The fan-out's SQL: route a message to its application's endpoints and write its deliveries. */
@Injectable()
export class FanOutRepository {
  constructor(private readonly sql: PreparedSql) {}

  /**
   * Publishes a message into the customer application named by id or uid, with its deliveries
   * when it routes to at most `inlineMax` endpoints (`deliveryIds` holds that many fresh ids).
   */
  async publish(app: { readonly by: 'id' | 'uid'; readonly value: string }, m: PublishedMessage, inlineMax: number, deliveryIds: readonly string[]): Promise<PublishResult> {
    const rows: (Partial<DeliveryRow> & { inline: boolean })[] = await this.sql.query(app.by === 'id' ? PUBLISH_BY_ID : PUBLISH_BY_UID, [
      m.id,
      app.value,
      m.eventType,
      m.eventId,
      m.payload,
      m.channels,
      m.tags,
      m.deliverAt,
      m.createdAt,
      deliveryIds,
      inlineMax,
    ]);
    const first = rows[0];
    if (!first) return { inserted: false };
    if (!first.inline) return { inserted: true, deliveries: null };
    return { inserted: true, deliveries: rows.filter((r): r is DeliveryRow & { inline: boolean } => r.id != null).map(toNewDelivery) };
  }

  /** The message and the ids of the enabled endpoints it routes to, in one round trip; undefined if the message is gone. */
  async load(messageId: string): Promise<{ message: FanOutMessage; endpointIds: string[] } | undefined> {
    const rows: { id: string; app_id: string; fanned_out: boolean; endpoint_ids: string[] }[] = await this.sql.query(
      `SELECT m.id, m.app_id, m.fanned_out_at IS NOT NULL AS fanned_out,
              ARRAY(SELECT e.id FROM endpoints e
                    WHERE e.app_id = m.app_id AND ${routesToEndpointSql('e', 'm.event_type', 'm.channels')}
                    ORDER BY e.id) AS endpoint_ids
       FROM messages m WHERE m.id = $1`,
      [messageId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { message: { id: row.id, appId: row.app_id, fannedOut: row.fanned_out }, endpointIds: row.endpoint_ids ?? [] };
  }

  /**
   * Creates the message's deliveries (skipping any that exist) and marks it fanned out, in one
   * statement: either both happen or neither. Deliveries are due at deliver_at, or now.
   * Returns only the deliveries this call created.
   */
  async createDeliveries(messageId: string, deliveries: readonly { id: string; endpointId: string }[]): Promise<NewDelivery[]> {
    const rows: DeliveryRow[] = await this.sql.query(
      `WITH m AS (SELECT id, app_id, deliver_at FROM messages WHERE id = $1),
       created AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
         SELECT t.id, m.id, t.endpoint_id, m.app_id, ${DeliveryStatus.Pending}, 0, GREATEST(now(), COALESCE(m.deliver_at, now())), ${TriggerType.Scheduled}
         FROM m, unnest($2::varchar[], $3::varchar[]) AS t(id, endpoint_id)
         ON CONFLICT (message_id, endpoint_id) DO NOTHING
         RETURNING id, endpoint_id, next_attempt_at),
       marked AS (UPDATE messages SET fanned_out_at = now() WHERE id = $1 AND fanned_out_at IS NULL)
       SELECT id, endpoint_id, next_attempt_at, ${DELAY_MS('next_attempt_at')} AS delay_ms FROM created`,
      [messageId, deliveries.map((d) => d.id), deliveries.map((d) => d.endpointId)],
    );
    return rows.map(toNewDelivery);
  }

  /** Deliveries of an already fanned-out message still waiting for their first attempt (a crash after the commit left them unqueued). */
  async waitingFirstAttempts(messageId: string): Promise<NewDelivery[]> {
    const rows: DeliveryRow[] = await this.sql.query(
      `SELECT id, endpoint_id, next_attempt_at, ${DELAY_MS('next_attempt_at')} AS delay_ms FROM deliveries
       WHERE message_id = $1 AND status = ${DeliveryStatus.Pending} AND attempts = 0 AND next_attempt_at IS NOT NULL`,
      [messageId],
    );
    return rows.map(toNewDelivery);
  }
}
