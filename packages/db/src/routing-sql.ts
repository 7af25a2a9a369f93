import { DeliveryStatus, TriggerType } from './entities/delivery.entity.js';

/**
 * docs/api.md §3 routing as a SQL condition on the endpoint row `e`, for a message whose event type
 * and channels are the SQL expressions given: enabled, `filterTypes` empty or naming the type
 * (`*`, or a `.*` prefix), and `channels` empty or sharing one with the message. It is the rule
 * `endpointReceives` in @switchyard/events states; the dispatcher's routing-sql.e2e-spec checks
 * the two agree on a generated table of cases, on a real PostgreSQL. In SQL so that publishing (in
 * the dispatcher's API and the gateway's ingress) can create a message's deliveries in the same
 * statement that inserts it.
 */
export function routesToEndpointSql(e: string, eventType: string, channels: string): string {
  return `(NOT ${e}.disabled
    AND (COALESCE(cardinality(${e}.filter_types), 0) = 0
         OR ${eventType} = ANY (${e}.filter_types)
         OR '*' = ANY (${e}.filter_types)
         OR EXISTS (SELECT 1 FROM unnest(${e}.filter_types) AS f(t) WHERE right(f.t, 2) = '.*' AND starts_with(${eventType}, left(f.t, -1))))
    AND (COALESCE(cardinality(${e}.channels), 0) = 0 OR ${e}.channels && ${channels}))`;
}

/** Where the parts of an inline fan-out come from, as SQL of the enclosing (batched) statement. */
export interface InlineFanOutInputs {
  /**
   * The CTE of input rows, one per message, with at least the columns `n` (its 1-based position
   * in the batch), `msg_id`, `app_id` (NULL: no such application) and `event_type`.
   */
  readonly input: string;
  /** The message's channels, as an expression over `input` (a text[], or NULL). */
  readonly channels: string;
  /** The most endpoints a message is fanned out to in the statement that stores it. */
  readonly max: string;
  /** One flat array of fresh delivery ids, `max` per input row: row n uses [(n-1)·max + 1 … n·max]. */
  readonly deliveryIds: string;
  /** The CTE that inserted the messages, RETURNING at least id, app_id and fanned_out_at. */
  readonly message: string;
  /** When the first attempts are due, as an expression over `message`. */
  readonly dueAt: string;
}

/**
 * The fan-out done in the statement that inserts a batch of messages, for each one that routes
 * to at most `max` endpoints (both apps publish this way):
 * - `targets`: a CTE `t` of the routed endpoints of every input row (n, endpoint_id, k = 1, 2, …,
 *   cnt = how many, capped at `max` + 1);
 * - `fannedOutAt`: the message's fanned_out_at, as an expression over `input`: now() when it
 *   routes to at most `max`, else NULL (its application's fan-out turn then does it);
 * - `deliveries`: a CTE `d` inserting one Pending delivery per target of a message fanned out
 *   here, RETURNING id, message_id, endpoint_id, next_attempt_at.
 */
export function inlineFanOutSql(x: InlineFanOutInputs): { targets: string; fannedOutAt: string; deliveries: string } {
  const i = x.input;
  return {
    targets: `t AS (
       SELECT ${i}.n, r.id AS endpoint_id, r.k, count(*) OVER (PARTITION BY ${i}.n) AS cnt
       FROM ${i} CROSS JOIN LATERAL (
         SELECT e.id, row_number() OVER (ORDER BY e.id) AS k FROM endpoints e
         WHERE e.app_id = ${i}.app_id AND ${routesToEndpointSql('e', `${i}.event_type`, x.channels)}
         ORDER BY e.id LIMIT ${x.max} + 1) r)`,
    fannedOutAt: `CASE WHEN COALESCE((SELECT max(t.cnt) FROM t WHERE t.n = ${i}.n), 0) <= ${x.max} THEN now() END`,
    deliveries: `d AS (
       INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
       SELECT (${x.deliveryIds})[(${i}.n - 1) * ${x.max} + t.k], ${x.message}.id, t.endpoint_id, ${x.message}.app_id,
              ${DeliveryStatus.Pending}, 0, ${x.dueAt}, ${TriggerType.Scheduled}
       FROM ${x.message} JOIN ${i} ON ${i}.msg_id = ${x.message}.id JOIN t ON t.n = ${i}.n
       WHERE ${x.message}.fanned_out_at IS NOT NULL
       RETURNING id, message_id, endpoint_id, next_attempt_at)`,
  };
}
