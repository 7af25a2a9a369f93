import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (issue 14): nothing grows for ever.
 * - `messages.payload` may be NULL: a payload past its retention is removed from the row (the
 *   message itself stays, without content, until its deliveries and attempts are gone too).
 * - `messages.payload_expires_at`: a per-message retention (`payloadRetentionPeriod` /
 *   `payloadRetentionHours`); NULL means PAYLOAD_RETENTION counted from `created_at`.
 * - Two partial indexes hold only the messages whose payload is still there, one per kind of
 *   expiry, so the sweep finds what has expired without reading what it already emptied.
 * - applications may be of kind `deleted`: deleted through the API, hidden at once, their rows
 *   removed by the sweep in batches (applications_kind_id_idx finds them).
 * Attempts, deliveries, messages and inbound requests are swept by their time-sortable ids
 * (the primary keys), so they need no index of their own; idempotency keys have theirs already.
 */
export class Retention1764835200000 implements MigrationInterface {
  name = 'Retention1764835200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ALTER COLUMN payload DROP NOT NULL, ADD COLUMN payload_expires_at timestamptz`);
    await q.query(`CREATE INDEX messages_payload_default_idx ON messages (created_at) WHERE payload IS NOT NULL AND payload_expires_at IS NULL`);
    await q.query(`CREATE INDEX messages_payload_expires_idx ON messages (payload_expires_at) WHERE payload IS NOT NULL AND payload_expires_at IS NOT NULL`);
    await q.query(`ALTER TABLE applications DROP CONSTRAINT applications_kind_check`);
    await q.query(`ALTER TABLE applications ADD CONSTRAINT applications_kind_check CHECK (kind IN ('app', 'source', 'operational', 'deleted'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM applications WHERE kind = 'deleted'`);
    await q.query(`ALTER TABLE applications DROP CONSTRAINT applications_kind_check`);
    await q.query(`ALTER TABLE applications ADD CONSTRAINT applications_kind_check CHECK (kind IN ('app', 'source', 'operational'))`);
    await q.query(`DROP INDEX messages_payload_expires_idx`);
    await q.query(`DROP INDEX messages_payload_default_idx`);
    await q.query(`UPDATE messages SET payload = '{"expired":true}' WHERE payload IS NULL`);
    await q.query(`ALTER TABLE messages DROP COLUMN payload_expires_at, ALTER COLUMN payload SET NOT NULL`);
  }
}
