import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The whole first schema: dispatcher (docs/api.md §3) and gateway (§6) tables with their indexes. */
export class Initial1764288000000 implements MigrationInterface {
  name = 'Initial1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE applications (
        id          varchar(40)  PRIMARY KEY,
        uid         varchar(256),
        name        varchar(256) NOT NULL,
        kind        varchar(16)  NOT NULL DEFAULT 'app' CONSTRAINT applications_kind_check CHECK (kind IN ('app', 'source', 'operational')),
        rate_limit  integer      CONSTRAINT applications_rate_limit_check CHECK (rate_limit IS NULL OR rate_limit > 0),
        metadata    jsonb        NOT NULL DEFAULT '{}',
        created_at  timestamptz  NOT NULL DEFAULT now(),
        updated_at  timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX applications_uid_key ON applications (uid)`);
    await q.query(`CREATE INDEX applications_kind_id_idx ON applications (kind, id)`);
    // One operational-webhooks application per installation: the dispatcher finds or creates it by kind.
    await q.query(`CREATE UNIQUE INDEX applications_operational_key ON applications (kind) WHERE kind = 'operational'`);

    await q.query(`
      CREATE TABLE event_types (
        name           varchar(256) PRIMARY KEY,
        description    text         NOT NULL DEFAULT '',
        archived       boolean      NOT NULL DEFAULT false,
        deprecated     boolean      NOT NULL DEFAULT false,
        feature_flags  text[],
        group_name     varchar(256),
        schemas        jsonb,
        created_at     timestamptz  NOT NULL DEFAULT now(),
        updated_at     timestamptz  NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE endpoints (
        id                varchar(40)  PRIMARY KEY,
        app_id            varchar(40)  NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        uid               varchar(256),
        url               text         NOT NULL,
        description       text         NOT NULL DEFAULT '',
        version           integer      NOT NULL DEFAULT 1 CONSTRAINT endpoints_version_check CHECK (version >= 1),
        rate_limit        integer      CONSTRAINT endpoints_rate_limit_check CHECK (rate_limit IS NULL OR rate_limit > 0),
        disabled          boolean      NOT NULL DEFAULT false,
        filter_types      text[],
        channels          text[],
        metadata          jsonb        NOT NULL DEFAULT '{}',
        headers           jsonb        NOT NULL DEFAULT '{}',
        first_failure_at  timestamptz,
        created_at        timestamptz  NOT NULL DEFAULT now(),
        updated_at        timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX endpoints_app_uid_key ON endpoints (app_id, uid)`);
    await q.query(`CREATE INDEX endpoints_app_id_idx ON endpoints (app_id, id)`);

    await q.query(`
      CREATE TABLE endpoint_secrets (
        id           bigserial    PRIMARY KEY,
        endpoint_id  varchar(40)  NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
        secret       text         NOT NULL,
        expires_at   timestamptz,
        created_at   timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX endpoint_secrets_endpoint_idx ON endpoint_secrets (endpoint_id, created_at)`);

    await q.query(`
      CREATE TABLE messages (
        id          varchar(40)  PRIMARY KEY,
        app_id      varchar(40)  NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        event_type  varchar(256) NOT NULL,
        event_id    varchar(256),
        payload     text         NOT NULL,
        channels    text[],
        tags        text[],
        deliver_at  timestamptz,
        fanned_out_at timestamptz,
        created_at  timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX messages_app_event_id_key ON messages (app_id, event_id)`);
    await q.query(`CREATE INDEX messages_app_id_idx ON messages (app_id, id)`);
    await q.query(`CREATE INDEX messages_fan_out_pending_idx ON messages (created_at) WHERE fanned_out_at IS NULL`);

    await q.query(`
      CREATE TABLE deliveries (
        id               varchar(40)  PRIMARY KEY,
        message_id       varchar(40)  NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        endpoint_id      varchar(40)  NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
        app_id           varchar(40)  NOT NULL,
        status           smallint     NOT NULL DEFAULT 1 CONSTRAINT deliveries_status_check CHECK (status IN (0, 1, 2, 3, 4)),
        attempts         integer      NOT NULL DEFAULT 0 CONSTRAINT deliveries_attempts_check CHECK (attempts >= 0),
        next_attempt_at  timestamptz,
        next_trigger     smallint     NOT NULL DEFAULT 0,
        last_attempt_at  timestamptz,
        created_at       timestamptz  NOT NULL DEFAULT now(),
        updated_at       timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX deliveries_message_endpoint_key ON deliveries (message_id, endpoint_id)`);
    await q.query(`CREATE INDEX deliveries_endpoint_id_idx ON deliveries (endpoint_id, id)`);
    await q.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE attempts (
        id                    varchar(40)  PRIMARY KEY,
        delivery_id           varchar(40)  NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
        message_id            varchar(40)  NOT NULL,
        endpoint_id           varchar(40)  NOT NULL,
        app_id                varchar(40)  NOT NULL,
        attempt_number        integer      NOT NULL,
        url                   text         NOT NULL,
        status                smallint     NOT NULL,
        response_status_code  integer      NOT NULL,
        response              text         NOT NULL DEFAULT '',
        response_duration_ms  integer      NOT NULL,
        trigger_type          smallint     NOT NULL,
        request_headers       jsonb        NOT NULL DEFAULT '{}',
        response_headers      jsonb        NOT NULL DEFAULT '{}',
        error                 varchar(64),
        created_at            timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX attempts_endpoint_id_idx ON attempts (endpoint_id, id)`);
    await q.query(`CREATE INDEX attempts_message_id_idx ON attempts (message_id, id)`);
    await q.query(`CREATE UNIQUE INDEX attempts_delivery_idx ON attempts (delivery_id, attempt_number)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        scope            varchar(128) NOT NULL,
        key              varchar(256) NOT NULL,
        request_hash     varchar(64)  NOT NULL,
        response_status  integer,
        response_body    jsonb,
        created_at       timestamptz  NOT NULL DEFAULT now(),
        expires_at       timestamptz  NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);

    await q.query(`
      CREATE TABLE sources (
        id            varchar(40)  PRIMARY KEY,
        uid           varchar(256),
        name          varchar(256) NOT NULL,
        type          varchar(64)  NOT NULL,
        config        text         NOT NULL,
        metadata      jsonb        NOT NULL DEFAULT '{}',
        ingest_token  varchar(64)  NOT NULL,
        app_id        varchar(40)  NOT NULL REFERENCES applications (id) ON DELETE RESTRICT,
        created_at    timestamptz  NOT NULL DEFAULT now(),
        updated_at    timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX sources_uid_key ON sources (uid)`);
    await q.query(`CREATE UNIQUE INDEX sources_ingest_token_key ON sources (ingest_token)`);
    await q.query(`CREATE UNIQUE INDEX sources_app_key ON sources (app_id)`);

    await q.query(`
      CREATE TABLE inbound_requests (
        id                 varchar(40)  PRIMARY KEY,
        source_id          varchar(40)  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        received_at        timestamptz  NOT NULL DEFAULT now(),
        method             varchar(16)  NOT NULL,
        url                text         NOT NULL,
        headers            jsonb        NOT NULL DEFAULT '{}',
        body               bytea        NOT NULL,
        body_size          integer      NOT NULL,
        outcome            varchar(16)  NOT NULL CONSTRAINT inbound_requests_outcome_check CHECK (outcome IN ('accepted', 'duplicate', 'rejected', 'handshake')),
        reason             varchar(64),
        response_status    integer      NOT NULL,
        provider_event_id  varchar(512),
        event_id           varchar(40),
        message_id         varchar(40)
      )`);
    await q.query(`CREATE INDEX inbound_requests_source_id_idx ON inbound_requests (source_id, id)`);
    await q.query(`CREATE UNIQUE INDEX inbound_requests_dedup_key ON inbound_requests (source_id, provider_event_id) WHERE outcome = 'accepted'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['inbound_requests', 'sources', 'idempotency_keys', 'attempts', 'deliveries', 'messages', 'endpoint_secrets', 'endpoints', 'event_types', 'applications']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
