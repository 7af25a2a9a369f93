import { ApplicationKind, delayMsSql, DeliveryStatus, inlineFanOutSql, prepared, routesToEndpointSql, TriggerType } from '@switchyard/db';

/**
 * Publishing a message from the API, in one statement: resolve the customer application (by id
 * or uid), route the message to its endpoints, insert the message and, when it goes to at most
 * `$11` endpoints, its deliveries too, marked fanned out. Otherwise the message is left unfanned
 * for the fan-out queue. One row per delivery (or one row with a null id).
 */
const publishMessageSql = (appColumn: 'id' | 'uid') => {
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
  return prepared(`
  WITH a AS (SELECT id FROM applications WHERE ${appColumn} = $2 AND kind = '${ApplicationKind.App}'),
  ${inline.targets},
  m AS (INSERT INTO messages (id, app_id, event_type, event_id, payload, channels, tags, deliver_at, created_at, fanned_out_at)
        SELECT $1, a.id, $3::varchar, $4, $5, $6::text[], $7, $8, $9, ${inline.fannedOutAt} FROM a
        RETURNING id, app_id, deliver_at, fanned_out_at),
  ${inline.deliveries}
  SELECT m.fanned_out_at IS NOT NULL AS inline, m.app_id, d.id, d.endpoint_id, ${delayMsSql('d.next_attempt_at')} AS delay_ms
  FROM m LEFT JOIN d ON true`);
};
export const PUBLISH_BY_ID = publishMessageSql('id');
export const PUBLISH_BY_UID = publishMessageSql('uid');

/**
 * An accepted inbound request, in one statement (one round trip, atomic): the message, the
 * request-log row pointing at it and, when the source's application routes it to at most `$15`
 * enabled endpoints, its deliveries. A provider event id accepted before fails the dedup index
 * and inserts nothing.
 */
const INBOUND_INLINE = inlineFanOutSql({
  appId: '$2',
  eventType: '$3::varchar',
  channels: 'NULL::text[]',
  max: '$15::int',
  deliveryIds: '$14::varchar[]',
  message: 'message',
  dueAt: 'now()',
});
export const PUBLISH_INBOUND = prepared(
  `WITH ${INBOUND_INLINE.targets},
   message AS (
     INSERT INTO messages (id, app_id, event_type, payload, created_at, fanned_out_at)
     SELECT $1, $2, $3::varchar, $4, now(), ${INBOUND_INLINE.fannedOutAt}
     RETURNING id, app_id, fanned_out_at
   ),
   request AS (
     INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, response_status, provider_event_id, event_id, message_id)
     SELECT $5, $6, $7, $8, $9, $10, $11, 'accepted', 200, $12, $13, message.id FROM message
   ),
   ${INBOUND_INLINE.deliveries}
   SELECT message.fanned_out_at IS NOT NULL AS inline, d.id, d.endpoint_id, 0::bigint AS delay_ms FROM message LEFT JOIN d ON true`,
);

/** The request that first accepted a provider event id (for a duplicate's answer). */
export const FIRST_ACCEPTED = prepared(
  `SELECT event_id, message_id FROM inbound_requests WHERE source_id = $1 AND provider_event_id = $2 AND outcome = 'accepted'`,
);

/**
 * An application's next messages to fan out (oldest first, at most $2), each with the ids of the
 * enabled endpoints it routes to: one round trip, over messages_app_unfanned_idx.
 */
export const FAN_OUT_PENDING = prepared(
  `SELECT m.id,
          ARRAY(SELECT e.id FROM endpoints e
                WHERE e.app_id = m.app_id AND ${routesToEndpointSql('e', 'm.event_type', 'm.channels')}
                ORDER BY e.id) AS endpoint_ids
   FROM messages m WHERE m.app_id = $1 AND m.fanned_out_at IS NULL
   ORDER BY m.created_at, m.id LIMIT $2`,
);

/**
 * Creates the deliveries of a batch of messages (skipping any that exist) and marks the messages
 * fanned out, in one statement: either both happen or neither. Deliveries are due at the
 * message's deliver_at, or now. Answers the deliveries it created.
 */
export const FAN_OUT_CREATE = prepared(
  `WITH t AS (SELECT * FROM unnest($2::varchar[], $3::varchar[], $4::varchar[]) AS t(id, message_id, endpoint_id)),
   created AS (
     INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
     SELECT t.id, m.id, t.endpoint_id, m.app_id, ${DeliveryStatus.Pending}, 0, GREATEST(now(), COALESCE(m.deliver_at, now())), ${TriggerType.Scheduled}
     FROM t JOIN messages m ON m.id = t.message_id AND m.app_id = $1 AND m.fanned_out_at IS NULL
     ON CONFLICT (message_id, endpoint_id) DO NOTHING
     RETURNING id, endpoint_id, next_attempt_at),
   marked AS (UPDATE messages SET fanned_out_at = now() WHERE id = ANY($5::varchar[]) AND app_id = $1 AND fanned_out_at IS NULL)
   SELECT id, endpoint_id, ${delayMsSql('next_attempt_at')} AS delay_ms FROM created`,
);
