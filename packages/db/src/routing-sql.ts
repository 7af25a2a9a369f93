import { DeliveryStatus, TriggerType } from './entities/delivery.entity.js';

/**
 * CONTRACT §3 routing as a SQL condition on the endpoint row `e`, for a message whose event type
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

/** Where the parts of an inline fan-out come from, as SQL expressions of the enclosing statement. */
export interface InlineFanOutInputs {
  /** The message's application id (a parameter, or a column of a CTE named in `from`). */
  readonly appId: string;
  /** Extra FROM items `appId` needs, with their leading comma (e.g. `, a`). */
  readonly from?: string;
  readonly eventType: string;
  readonly channels: string;
  /** The most endpoints a message is fanned out to in the statement that stores it. */
  readonly max: string;
  /** An array of at least `max` fresh delivery ids. */
  readonly deliveryIds: string;
  /** The CTE that inserted the message, RETURNING at least id and fanned_out_at. */
  readonly message: string;
  /** When the first attempts are due. */
  readonly dueAt: string;
}

/**
 * The fan-out done in the statement that inserts a message, when it routes to at most `max`
 * endpoints (both apps publish this way):
 * - `targets`: a CTE `t` of the routed endpoints (id, n = 1, 2, …), at most `max` + 1 of them;
 * - `fannedOutAt`: the message's fanned_out_at: now() when `t` holds at most `max`, else NULL
 *   (the fan-out queue's job then does it);
 * - `deliveries`: a CTE `d` inserting one Pending delivery per row of `t` for a message fanned out
 *   here, RETURNING id, endpoint_id, next_attempt_at.
 */
export function inlineFanOutSql(x: InlineFanOutInputs): { targets: string; fannedOutAt: string; deliveries: string } {
  return {
    targets: `t AS (
       SELECT e.id, row_number() OVER (ORDER BY e.id) AS n FROM endpoints e${x.from ?? ''}
       WHERE e.app_id = ${x.appId} AND ${routesToEndpointSql('e', x.eventType, x.channels)}
       ORDER BY e.id LIMIT ${x.max} + 1)`,
    fannedOutAt: `CASE WHEN (SELECT count(*) FROM t) <= ${x.max} THEN now() END`,
    deliveries: `d AS (
       INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
       SELECT (${x.deliveryIds})[t.n], ${x.message}.id, t.id, ${x.message}.app_id, ${DeliveryStatus.Pending}, 0, ${x.dueAt}, ${TriggerType.Scheduled}
       FROM ${x.message}, t WHERE ${x.message}.fanned_out_at IS NOT NULL
       RETURNING id, endpoint_id, next_attempt_at)`,
  };
}
