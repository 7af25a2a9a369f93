import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dedup keys move out of the request log into `inbound_dedup_keys`, one row per (source, key)
 * with the time it was claimed, so that a duplicate is judged within DEDUP_WINDOW (a unique index
 * on the log could only say "ever") and keys outlive request bodies. `inbound_requests` keeps the
 * provider's id as shown and gains the key it was judged by.
 *
 * Carried over: every accepted request's key (until now the provider id), and, for the sources
 * whose provider signs no id and whose new key is the SHA-256 of the signed body (GitHub, Shopify,
 * Bitbucket, GitLab), that digest for the requests accepted in the last 7 days (the default
 * window), so that a redelivery of an event accepted before the upgrade is still a duplicate.
 * Twilio forms and Linear are keyed on digests SQL cannot rebuild; their keys start afresh.
 */
export class DedupWindow1764784800000 implements MigrationInterface {
  name = 'DedupWindow1764784800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_dedup_keys (
        source_id    varchar(40)  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        dedup_key    varchar(512) NOT NULL,
        accepted_at  timestamptz  NOT NULL DEFAULT now(),
        request_id   varchar(40)  NOT NULL,
        event_id     varchar(40),
        message_id   varchar(40),
        PRIMARY KEY (source_id, dedup_key)
      )`);
    await q.query(`CREATE INDEX inbound_dedup_keys_accepted_at_idx ON inbound_dedup_keys (accepted_at)`);
    await q.query(`ALTER TABLE inbound_requests ADD COLUMN dedup_key varchar(512)`);
    await q.query(`UPDATE inbound_requests SET dedup_key = provider_event_id WHERE provider_event_id IS NOT NULL AND outcome IN ('accepted', 'duplicate')`);
    await q.query(`
      INSERT INTO inbound_dedup_keys (source_id, dedup_key, accepted_at, request_id, event_id, message_id)
      SELECT source_id, provider_event_id, received_at, id, event_id, message_id
      FROM inbound_requests WHERE outcome = 'accepted' AND provider_event_id IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await q.query(`
      INSERT INTO inbound_dedup_keys (source_id, dedup_key, accepted_at, request_id, event_id, message_id)
      SELECT r.source_id, 'sha256:' || encode(sha256(r.body), 'hex'), r.received_at, r.id, r.event_id, r.message_id
      FROM inbound_requests r JOIN sources s ON s.id = r.source_id
      WHERE r.outcome = 'accepted' AND s.type IN ('github', 'shopify', 'bitbucket', 'gitlab') AND r.received_at > now() - interval '7 days'
      ORDER BY r.received_at
      ON CONFLICT DO NOTHING`);
    await q.query(`DROP INDEX inbound_requests_dedup_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Fails if the window let one key be accepted twice: the old index allowed it once, ever.
    await q.query(`UPDATE inbound_requests SET provider_event_id = dedup_key WHERE dedup_key IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX inbound_requests_dedup_key ON inbound_requests (source_id, provider_event_id) WHERE outcome = 'accepted'`);
    await q.query(`ALTER TABLE inbound_requests DROP COLUMN dedup_key`);
    await q.query(`DROP TABLE inbound_dedup_keys`);
  }
}
