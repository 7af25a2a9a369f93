import { ApplicationKind, delayMsSql, DeliveryStatus, inlineFanOutSql, prepared, routesToEndpointSql, TriggerType } from '@switchyard/db';

/** A text[] column passed in a batch as JSON text (PostgreSQL arrays are rectangular, so no text[][]). */
const jsonTextArray = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(${column}::jsonb)) END`;

const MESSAGES_INLINE = inlineFanOutSql({
  input: 'i',
  channels: 'i.channels',
  max: '$12::int',
  deliveryIds: '$11::varchar[]',
  message: 'm',
  dueAt: 'GREATEST(now(), COALESCE(m.deliver_at, now()))',
});

/**
 * Publishing a batch of messages from the API, in one statement: resolve each one's customer
 * application (by id or by uid), route it to its endpoints, insert it (unless its application
 * already has a message with its eventId: ON CONFLICT DO NOTHING) and, when it goes to at most
 * `$12` endpoints, its deliveries, marked fanned out; otherwise it is left for its application's
 * fan-out turn. `$13`: per-message payload expiry; `$14`/`$15`: each message's W3C trace context.
 * One row per delivery, or one row with a null delivery id, per input row `n`.
 */
export const PUBLISH_MESSAGES = prepared(
  `WITH raw AS (
     SELECT * FROM unnest($1::varchar[], $2::boolean[], $3::varchar[], $4::varchar[], $5::varchar[], $6::text[], $7::text[], $8::text[],
                          $9::timestamptz[], $10::timestamptz[], $13::timestamptz[], $14::varchar[], $15::varchar[])
       WITH ORDINALITY AS raw(msg_id, by_id, app_ref, event_type, event_id, payload, channels, tags, deliver_at, created_at, payload_expires_at,
                              trace_parent, trace_state, n)),
   i AS (
     SELECT raw.n, raw.msg_id, raw.event_type, raw.event_id, raw.payload, raw.deliver_at, raw.created_at, raw.payload_expires_at,
            raw.trace_parent, raw.trace_state,
            ${jsonTextArray('raw.channels')} AS channels, ${jsonTextArray('raw.tags')} AS tags,
            COALESCE((SELECT a.id FROM applications a WHERE raw.by_id AND a.id = raw.app_ref AND a.kind = '${ApplicationKind.App}'),
                     (SELECT a.id FROM applications a WHERE NOT raw.by_id AND a.uid = raw.app_ref AND a.kind = '${ApplicationKind.App}')) AS app_id
     FROM raw),
   ${MESSAGES_INLINE.targets},
   m AS (
     INSERT INTO messages (id, app_id, event_type, event_id, payload, channels, tags, deliver_at, created_at, payload_expires_at, trace_parent, trace_state,
                           fanned_out_at)
     SELECT i.msg_id, i.app_id, i.event_type, i.event_id, i.payload, i.channels, i.tags, i.deliver_at, i.created_at, i.payload_expires_at,
            i.trace_parent, i.trace_state, ${MESSAGES_INLINE.fannedOutAt}
     FROM i WHERE i.app_id IS NOT NULL ORDER BY i.n
     ON CONFLICT (app_id, event_id) DO NOTHING
     RETURNING id, app_id, deliver_at, fanned_out_at),
   ${MESSAGES_INLINE.deliveries}
   SELECT i.n, i.app_id, m.id IS NOT NULL AS inserted, m.fanned_out_at IS NOT NULL AS inline,
          d.id, d.endpoint_id, ${delayMsSql('d.next_attempt_at')} AS delay_ms
   FROM i LEFT JOIN m ON m.id = i.msg_id LEFT JOIN d ON d.message_id = i.msg_id
   ORDER BY i.n`,
);

const INBOUND_INLINE = inlineFanOutSql({
  input: 'acc',
  channels: 'NULL::text[]',
  max: '$15::int',
  deliveryIds: '$14::varchar[]',
  message: 'm',
  dueAt: 'now()',
});

/**
 * A batch of accepted inbound requests, in one statement (one round trip, atomic). For each one
 * with a dedup key: claim the key in `inbound_dedup_keys`, unless another request claimed it less
 * than `$17` ms ago (the dedup window; an older claim is taken over). A request that claimed its
 * key (or has none) gets its `accepted` request-log row, its message and, when the application
 * routes it to at most `$15` enabled endpoints, its deliveries. One whose key was claimed by a
 * commit before this statement began gets a `duplicate` log row pointing at that acceptance; one
 * whose key was claimed by a statement that committed while this one ran gets nothing here (the
 * statement's snapshot cannot see that claim) and is logged by the caller. The claim goes first,
 * so a duplicate never leaves an orphan message. `$18`/`$19`: each message's W3C trace context. Two requests of one batch never share a key
 * (the group committer keeps them apart): an upsert may touch a row once per statement. One row
 * per delivery (or one with a null delivery id) per input row `n`.
 */
export const PUBLISH_INBOUND = prepared(
  `WITH i AS (
     SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::varchar[], $6::varchar[], $7::varchar[], $8::text[],
                          $9::jsonb[], $10::bytea[], $11::int[], $12::varchar[], $13::varchar[], $16::varchar[], $18::varchar[], $19::varchar[])
       WITH ORDINALITY AS i(msg_id, app_id, event_type, payload, req_id, source_id, method, url, headers, body, body_size, pe_id, event_id, dedup_key,
                            trace_parent, trace_state, n)),
   claimed AS (
     INSERT INTO inbound_dedup_keys AS k (source_id, dedup_key, accepted_at, request_id, event_id, message_id)
     SELECT i.source_id, i.dedup_key, now(), i.req_id, i.event_id, i.msg_id FROM i WHERE i.dedup_key IS NOT NULL ORDER BY i.n
     ON CONFLICT (source_id, dedup_key) DO UPDATE
       SET accepted_at = EXCLUDED.accepted_at, request_id = EXCLUDED.request_id, event_id = EXCLUDED.event_id, message_id = EXCLUDED.message_id
       WHERE k.accepted_at <= now() - $17::bigint * interval '1 millisecond'
     RETURNING k.request_id),
   acc AS (SELECT i.* FROM i WHERE i.dedup_key IS NULL OR i.req_id IN (SELECT request_id FROM claimed)),
   first AS (
     SELECT i.n, k.event_id, k.message_id FROM i
     JOIN inbound_dedup_keys k ON k.source_id = i.source_id AND k.dedup_key = i.dedup_key
     WHERE i.req_id NOT IN (SELECT request_id FROM claimed)),
   req AS (
     INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, reason, response_status, provider_event_id, dedup_key, event_id, message_id)
     SELECT acc.req_id, acc.source_id, acc.method, acc.url, acc.headers, acc.body, acc.body_size, 'accepted', NULL, 200, acc.pe_id, acc.dedup_key, acc.event_id, acc.msg_id
     FROM acc
     UNION ALL
     SELECT i.req_id, i.source_id, i.method, i.url, i.headers, i.body, i.body_size, 'duplicate', 'duplicate', 200, i.pe_id, i.dedup_key, first.event_id, first.message_id
     FROM i JOIN first ON first.n = i.n),
   ${INBOUND_INLINE.targets},
   m AS (
     INSERT INTO messages (id, app_id, event_type, payload, created_at, trace_parent, trace_state, fanned_out_at)
     SELECT acc.msg_id, acc.app_id, acc.event_type, acc.payload, now(), acc.trace_parent, acc.trace_state, ${INBOUND_INLINE.fannedOutAt}
     FROM acc ORDER BY acc.n
     RETURNING id, app_id, fanned_out_at),
   ${INBOUND_INLINE.deliveries}
   SELECT i.n, acc.n IS NOT NULL AS accepted, first.event_id AS first_event_id, first.message_id AS first_message_id,
          m.fanned_out_at IS NOT NULL AS inline, d.id, d.endpoint_id, 0::bigint AS delay_ms
   FROM i LEFT JOIN acc ON acc.n = i.n LEFT JOIN first ON first.n = i.n AND acc.n IS NULL
          LEFT JOIN m ON m.id = i.msg_id LEFT JOIN d ON d.message_id = i.msg_id
   ORDER BY i.n`,
);

/** The request that holds a dedup key (for a duplicate whose key was claimed while its statement ran). */
export const FIRST_ACCEPTED = prepared(`SELECT event_id, message_id FROM inbound_dedup_keys WHERE source_id = $1 AND dedup_key = $2`);

/** The `duplicate` log row of such a request. */
export const LOG_DUPLICATE = prepared(
  `INSERT INTO inbound_requests (id, source_id, method, url, headers, body, body_size, outcome, reason, response_status, provider_event_id, dedup_key, event_id, message_id)
   VALUES ($1, $2, $3, $4, $5, $6, $7, 'duplicate', 'duplicate', 200, $8, $9, $10, $11)`,
);

/** Deletes up to `$2` dedup keys claimed more than `$1` ms ago (past the window, nothing needs them); answers how many. */
export const EXPIRE_DEDUP_KEYS = prepared(
  `WITH gone AS (
     DELETE FROM inbound_dedup_keys WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM inbound_dedup_keys WHERE accepted_at <= now() - $1::bigint * interval '1 millisecond' LIMIT $2))
     RETURNING 1)
   SELECT count(*)::int AS n FROM gone`,
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
