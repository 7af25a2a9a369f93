import { Injectable } from '@nestjs/common';
import { ApplicationKind, delayMsSql, DeliveryStatus, prepared, routesToEndpointSql, TriggerType } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import type { TraceCarrier } from '@switchyard/tracing';
import type { OperationalMessage } from '../operational-webhooks/operational-webhooks.js';
import { PreparedSql } from '../common/prepared-sql.js';

/** The endpoint a turn claims for, read in the claim's round trip. */
export interface EndpointTarget {
  readonly id: string;
  readonly appId: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly disabled: boolean;
  readonly uid: string | null;
  /** Messages per second: the endpoint's rateLimit, or its application's; null for none. */
  readonly rateLimit: number | null;
  readonly failingSince: Date | null;
  readonly appUid: string | null;
  readonly appKind: ApplicationKind;
  /** Stored (possibly sealed) secrets that still sign, newest first. */
  readonly secrets: readonly string[];
}

/** A delivery a turn claimed, with everything its attempt needs. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly messageId: string;
  /** Attempts made before this one. */
  readonly attemptsBefore: number;
  readonly trigger: TriggerType;
  /** The lease, as PostgreSQL wrote it (exact to the microsecond): proof of ownership on later writes. */
  readonly lease: string;
  /**
   * The bytes to sign and send; null when the message's payload was expunged (the attempt then
   * fails, unsent) or when it is larger than DELIVERY_INLINE_PAYLOAD_BYTES (payloadDeferred: the
   * sender reads it just before sending, see payloadOf).
   */
  readonly payload: string | null;
  /** True when the payload was left out of the claim for its size. */
  readonly payloadDeferred: boolean;
  /** The payload's size in UTF-8 bytes (0 when expunged). */
  readonly payloadBytes: number;
  readonly eventId: string | null;
  /** The trace context stored with the message: the attempt's span is its child. */
  readonly trace: TraceCarrier | null;
  readonly endpoint: EndpointTarget;
  /** How long it had been due when it was claimed (database clock). */
  readonly lateMs: number;
}

/** What one claim statement took. */
export interface ClaimBatch {
  /** Null when the endpoint no longer exists. */
  readonly endpoint: EndpointTarget | null;
  readonly deliveries: ClaimedDelivery[];
  /** Deliveries ended as `fail` without an attempt because the endpoint is disabled. */
  readonly endedDisabled: number;
  /** When the endpoint's next delivery that is not due yet becomes due, in ms; null when none. */
  readonly nextDueInMs: number | null;
}

/** One attempt's row. */
export interface AttemptRecord {
  readonly id: string;
  readonly attemptNumber: number;
  readonly url: string;
  readonly status: DeliveryStatus.Success | DeliveryStatus.Fail;
  readonly responseStatusCode: number;
  /** The response body as received, or null when no response arrived. */
  readonly responseBody: Buffer | null;
  readonly responseDurationMs: number;
  readonly trigger: TriggerType;
  readonly requestHeaders: Record<string, string>;
  readonly responseHeaders: Record<string, string>;
  readonly error: string | null;
  readonly errorDetail: string | null;
  readonly startedAt: Date;
}

export interface RecordInput {
  readonly claim: ClaimedDelivery;
  readonly attempt: AttemptRecord;
  /** The delivery's new status. */
  readonly status: DeliveryStatus.Success | DeliveryStatus.Pending | DeliveryStatus.Fail;
  readonly retryDelayMs?: number;
  readonly failureRun: 'clear' | 'start' | 'unchanged';
  readonly disable: { readonly reason: 'gone' | 'failing'; readonly disableAfterMs: number; readonly event: OperationalMessage | null } | null;
  /** Operational events to create if this attempt's result is recorded. */
  readonly events: readonly OperationalMessage[];
  readonly operationalAppId: string | null;
}

export interface Recorded {
  /** False when the lease was lost (another sender took the delivery over); the attempt row is still written. */
  readonly owned: boolean;
  /** The retry's wait, when one was scheduled. */
  readonly nextInMs: number | null;
  readonly endpointDisabled: boolean;
  /** Operational messages created (to fan out). */
  readonly operationalMessageIds: string[];
}

