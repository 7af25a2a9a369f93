import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * App-scoped access (issue 13): app portal tokens, stored only as their SHA-256. A token goes
 * with its application (cascade); `app_portal_tokens_app_idx` serves expire-all, and
 * `app_portal_tokens_expires_idx` the retention sweep (a revoked token's `expires_at` is its
 * revocation time).
 */
export class AppPortalTokens1764878400000 implements MigrationInterface {
  name = 'AppPortalTokens1764878400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_portal_tokens (
        id varchar(40) PRIMARY KEY,
        app_id varchar(40) NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        token_hash varchar(64) NOT NULL,
        capabilities text[] NOT NULL,
        read_only boolean NOT NULL DEFAULT false,
        feature_flags text[] NOT NULL DEFAULT '{}',
        session_id varchar(256),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX app_portal_tokens_hash_key ON app_portal_tokens (token_hash)`);
    await q.query(`CREATE INDEX app_portal_tokens_app_idx ON app_portal_tokens (app_id, expires_at)`);
    await q.query(`CREATE INDEX app_portal_tokens_expires_idx ON app_portal_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE app_portal_tokens`);
  }
}
