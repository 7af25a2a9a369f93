import { Injectable } from '@nestjs/common';
import { DeliveryStatus, TriggerType } from '@switchyard/db';
import type { RoutableEndpoint, RoutableMessage } from '@switchyard/events';
import { PreparedSql } from '../delivery/prepared-sql.js';

export interface FanOutMessage extends RoutableMessage {
  readonly id: string;
  readonly appId: string;
  readonly fannedOut: boolean;
}

export interface FanOutEndpoint extends RoutableEndpoint {
  readonly id: string;
}

/** A delivery created (or found waiting for its first attempt), with its due time. */
export interface NewDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly dueAt: Date;
  readonly delayMs: number;
}

const DELAY_MS = `GREATEST(0, ceil(extract(epoch FROM (next_attempt_at - now())) * 1000))::bigint`;

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  next_attempt_at: Date;
  delay_ms: string;
}

const toNewDelivery = (r: DeliveryRow): NewDelivery => ({ id: r.id, endpointId: r.endpoint_id, dueAt: r.next_attempt_at, delayMs: Number(r.delay_ms) });

/** The fan-out's SQL: read a message with its application's enabled endpoints; write its deliveries. */
@Injectable()
export class FanOutRepository {
  constructor(private readonly sql: PreparedSql) {}

  /** The message and its application's enabled endpoints, in one round trip; undefined if the message is gone. */
  async load(messageId: string): Promise<{ message: FanOutMessage; endpoints: FanOutEndpoint[] } | undefined> {
    const rows: {
      id: string;
      app_id: string;
      event_type: string;
      channels: string[] | null;
      fanned_out: boolean;
      endpoints: { id: string; filterTypes: string[] | null; channels: string[] | null }[];
    }[] = await this.sql.query(
      `SELECT m.id, m.app_id, m.event_type, m.channels, m.fanned_out_at IS NOT NULL AS fanned_out,
              COALESCE((SELECT json_agg(json_build_object('id', e.id, 'filterTypes', e.filter_types, 'channels', e.channels) ORDER BY e.id)
                        FROM endpoints e WHERE e.app_id = m.app_id AND NOT e.disabled), '[]'::json) AS endpoints
       FROM messages m WHERE m.id = $1`,
      [messageId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      message: { id: row.id, appId: row.app_id, eventType: row.event_type, channels: row.channels, fannedOut: row.fanned_out },
      endpoints: row.endpoints.map((e) => ({ id: e.id, filterTypes: e.filterTypes, channels: e.channels, disabled: false })),
    };
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
       SELECT id, endpoint_id, next_attempt_at, ${DELAY_MS} AS delay_ms FROM created`,
      [messageId, deliveries.map((d) => d.id), deliveries.map((d) => d.endpointId)],
    );
    return rows.map(toNewDelivery);
  }

  /** Deliveries of an already fanned-out message still waiting for their first attempt (a crash after the commit left them unqueued). */
  async waitingFirstAttempts(messageId: string): Promise<NewDelivery[]> {
    const rows: DeliveryRow[] = await this.sql.query(
      `SELECT id, endpoint_id, next_attempt_at, ${DELAY_MS} AS delay_ms FROM deliveries
       WHERE message_id = $1 AND status = ${DeliveryStatus.Pending} AND attempts = 0 AND next_attempt_at IS NOT NULL`,
      [messageId],
    );
    return rows.map(toNewDelivery);
  }
}