const ms = (param: string) => `make_interval(secs => ${param}::double precision / 1000)`;

/**
 * Claims up to $2 due deliveries of endpoint $1 (oldest due first; a dead sender's expired lease
 * counts as due), with what their attempts need, in one statement. If the endpoint is disabled
 * they end as `fail` instead (recover can send them later). Answers one row per claimed delivery
 * (or one row without a delivery), each with the endpoint and the endpoint's next due time.
 */
const CLAIM = prepared(`
  WITH ep AS (
    SELECT e.id, e.app_id, e.url, e.headers, e.disabled, e.uid, COALESCE(e.rate_limit, a.rate_limit) AS rate_limit, e.first_failure_at,
           a.uid AS app_uid, a.kind AS app_kind,
           ARRAY(SELECT s.secret FROM endpoint_secrets s
                 WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())
                 ORDER BY s.created_at DESC, s.id DESC) AS secrets
    FROM endpoints e JOIN applications a ON a.id = e.app_id WHERE e.id = $1),
  c AS (
    SELECT d.id, d.next_attempt_at AS due_at FROM deliveries d
    WHERE d.endpoint_id = $1 AND d.status IN (${DeliveryStatus.Pending}, ${DeliveryStatus.Sending}) AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at, d.id
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED),
  u AS (
    UPDATE deliveries d SET
      status = CASE WHEN (SELECT disabled FROM ep) THEN ${DeliveryStatus.Fail} ELSE ${DeliveryStatus.Sending} END,
      next_attempt_at = CASE WHEN (SELECT disabled FROM ep) THEN NULL ELSE now() + ${ms('$3')} END,
      next_trigger = CASE WHEN (SELECT disabled FROM ep) THEN ${TriggerType.Scheduled} ELSE d.next_trigger END,
      updated_at = now()
    FROM c WHERE d.id = c.id
    RETURNING d.id, d.message_id, d.attempts, d.next_trigger, d.next_attempt_at, d.status,
              GREATEST(0, floor(extract(epoch FROM (now() - c.due_at)) * 1000))::bigint AS late_ms),
  nd AS (
    SELECT min(next_attempt_at) AS at FROM deliveries
    WHERE endpoint_id = $1 AND status = ${DeliveryStatus.Pending} AND next_attempt_at > now())
  SELECT ep.*, ${delayMsSql('nd.at')} AS next_due_ms, nd.at IS NOT NULL AS has_next,
         u.id AS delivery_id, u.message_id, u.attempts, u.next_trigger, u.next_attempt_at::text AS lease, u.status AS delivery_status, u.late_ms,
         CASE WHEN octet_length(m.payload) <= $4 THEN m.payload END AS payload, COALESCE(octet_length(m.payload), 0) AS payload_bytes,
         m.event_id, m.trace_parent, m.trace_state
  FROM ep CROSS JOIN nd
  LEFT JOIN u ON true
  LEFT JOIN messages m ON m.id = u.message_id`);

const PAYLOAD_OF = prepared(`SELECT payload FROM messages WHERE id = $1`);

/**
 * An attempt already recorded with this delivery and number. `attempts` is partitioned by id
 * (time), so (delivery_id, attempt_number) cannot be a unique key; one row per number is kept
 * here instead. The sender holding the delivery's lease always records its attempt (the
 * delivery row's lock and the lease check make it the only one of that number that does); a
 * sender whose lease ran out records its attempt only if no row of that number exists yet (as
 * the unique key's ON CONFLICT DO NOTHING did), so a record retried after a commit whose answer
 * was lost adds nothing. Two such senders of one number recording at the same instant may both
 * be logged: both requests were really sent. The probe (an index scan per partition) runs only
 * for such a sender: the OR stops at the owned case, so the common path pays nothing for it.
 */
const SAME_ATTEMPT = (deliveryId: string, attemptNumber: string) => `SELECT 1 FROM attempts s WHERE s.delivery_id = ${deliveryId} AND s.attempt_number = ${attemptNumber}`;

