import { Injectable } from '@nestjs/common';
import { ApplicationKind, DeliveryStatus, TriggerType } from '@switchyard/db';
import { IdPrefix, newId } from '@switchyard/events';
import type { OperationalMessage } from '../operational-webhooks/operational-webhooks.js';
import { PreparedSql } from './prepared-sql.js';

/** A delivery this process claimed, with everything the attempt needs, read in the claim's round trip. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly messageId: string;
  readonly endpointId: string;
  readonly appId: string;
  /** Attempts made before this one. */
  readonly attemptsBefore: number;
  readonly trigger: TriggerType;
  /** The lease, as PostgreSQL wrote it (exact to the microsecond): proof of ownership on later writes. */
  readonly lease: string;
  readonly leaseEnd: Date;
  readonly payload: string;
  readonly eventId: string | null;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly endpointDisabled: boolean;
  readonly endpointUid: string | null;
  readonly endpointRateLimit: number | null;
  readonly endpointFailingSince: Date | null;
  readonly appUid: string | null;
  readonly appKind: ApplicationKind;
  readonly appRateLimit: number | null;
  /** Stored (possibly sealed) secrets that still sign, newest first. */
  readonly secrets: string[];
}

/** Where a delivery stands when a job could not claim it. */
export interface DeliveryState {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly delayMs: number;
}

/** A due time as written, and the wait until it measured on the database clock. */
export interface Scheduled {
  readonly dueAt: Date;
  readonly delayMs: number;
}

/** One attempt's row, as the processor recorded it. */
export interface AttemptRecord {
  readonly id: string;
  readonly attemptNumber: number;
  readonly url: string;
  readonly status: DeliveryStatus.Success | DeliveryStatus.Fail;
  readonly responseStatusCode: number;
  readonly response: string;
  readonly responseDurationMs: number;
  readonly trigger: TriggerType;
  readonly requestHeaders: Record<string, string>;
  readonly responseHeaders: Record<string, string>;
  readonly error: string | null;
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
  readonly next: Scheduled | null;
  readonly endpointDisabled: boolean;
  /** Operational messages created (to fan out). */
  readonly operationalMessageIds: string[];
}

/** `due_ms` of a timestamp: the wait until it, on the database clock, in whole ms. */
const DELAY_MS = (column: string) => `GREATEST(0, ceil(extract(epoch FROM (${column} - now())) * 1000))::bigint`;
const MS = 'make_interval(secs => $X::double precision / 1000)';
const ms = (param: number) => MS.replace('$X', `$${param}`);

interface ClaimRow {
  id: string;
  message_id: string;
  endpoint_id: string;
  app_id: string;
  attempts: number;
  next_trigger: number;
  lease: string;
  lease_end: Date;
  payload: string;
  event_id: string | null;
  url: string;
  headers: Record<string, string>;
  disabled: boolean;
  endpoint_uid: string | null;
  endpoint_rate_limit: number | null;
  first_failure_at: Date | null;
  app_uid: string | null;
  app_kind: ApplicationKind;
  app_rate_limit: number | null;
  secrets: string[];
}

