import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Svix's expunge operations (issue 14): an expunged message keeps its row (id, type, routing,
 * attempt log) but not its payload, so `messages.payload` may be NULL. The response bodies of
 * attempts were already nullable. Long operations (replay-missing, expunge-all-contents) answer
 * Svix's BackgroundTaskOut, which `GET /api/v1/background-task/{id}` reads back from
 * `background_tasks`. Idempotent, so it composes with a retention migration that also relaxes
 * the payload column.
 */
export class ExpungeContent1764806400000 implements MigrationInterface {
  name = 'ExpungeContent1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ALTER COLUMN payload DROP NOT NULL`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS background_tasks (
        id varchar(40) PRIMARY KEY,
        app_id varchar(40) REFERENCES applications (id) ON DELETE CASCADE,
        task varchar(64) NOT NULL,
        status varchar(16) NOT NULL CONSTRAINT background_tasks_status_check CHECK (status IN ('running', 'finished', 'failed')),
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX IF NOT EXISTS background_tasks_app_id_idx ON background_tasks (app_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS background_tasks`);
    await q.query(`UPDATE messages SET payload = '{}' WHERE payload IS NULL`);
    await q.query(`ALTER TABLE messages ALTER COLUMN payload SET NOT NULL`);
  }
}