/**
 * Records a batch of attempts in ONE statement (the common shape: no endpoint to disable, no
 * operational events): each delivery's new state (only while its sender still holds the lease),
 * each attempt row, and each endpoint's failure run (the latest attempt of the batch decides,
 * and the row is written only when it changes). One parameter per column, so no batch size
 * meets PostgreSQL's parameter limit.
 */
const RECORD_MANY = prepared(`
  WITH i AS (
    SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::smallint[], $5::int[], $6::float8[], $7::text[], $8::timestamptz[],
                         $9::varchar[], $10::varchar[], $11::varchar[], $12::text[], $13::smallint[], $14::int[], $15::bytea[], $16::int[],
                         $17::smallint[], $18::text[], $19::text[], $20::varchar[], $21::text[])
      AS i(id, endpoint_id, lease, new_status, attempt_number, retry_ms, failure_run, started_at,
           attempt_id, message_id, app_id, url, attempt_status, status_code, body, duration_ms,
           trigger_type, request_headers, response_headers, error, error_detail)),
  d AS (
    UPDATE deliveries x SET status = i.new_status, attempts = i.attempt_number,
           next_attempt_at = CASE WHEN i.retry_ms IS NULL THEN NULL ELSE now() + make_interval(secs => i.retry_ms / 1000) END,
           next_trigger = ${TriggerType.Scheduled}, last_attempt_at = i.started_at, updated_at = now()
    FROM i WHERE x.id = i.id AND x.status = ${DeliveryStatus.Sending} AND x.next_attempt_at = i.lease::timestamptz
    RETURNING x.id, x.next_attempt_at),
  a AS (
    INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, url, status, response_status_code, response, response_body,
                          response_duration_ms, trigger_type, request_headers, response_headers, error, error_detail, created_at)
    SELECT i.attempt_id, i.id, i.message_id, i.endpoint_id, i.app_id, i.attempt_number, i.url, i.attempt_status, i.status_code, '', i.body,
           i.duration_ms, i.trigger_type, i.request_headers::jsonb, i.response_headers::jsonb, i.error, i.error_detail, i.started_at
    FROM i LEFT JOIN d ON d.id = i.id
    WHERE d.id IS NOT NULL OR NOT EXISTS (${SAME_ATTEMPT('i.id', 'i.attempt_number')})),
  pe AS (
    SELECT DISTINCT ON (i.endpoint_id) i.endpoint_id, i.failure_run, i.started_at FROM i WHERE i.failure_run <> 'unchanged'
    ORDER BY i.endpoint_id, i.started_at DESC, i.id DESC),
  e AS (
    UPDATE endpoints en SET first_failure_at = CASE pe.failure_run WHEN 'clear' THEN NULL ELSE pe.started_at END
    FROM pe WHERE en.id = pe.endpoint_id
      AND ((pe.failure_run = 'clear' AND en.first_failure_at IS NOT NULL) OR (pe.failure_run = 'start' AND en.first_failure_at IS NULL)))
  SELECT i.id, d.id IS NOT NULL AS owned, d.next_attempt_at IS NOT NULL AS has_next, ${delayMsSql('d.next_attempt_at')} AS next_ms
  FROM i LEFT JOIN d ON d.id = i.id`);

/** Gives claimed deliveries back (not sent: shutdown, a tighter rate), due again now; only while their lease holds. */
const GIVE_BACK = prepared(`
  UPDATE deliveries d SET status = ${DeliveryStatus.Pending}, next_attempt_at = now(), updated_at = now()
  FROM unnest($1::varchar[], $2::text[]) AS g(id, lease)
  WHERE d.id = g.id AND d.status = ${DeliveryStatus.Sending} AND d.next_attempt_at = g.lease::timestamptz
  RETURNING d.id`);

interface ClaimRow {
  id: string;
  app_id: string;
  url: string;
  headers: Record<string, string> | null;
  disabled: boolean;
  uid: string | null;
  rate_limit: number | null;
  first_failure_at: Date | null;
  app_uid: string | null;
  app_kind: ApplicationKind;
  secrets: string[] | null;
  next_due_ms: string | number;
  has_next: boolean;
  delivery_id: string | null;
  message_id: string | null;
  attempts: number | null;
  next_trigger: number | null;
  lease: string | null;
  delivery_status: number | null;
  late_ms: string | number | null;
  payload: string | null;
  payload_bytes: number;
  event_id: string | null;
  trace_parent: string | null;
  trace_state: string | null;
}