/**
 * The delivery state machine in SQL. Every transition is one statement, conditional on the state
 * it expects, so duplicate or stale jobs and racing replicas change nothing:
 * Pending --claim--> Sending (lease) --record--> Success | Pending (retry) | Fail.
 */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly sql: PreparedSql) {}

  /**
   * Claims attempt `attempt` of the delivery if it is due and not held by a live lease, and reads
   * what the attempt needs (message, endpoint, application, active secrets) in the same round trip.
   * Undefined when the job is stale, early, or a duplicate.
   */
  async claim(deliveryId: string, attempt: number, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    const rows: ClaimRow[] = await this.sql.query(
      `WITH c AS (
         UPDATE deliveries SET status = ${DeliveryStatus.Sending}, next_attempt_at = now() + ${ms(3)}
         WHERE id = $1 AND attempts = $2 AND status IN (${DeliveryStatus.Pending}, ${DeliveryStatus.Sending}) AND next_attempt_at <= now()
         RETURNING id, message_id, endpoint_id, app_id, attempts, next_trigger, next_attempt_at)
       SELECT c.id, c.message_id, c.endpoint_id, c.app_id, c.attempts, c.next_trigger,
              c.next_attempt_at::text AS lease, c.next_attempt_at AS lease_end,
              m.payload, m.event_id,
              e.url, e.headers, e.disabled, e.uid AS endpoint_uid, e.rate_limit AS endpoint_rate_limit, e.first_failure_at,
              a.uid AS app_uid, a.kind AS app_kind, a.rate_limit AS app_rate_limit,
              ARRAY(SELECT s.secret FROM endpoint_secrets s
                    WHERE s.endpoint_id = c.endpoint_id AND (s.expires_at IS NULL OR s.expires_at > now())
                    ORDER BY s.created_at DESC, s.id DESC) AS secrets
       FROM c
       JOIN messages m ON m.id = c.message_id
       JOIN endpoints e ON e.id = c.endpoint_id
       JOIN applications a ON a.id = c.app_id`,
      [deliveryId, attempt - 1, leaseMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      messageId: row.message_id,
      endpointId: row.endpoint_id,
      appId: row.app_id,
      attemptsBefore: row.attempts,
      trigger: row.next_trigger as TriggerType,
      lease: row.lease,
      leaseEnd: row.lease_end,
      payload: row.payload,
      eventId: row.event_id,
      url: row.url,
      headers: row.headers ?? {},
      endpointDisabled: row.disabled,
      endpointUid: row.endpoint_uid,
      endpointRateLimit: row.endpoint_rate_limit,
      endpointFailingSince: row.first_failure_at,
      appUid: row.app_uid,
      appKind: row.app_kind,
      appRateLimit: row.app_rate_limit,
      secrets: row.secrets ?? [],
    };
  }

  /**
   * Makes the message's delivery to the endpoint due now for a resend, creating it if there is
   * none. A finished delivery (Success, Fail, Canceled) gets one Manual attempt; one still on its
   * retry schedule (Pending) has its next attempt brought forward to now and stays Scheduled; one
   * in flight (Sending) is left alone. Undefined when the message and endpoint are not of one app.
   */
  async resend(
    messageId: string,
    endpointId: string,
  ): Promise<{ id: string; attempts: number; status: DeliveryStatus; previousStatus: DeliveryStatus | null; next: Scheduled } | undefined> {
    const rows: { id: string; attempts: number; status: number; previous_status: number | null; next_attempt_at: Date; delay_ms: string }[] = await this.sql.query(
      `INSERT INTO deliveries AS d (id, message_id, endpoint_id, app_id, status, attempts, next_attempt_at, next_trigger)
       SELECT $1, m.id, e.id, m.app_id, ${DeliveryStatus.Pending}, 0, now(), ${TriggerType.Manual}
       FROM messages m JOIN endpoints e ON e.app_id = m.app_id
       WHERE m.id = $2 AND e.id = $3
       ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
         status = CASE WHEN d.status = ${DeliveryStatus.Sending} THEN d.status ELSE ${DeliveryStatus.Pending} END,
         next_trigger = CASE WHEN d.status IN (${DeliveryStatus.Success}, ${DeliveryStatus.Fail}, ${DeliveryStatus.Canceled}) THEN ${TriggerType.Manual} ELSE d.next_trigger END,
         next_attempt_at = CASE WHEN d.status = ${DeliveryStatus.Sending} THEN d.next_attempt_at ELSE now() END,
         updated_at = now()
       RETURNING d.id, d.attempts, d.status, d.next_attempt_at, ${DELAY_MS('d.next_attempt_at')} AS delay_ms,
                 -- a sub-select sees the row as it was before this statement (null when just inserted)
                 (SELECT o.status FROM deliveries o WHERE o.id = d.id) AS previous_status`,
      [newId(IdPrefix.delivery), messageId, endpointId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      attempts: row.attempts,
      status: row.status,
      previousStatus: row.previous_status,
      next: { dueAt: row.next_attempt_at, delayMs: Number(row.delay_ms) },
    };
  }

  /**
   * One batch of `recover`: the endpoint's failed deliveries created in [fromId, toId) after
   * `afterId`, made due now for one Manual attempt each. Keyset-paged on the id, so a delivery that
   * fails again at once is not picked twice.
   */
  async recoverBatch(endpointId: string, fromId: string, toId: string, afterId: string, limit: number): Promise<{ id: string; attempts: number; dueAt: Date }[]> {
    const rows: { id: string; attempts: number; next_attempt_at: Date }[] = await this.sql.query(
      `WITH picked AS (
         SELECT id FROM deliveries
         WHERE endpoint_id = $1 AND status = ${DeliveryStatus.Fail} AND id >= $2 AND id < $3 AND id > $4
         ORDER BY id LIMIT $5
         FOR UPDATE SKIP LOCKED)
       , recovered AS (
         UPDATE deliveries d SET status = ${DeliveryStatus.Pending}, next_trigger = ${TriggerType.Manual}, next_attempt_at = now(), updated_at = now()
         FROM picked WHERE d.id = picked.id
         RETURNING d.id, d.attempts, d.next_attempt_at)
       SELECT id, attempts, next_attempt_at FROM recovered`,
      [endpointId, fromId, toId, afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, attempts: r.attempts, dueAt: r.next_attempt_at }));
  }

  /**
   * Creates the one delivery of a message to one endpoint and marks the message fanned out (so it
   * goes nowhere else), in one statement. Undefined when the message and endpoint are not of one
   * app; `created` false when the delivery already existed.
   */
  async createSingle(messageId: string, endpointId: string): Promise<{ id: string; created: boolean; next: Scheduled | null } | undefined> {
    const rows: { found: boolean; created_id: string | null; existing_id: string | null; next_attempt_at: Date | null; delay_ms: string | null }[] =
      await this.sql.query(
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
                (SELECT next_attempt_at FROM created) AS next_attempt_at,
                (SELECT ${DELAY_MS('next_attempt_at')} FROM created) AS delay_ms`,
        [newId(IdPrefix.delivery), messageId, endpointId],
      );
    const row = rows[0];
    if (!row?.found) return undefined;
    if (row.created_id && row.next_attempt_at) {
      return { id: row.created_id, created: true, next: { dueAt: row.next_attempt_at, delayMs: Number(row.delay_ms ?? 0) } };
    }
    return { id: row.existing_id!, created: false, next: null };
  }

  /** The delivery's state, for a job that could not claim it. */
  async state(deliveryId: string): Promise<DeliveryState | undefined> {
    const rows: { status: number; attempts: number; next_attempt_at: Date | null; delay_ms: string | null }[] = await this.sql.query(
      `SELECT status, attempts, next_attempt_at, ${DELAY_MS('next_attempt_at')} AS delay_ms FROM deliveries WHERE id = $1`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { status: row.status, attempts: row.attempts, nextAttemptAt: row.next_attempt_at, delayMs: Number(row.delay_ms ?? 0) };
  }

  /** Gives a claimed delivery back, due again after `delayMs` (rate limit, busy endpoint, or an error before sending). */
  async defer(claim: ClaimedDelivery, delayMs: number): Promise<Scheduled | undefined> {
    const rows: { next_attempt_at: Date; delay_ms: string }[] = await this.sql.query(
      `WITH u AS (
         UPDATE deliveries SET status = ${DeliveryStatus.Pending}, next_attempt_at = now() + ${ms(3)}
         WHERE id = $1 AND status = ${DeliveryStatus.Sending} AND next_attempt_at = $2::timestamptz
         RETURNING next_attempt_at)
       SELECT next_attempt_at, ${DELAY_MS('next_attempt_at')} AS delay_ms FROM u`,
      [claim.id, claim.lease, Math.max(0, delayMs)],
    );
    const row = rows[0];
    return row ? { dueAt: row.next_attempt_at, delayMs: Number(row.delay_ms) } : undefined;
  }

  /**
   * Puts off attempt `attempt` of a delivery that is due (and not held by a live lease) until a
   * slot of its endpoint frees: due at `dueAt`, a time already past, so it needs no clock to run,
   * and a new due time gives its job a new id. False when the job was stale, early or a duplicate.
   */
  async waitForSlot(deliveryId: string, attempt: number, dueAt: Date): Promise<boolean> {
    const rows: unknown[] = await this.sql.query(
      `UPDATE deliveries SET status = ${DeliveryStatus.Pending}, next_attempt_at = $3
       WHERE id = $1 AND attempts = $2 AND status IN (${DeliveryStatus.Pending}, ${DeliveryStatus.Sending}) AND next_attempt_at <= now()
       RETURNING id`,
      [deliveryId, attempt - 1, dueAt],
    );
    return rows.length > 0;
  }

  /** Ends a claimed delivery without an attempt: its endpoint was disabled. `recover` can send it later. */
  async failWithoutAttempt(claim: ClaimedDelivery): Promise<void> {
    await this.sql.query(
      `UPDATE deliveries SET status = ${DeliveryStatus.Fail}, next_attempt_at = NULL, next_trigger = ${TriggerType.Scheduled}, updated_at = now()
       WHERE id = $1 AND status = ${DeliveryStatus.Sending} AND next_attempt_at = $2::timestamptz`,
      [claim.id, claim.lease],
    );
  }

  /**
   * Records one attempt and its consequences in ONE statement: the attempt row, the delivery's
   * new state, the endpoint's failure run (written only when it changes), disabling the endpoint,
   * and the operational events. The delivery changes only if this sender still holds its lease.
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
      INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, url, status, response_status_code, response,
                            response_duration_ms, trigger_type, request_headers, response_headers, error, created_at)
      VALUES (${p(attempt.id)}, ${p(claim.id)}, ${p(claim.messageId)}, ${p(claim.endpointId)}, ${p(claim.appId)}, ${p(attempt.attemptNumber)}, ${p(attempt.url)},
              ${p(attempt.status)}, ${p(attempt.responseStatusCode)}, ${p(attempt.response)}, ${p(attempt.responseDurationMs)}, ${p(attempt.trigger)},
              ${p(JSON.stringify(attempt.requestHeaders))}::jsonb, ${p(JSON.stringify(attempt.responseHeaders))}::jsonb, ${p(attempt.error)}, ${p(attempt.startedAt)})
      ON CONFLICT (delivery_id, attempt_number) DO NOTHING)`);

    // One UPDATE of the endpoint at most (a row may change only once per statement).
    let disabledCte = false;
    if (input.disable) {
      const condition =
        input.disable.reason === 'gone' ? 'true' : `first_failure_at <= now() - make_interval(secs => ${p(input.disable.disableAfterMs)}::double precision / 1000)`;
      ctes.push(`e AS (
        UPDATE endpoints SET disabled = true, first_failure_at = COALESCE(first_failure_at, ${p(attempt.startedAt)}::timestamptz), updated_at = now()
        WHERE id = ${p(claim.endpointId)} AND NOT disabled AND ${condition}
        RETURNING id)`);
      disabledCte = true;
    } else if (input.failureRun === 'start') {
      // The run starts at this attempt: the time endpoint.disabled will report as failSince.
      ctes.push(`e AS (UPDATE endpoints SET first_failure_at = ${p(attempt.startedAt)}::timestamptz WHERE id = ${p(claim.endpointId)} AND first_failure_at IS NULL RETURNING id)`);
    } else if (input.failureRun === 'clear') {
      ctes.push(`e AS (UPDATE endpoints SET first_failure_at = NULL WHERE id = ${p(claim.endpointId)} AND first_failure_at IS NOT NULL RETURNING id)`);
    }

    const opIds: string[] = [];
    const disabledEvent = input.disable?.event;
    if (input.operationalAppId && (input.events.length > 0 || (disabledCte && disabledEvent))) {
      const app = p(input.operationalAppId);
      input.events.forEach((event, i) => {
        ctes.push(`o${i} AS (INSERT INTO messages (id, app_id, event_type, payload) SELECT ${p(event.id)}::varchar, ${app}::varchar, ${p(event.eventType)}::varchar, ${p(event.payload)}::text FROM d RETURNING id)`);
        opIds.push(`SELECT id FROM o${i}`);
      });
      if (disabledCte && disabledEvent) {
        ctes.push(`od AS (INSERT INTO messages (id, app_id, event_type, payload) SELECT ${p(disabledEvent.id)}::varchar, ${app}::varchar, ${p(disabledEvent.eventType)}::varchar, ${p(disabledEvent.payload)}::text FROM e RETURNING id)`);
        opIds.push('SELECT id FROM od');
      }
    }

    const sql = `WITH ${ctes.join(',\n')}
      SELECT EXISTS (SELECT 1 FROM d) AS owned,
             (SELECT next_attempt_at FROM d) AS next_attempt_at,
             (SELECT ${DELAY_MS('next_attempt_at')} FROM d) AS delay_ms,
             ${disabledCte ? 'EXISTS (SELECT 1 FROM e)' : 'false'} AS endpoint_disabled,
             ${opIds.length > 0 ? `ARRAY(${opIds.join(' UNION ALL ')})` : `'{}'::varchar[]`} AS op_ids`;
    const rows: { owned: boolean; next_attempt_at: Date | null; delay_ms: string | null; endpoint_disabled: boolean; op_ids: string[] }[] =
      await this.sql.query(sql, params);
    const row = rows[0]!;
    return {
      owned: row.owned,
      next: row.next_attempt_at ? { dueAt: row.next_attempt_at, delayMs: Number(row.delay_ms ?? 0) } : null,
      endpointDisabled: row.endpoint_disabled,
      operationalMessageIds: row.op_ids ?? [],
    };
  }
}
