import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fair delivery engine (isolation issue):
 * - deliveries are claimed per endpoint, oldest due first, and the reconciler finds endpoints
 *   with overdue work by a loose index scan: both read `deliveries_endpoint_due_idx`, which holds
 *   only the rows still to be sent (Pending, or Sending under a lease). The old global due index
 *   has no reader left, and every state change paid for it.
 * - messages are fanned out per application, round robin (a turn takes a batch of one
 *   application's oldest unfanned messages): messages_app_unfanned_idx serves those turns and the
 *   reconciler's walk over applications, and replaces the global messages_fan_out_pending_idx.
 * - an attempt keeps the response body as the bytes received (`response_body`), whatever they
 *   are (binary, NUL bytes, invalid UTF-8), and says in words why there was no response
 *   (`error_detail`). `response` (text) stays for rows written before.
 */
export class Isolation1764720000000 implements MigrationInterface {
  name = 'Isolation1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX deliveries_endpoint_due_idx ON deliveries (endpoint_id, next_attempt_at) WHERE status IN (1, 3)`);
    await q.query(`DROP INDEX deliveries_due_idx`);
    await q.query(`ALTER TABLE attempts ADD COLUMN response_body bytea, ADD COLUMN error_detail text`);
    await q.query(`CREATE INDEX messages_app_unfanned_idx ON messages (app_id, created_at, id) WHERE fanned_out_at IS NULL`);
    await q.query(`DROP INDEX messages_fan_out_pending_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_fan_out_pending_idx ON messages (created_at) WHERE fanned_out_at IS NULL`);
    await q.query(`DROP INDEX messages_app_unfanned_idx`);
    await q.query(`ALTER TABLE attempts DROP COLUMN error_detail, DROP COLUMN response_body`);
    await q.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL`);
    await q.query(`DROP INDEX deliveries_endpoint_due_idx`);
  }
}