/** JSON text for a jsonb column: never a NUL escape (jsonb refuses \u0000). */
function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u0000') ? text.replaceAll('\\u0000', '\\ufffd') : text;
}

/**
 * The delivery state machine in SQL. Every transition is one statement, conditional on the state
 * it expects, so stale turns and racing replicas change nothing:
 * Pending --claim--> Sending (lease) --record--> Success | Pending (retry) | Fail.
 */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly sql: PreparedSql) {}

  /**
   * Claims up to `limit` due deliveries of the endpoint, oldest due first, holding each for
   * `leaseMs`. Payloads larger than `inlineBytes` are left out (read with payloadOf when sent).
   */
  async claim(endpointId: string, limit: number, leaseMs: number, inlineBytes: number): Promise<ClaimBatch> {
    const rows = await this.sql.run<ClaimRow>(CLAIM, [endpointId, limit, leaseMs, inlineBytes]);
    const first = rows[0];
    if (!first) return { endpoint: null, deliveries: [], endedDisabled: 0, nextDueInMs: null };
    const endpoint: EndpointTarget = {
      id: endpointId,
      appId: first.app_id,
      url: first.url,
      headers: first.headers ?? {},
      disabled: first.disabled,
      uid: first.uid,
      rateLimit: first.rate_limit,
      failingSince: first.first_failure_at,
      appUid: first.app_uid,
      appKind: first.app_kind,
      secrets: first.secrets ?? [],
    };
    const deliveries: ClaimedDelivery[] = [];
    let endedDisabled = 0;
    for (const r of rows) {
      if (!r.delivery_id) continue;
      if (r.delivery_status !== DeliveryStatus.Sending) {
        endedDisabled++;
        continue;
      }
      deliveries.push({
        id: r.delivery_id,
        messageId: r.message_id!,
        attemptsBefore: r.attempts!,
        trigger: r.next_trigger as TriggerType,
        lease: r.lease!,
        payload: r.payload,
        payloadDeferred: r.payload === null && Number(r.payload_bytes) > 0,
        payloadBytes: Number(r.payload_bytes),
        eventId: r.event_id,
        trace: r.trace_parent ? { traceParent: r.trace_parent, traceState: r.trace_state } : null,
        endpoint,
        lateMs: Number(r.late_ms ?? 0),
      });
    }
    return { endpoint, deliveries, endedDisabled, nextDueInMs: first.has_next ? Number(first.next_due_ms) : null };
  }

  /** Gives claimed deliveries back, due again now (they were not sent). Answers how many were still held. */
  /** A message's payload, read just before a large one is sent; null once expunged. */
  async payloadOf(messageId: string): Promise<string | null> {
    const rows = await this.sql.run<{ payload: string | null }>(PAYLOAD_OF, [messageId]);
    return rows[0]?.payload ?? null;
  }

  async giveBack(claims: readonly ClaimedDelivery[]): Promise<number> {
    if (claims.length === 0) return 0;
    const rows = await this.sql.run(GIVE_BACK, [claims.map((c) => c.id), claims.map((c) => c.lease)]);
    return rows.length;
  }

  /**
   * Records attempts of the common shape (no endpoint to disable, no operational event) in one
   * statement; answers one result per input, in order.
   */
  async recordMany(inputs: readonly RecordInput[]): Promise<Recorded[]> {
    const col = <T>(f: (r: RecordInput) => T) => inputs.map(f);
    const rows = await this.sql.run<{ id: string; owned: boolean; has_next: boolean; next_ms: string | number }>(RECORD_MANY, [
      col((r) => r.claim.id),
      col((r) => r.claim.endpoint.id),
      col((r) => r.claim.lease),
      col((r) => r.status),
      col((r) => r.attempt.attemptNumber),
      col((r) => (r.status === DeliveryStatus.Pending ? (r.retryDelayMs ?? 0) : null)),
      col((r) => r.failureRun),
      col((r) => r.attempt.startedAt),
      col((r) => r.attempt.id),
      col((r) => r.claim.messageId),
      col((r) => r.claim.endpoint.appId),
      col((r) => r.attempt.url),
      col((r) => r.attempt.status),
      col((r) => r.attempt.responseStatusCode),
      col((r) => r.attempt.responseBody),
      col((r) => r.attempt.responseDurationMs),
      col((r) => r.attempt.trigger),
      col((r) => jsonbText(r.attempt.requestHeaders)),
      col((r) => jsonbText(r.attempt.responseHeaders)),
      col((r) => r.attempt.error),
      col((r) => r.attempt.errorDetail),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return inputs.map((input) => {
      const row = byId.get(input.claim.id);
      return {
        owned: row?.owned ?? false,
        nextInMs: row?.has_next ? Number(row.next_ms) : null,
        endpointDisabled: false,
        operationalMessageIds: [],
      };
    });
  }

  /**
   * Records one attempt and its consequences in ONE statement: the attempt row, the delivery's
   * new state, the endpoint's failure run (written only when it changes), disabling the
   * endpoint, and the operational events. The delivery changes only if this sender still holds
   * its lease. (The rare shapes; recordMany takes the rest.)
   */
  async record(input: RecordInput): Promise<Recorded> {
    const { claim, attempt } = input;
    const params: unknown[] = [];
    const p = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const ctes: string[] = [];

    const nextAttempt = input.status === DeliveryStatus.Pending ? `now() + make_interval(secs => ${p(input.retryDelayMs ?? 0)}::double precision / 1000)` : 'NULL';
    ctes.push(`d AS (
      UPDATE deliveries SET status = ${p(input.status)}::smallint, attempts = ${p(attempt.attemptNumber)}::int, next_attempt_at = ${nextAttempt},
        next_trigger = ${TriggerType.Scheduled}, last_attempt_at = ${p(attempt.startedAt)}::timestamptz, updated_at = now()
      WHERE id = ${p(claim.id)} AND status = ${DeliveryStatus.Sending} AND next_attempt_at = ${p(claim.lease)}::timestamptz
      RETURNING next_attempt_at)`);
    ctes.push(`a AS (
      INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, url, status, response_status_code, response, response_body,
                            response_duration_ms, trigger_type, request_headers, response_headers, error, error_detail, created_at)
      SELECT ${p(attempt.id)}, ${p(claim.id)}, ${p(claim.messageId)}, ${p(claim.endpoint.id)}, ${p(claim.endpoint.appId)}, ${p(attempt.attemptNumber)}::int, ${p(attempt.url)},
             ${p(attempt.status)}::smallint, ${p(attempt.responseStatusCode)}::int, '', ${p(attempt.responseBody)}::bytea, ${p(attempt.responseDurationMs)}::int, ${p(attempt.trigger)}::smallint,
             ${p(jsonbText(attempt.requestHeaders))}::jsonb, ${p(jsonbText(attempt.responseHeaders))}::jsonb, ${p(attempt.error)}, ${p(attempt.errorDetail)}, ${p(attempt.startedAt)}::timestamptz
      WHERE EXISTS (SELECT 1 FROM d) OR NOT EXISTS (${SAME_ATTEMPT(`${p(claim.id)}::varchar`, `${p(attempt.attemptNumber)}::int`)}))`);

    // One UPDATE of the endpoint at most (a row may change only once per statement).
    let disabledCte = false;
    if (input.disable) {
      const condition = input.disable.reason === 'gone' ? 'true' : `first_failure_at <= now() - make_interval(secs => ${p(input.disable.disableAfterMs)}::double precision / 1000)`;
      ctes.push(`e AS (
        UPDATE endpoints SET disabled = true, first_failure_at = COALESCE(first_failure_at, ${p(attempt.startedAt)}::timestamptz), updated_at = now()
        WHERE id = ${p(claim.endpoint.id)} AND NOT disabled AND ${condition}
        RETURNING id)`);
      disabledCte = true;
    } else if (input.failureRun === 'start') {
      // The run starts at this attempt: the time endpoint.disabled will report as failSince.
      ctes.push(`e AS (UPDATE endpoints SET first_failure_at = ${p(attempt.startedAt)}::timestamptz WHERE id = ${p(claim.endpoint.id)} AND first_failure_at IS NULL RETURNING id)`);
    } else if (input.failureRun === 'clear') {
      ctes.push(`e AS (UPDATE endpoints SET first_failure_at = NULL WHERE id = ${p(claim.endpoint.id)} AND first_failure_at IS NOT NULL RETURNING id)`);
    }

    const opIds: string[] = [];
    const disabledEvent = input.disable?.event;
    if (input.operationalAppId && (input.events.length > 0 || (disabledCte && disabledEvent))) {
      const app = p(input.operationalAppId);
      input.events.forEach((event, i) => {
        ctes.push(
          `o${i} AS (INSERT INTO messages (id, app_id, event_type, payload) SELECT ${p(event.id)}::varchar, ${app}::varchar, ${p(event.eventType)}::varchar, ${p(event.payload)}::text FROM d RETURNING id)`,
        );
        opIds.push(`SELECT id FROM o${i}`);
      });
      if (disabledCte && disabledEvent) {
        ctes.push(
          `od AS (INSERT INTO messages (id, app_id, event_type, payload) SELECT ${p(disabledEvent.id)}::varchar, ${app}::varchar, ${p(disabledEvent.eventType)}::varchar, ${p(disabledEvent.payload)}::text FROM e RETURNING id)`,
        );
        opIds.push('SELECT id FROM od');
      }
    }

    const sql = `WITH ${ctes.join(',\n')}
      SELECT EXISTS (SELECT 1 FROM d) AS owned,
             (SELECT ${delayMsSql('next_attempt_at')} FROM d) AS next_ms,
             ${disabledCte ? 'EXISTS (SELECT 1 FROM e)' : 'false'} AS endpoint_disabled,
             ${opIds.length > 0 ? `ARRAY(${opIds.join(' UNION ALL ')})` : `'{}'::varchar[]`} AS op_ids`;
    const rows = await this.sql.query<{ owned: boolean; next_ms: string | null; endpoint_disabled: boolean; op_ids: string[] }>(sql, params);
    const row = rows[0]!;
    return {
      owned: row.owned,
      nextInMs: row.next_ms === null ? null : Number(row.next_ms),
      endpointDisabled: row.endpoint_disabled,
      operationalMessageIds: row.op_ids ?? [],
    };
  }

  /**
   * Makes the message's delivery to the endpoint due now for a resend, creating it if there is
   * none. A finished delivery (Success, Fail, Canceled) gets one Manual attempt; one still on its
   * retry schedule (Pending) has its next attempt brought forward to now and stays Scheduled; one
   * in flight (Sending) is left alone. Undefined when the message and endpoint are not of one app,
   * or the message's payload is gone (retention).
   */
  async resend(messageId: string, endpointId: string): Promise<{ id: string; status: DeliveryStatus; previousStatus: DeliveryStatus | null; delayMs: number } | undefined> {
    const rows = await this.sql.query<{ id: string; status: number; previous_status: number | null; delay_ms: string }>(
      `INSERT INTO deliveries AS d (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
       SELECT $1, m.id, e.id, m.app_id, ${DeliveryStatus.Pending}, 0, now(), ${TriggerType.Manual}
       FROM messages m JOIN endpoints e ON e.app_id = m.app_id
       WHERE m.id = $2 AND e.id = $3 AND m.payload IS NOT NULL
       -- the retention sweep empties a payload only while it holds the message's row lock
       FOR SHARE OF m
       ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
         status = CASE WHEN d.status = ${DeliveryStatus.Sending} THEN d.status ELSE ${DeliveryStatus.Pending} END,
         next_trigger = CASE WHEN d.status IN (${DeliveryStatus.Success}, ${DeliveryStatus.Fail}, ${DeliveryStatus.Canceled}) THEN ${TriggerType.Manual} ELSE d.next_trigger END,
         next_attempt_at = CASE WHEN d.status = ${DeliveryStatus.Sending} THEN d.next_attempt_at ELSE now() END,
         updated_at = now()
       RETURNING d.id, d.status, ${delayMsSql('d.next_attempt_at')} AS delay_ms,
                 -- a sub-select sees the row as it was before this statement (null when just inserted)
                 (SELECT o.status FROM deliveries o WHERE o.id = d.id) AS previous_status`,
      [newId(IdPrefix.delivery), messageId, endpointId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { id: row.id, status: row.status, previousStatus: row.previous_status, delayMs: Number(row.delay_ms) };
  }

  /**
   * One batch of `recover`: the endpoint's failed deliveries created in [fromId, toId) after
   * `afterId`, made due now for one Manual attempt each. Keyset-paged on the id, so a delivery that
   * fails again at once is not picked twice.
   */
  async recoverBatch(endpointId: string, fromId: string, toId: string, afterId: string, limit: number): Promise<{ id: string }[]> {
    return this.sql.query<{ id: string }>(
      `WITH picked AS (
         SELECT d.id FROM deliveries d JOIN messages m ON m.id = d.message_id AND m.payload IS NOT NULL
         WHERE d.endpoint_id = $1 AND d.status = ${DeliveryStatus.Fail} AND d.id >= $2 AND d.id < $3 AND d.id > $4
         ORDER BY d.id LIMIT $5
         -- a message whose payload is gone (retention) is not sent again; the sweep empties one only under its row lock
         FOR UPDATE OF d SKIP LOCKED FOR SHARE OF m)
       UPDATE deliveries d SET status = ${DeliveryStatus.Pending}, next_trigger = ${TriggerType.Manual}, next_attempt_at = now(), updated_at = now()
       FROM picked WHERE d.id = picked.id
       RETURNING d.id`,
      [endpointId, fromId, toId, afterId, limit],
    );
  }

  /**
   * Creates the one delivery of a message to one endpoint and marks the message fanned out (so it
   * goes nowhere else), in one statement. Undefined when the message and endpoint are not of one
   * app; `created` false when the delivery already existed.
   */
  async createSingle(messageId: string, endpointId: string): Promise<{ id: string; created: boolean; delayMs: number } | undefined> {
    const rows = await this.sql.query<{ found: boolean; created_id: string | null; existing_id: string | null; delay_ms: string | null }>(
      `WITH m AS (
         SELECT m.id, m.app_id, m.deliver_at FROM messages m JOIN endpoints e ON e.app_id = m.app_id AND e.id = $3 WHERE m.id = $2),
       created AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
         SELECT $1, m.id, $3, m.app_id, ${DeliveryStatus.Pending}, 0, GREATEST(now(), COALESCE(m.deliver_at, now())), ${TriggerType.Scheduled} FROM m
         ON CONFLICT (message_id, endpoint_id) DO NOTHING
         RETURNING id, next_attempt_at),
       marked AS (UPDATE messages SET fanned_out_at = now() WHERE id IN (SELECT id FROM m) AND fanned_out_at IS NULL)
       SELECT EXISTS (SELECT 1 FROM m) AS found,
              (SELECT id FROM created) AS created_id,
              (SELECT id FROM deliveries WHERE message_id = $2 AND endpoint_id = $3) AS existing_id,
              (SELECT ${delayMsSql('next_attempt_at')} FROM created) AS delay_ms`,
      [newId(IdPrefix.delivery), messageId, endpointId],
    );
    const row = rows[0];
    if (!row?.found) return undefined;
    if (row.created_id) return { id: row.created_id, created: true, delayMs: Number(row.delay_ms ?? 0) };
    return { id: row.existing_id!, created: false, delayMs: 0 };
  }

  /**
   * Expunges the payloads of the application's messages among `messageIds` (Svix expunge): the
   * text is set to NULL (not hidden), a remembered idempotent answer that carried it loses it too,
   * and deliveries still to be sent are made due now, so that they fail at once as
   * `payload_expunged` instead of waiting out their schedule. Answers the ids found (expunged,
   * also when they already were) and the endpoints to wake.
   */
  async expungeMessages(appId: string, messageIds: readonly string[]): Promise<{ ids: string[]; endpointIds: string[] }> {
    if (messageIds.length === 0) return { ids: [], endpointIds: [] };
    const rows = await this.sql.query<{ ids: string[]; endpoint_ids: string[] }>(
      `WITH m AS (
         UPDATE messages SET payload = NULL WHERE app_id = $1 AND id = ANY ($2::varchar[]) RETURNING id),
       k AS (
         UPDATE idempotency_keys SET response_body = jsonb_set(response_body, '{payload}', '{}'::jsonb)
         WHERE jsonb_typeof(response_body) = 'object' AND response_body ? 'payload' AND response_body->>'id' IN (SELECT id FROM m)),
       d AS (
         UPDATE deliveries SET next_attempt_at = LEAST(next_attempt_at, now()), updated_at = now()
         WHERE message_id IN (SELECT id FROM m) AND status = ${DeliveryStatus.Pending}
         RETURNING endpoint_id)
       SELECT COALESCE((SELECT array_agg(id) FROM m), '{}') AS ids, COALESCE((SELECT array_agg(DISTINCT endpoint_id) FROM d), '{}') AS endpoint_ids`,
      [appId, messageIds],
    );
    return { ids: rows[0]?.ids ?? [], endpointIds: rows[0]?.endpoint_ids ?? [] };
  }

  /** Up to `limit` ids of the application's messages that still have a payload, after `afterId` in id order. */
  async messagesWithPayload(appId: string, afterId: string, limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(`SELECT id FROM messages WHERE app_id = $1 AND id > $2 AND payload IS NOT NULL ORDER BY id LIMIT $3`, [appId, afterId, limit]);
    return rows.map((r) => r.id);
  }

  /** Removes an attempt's response body (Svix's attempt expunge: the text reads `EXPUNGED`). False when there is no such attempt of the message. */
  async expungeAttempt(messageId: string, attemptId: string): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(`UPDATE attempts SET response_body = NULL, response = 'EXPUNGED' WHERE id = $1 AND message_id = $2 RETURNING id`, [attemptId, messageId]);
    return rows.length > 0;
  }

  /**
   * One batch of `replay-missing`: the application's messages with ids in [fromId, toId) after
   * `afterId` that route to the endpoint, were fanned out, still have their payload and have no
   * delivery to it, each given a delivery due now (one Manual attempt, as recover). Answers the
   * last message id looked at (null: none left) and how many deliveries were created.
   */
  async replayMissingBatch(endpointId: string, fromId: string, toId: string, afterId: string, deliveryIds: readonly string[]): Promise<{ lastId: string | null; created: number }> {
    const rows = await this.sql.query<{ last_id: string | null; created: number }>(
      `WITH e AS (SELECT * FROM endpoints WHERE id = $1),
       picked AS (
         SELECT m.id, m.deliver_at, row_number() OVER (ORDER BY m.id) AS k
         FROM messages m CROSS JOIN e
         WHERE m.app_id = e.app_id AND m.id >= $2 AND m.id < $3 AND m.id > $4
           AND m.payload IS NOT NULL AND m.fanned_out_at IS NOT NULL
           AND ${routesToEndpointSql('e', 'm.event_type', 'm.channels')}
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.endpoint_id = e.id)
         ORDER BY m.id LIMIT cardinality($5::varchar[])),
       ins AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
         SELECT ($5::varchar[])[p.k], p.id, $1, (SELECT app_id FROM e), ${DeliveryStatus.Pending}, 0,
                GREATEST(now(), COALESCE(p.deliver_at, now())), ${TriggerType.Manual}
         FROM picked p
         ON CONFLICT (message_id, endpoint_id) DO NOTHING
         RETURNING id)
       SELECT (SELECT max(id) FROM picked) AS last_id, (SELECT count(*) FROM ins)::int AS created`,
      [endpointId, fromId, toId, afterId, deliveryIds],
    );
    return { lastId: rows[0]?.last_id ?? null, created: rows[0]?.created ?? 0 };
  }
}
