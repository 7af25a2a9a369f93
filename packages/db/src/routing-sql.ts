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
