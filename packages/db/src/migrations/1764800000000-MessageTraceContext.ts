import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context a message was published in (issue 15): every attempt's span is a child of
 * it, and every attempt sends it on. Nullable: most messages carry none while tracing is off, and
 * adding a nullable column without a default rewrites nothing.
 */
export class MessageTraceContext1764800000000 implements MigrationInterface {
  name = 'MessageTraceContext1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN trace_parent varchar(55), ADD COLUMN trace_state varchar(512)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN trace_parent, DROP COLUMN trace_state`);
  }
}
