import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's claim takes its due deliveries oldest first, `ORDER BY next_attempt_at, id`. The
 * index had only (endpoint_id, next_attempt_at), so until PostgreSQL had statistics for a burst
 * (autovacuum's ANALYZE comes later) the plan read and sorted the endpoint's whole backlog on
 * every claim: 36–43 ms for 50,000 due deliveries against 0.09 ms after ANALYZE. With `id` in
 * the index the order is the index's own, so a claim reads only the rows it takes, with or
 * without statistics.
 */
export class ClaimOrder1764748800000 implements MigrationInterface {
  name = 'ClaimOrder1764748800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deliveries_endpoint_due_idx`);
    await q.query(`CREATE INDEX deliveries_endpoint_due_idx ON deliveries (endpoint_id, next_attempt_at, id) WHERE status IN (1, 3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deliveries_endpoint_due_idx`);
    await q.query(`CREATE INDEX deliveries_endpoint_due_idx ON deliveries (endpoint_id, next_attempt_at) WHERE status IN (1, 3)`);
  }
}
