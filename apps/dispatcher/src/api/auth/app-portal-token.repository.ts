import { createHash, randomBytes } from 'node:crypto';
import { ApplicationKind, AppPortalTokenEntity } from '@switchyard/db';
import { newId } from '@switchyard/events';
import type { DataSource } from 'typeorm';

/** Every app portal token starts with this, so the authenticator can tell one from the admin key without a lookup. */
export const APP_PORTAL_TOKEN_PREFIX = 'sy_portal_';
/** 32 random bytes, base64url: 43 characters. */
const TOKEN_RANDOM_BYTES = 32;
const TOKEN_SHAPE = new RegExp(`^${APP_PORTAL_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

/** Whether the text has the shape of an app portal token. */
export function looksLikeAppPortalToken(text: string): boolean {
  return TOKEN_SHAPE.test(text);
}

/** Hex SHA-256 of a token: what the database keeps. A 256-bit random token needs no slow hash or salt. */
export function hashAppPortalToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What a new token carries. */
export interface NewAppPortalToken {
  readonly appId: string;
  readonly capabilities: readonly string[];
  readonly readOnly: boolean;
  readonly featureFlags: readonly string[];
  readonly sessionId: string | null;
  readonly expiresAt: Date;
}

/** A token's row with its application, as the authenticator needs it. */
export interface AppPortalTokenRecord {
  readonly id: string;
  readonly appId: string;
  readonly capabilities: string[];
  readonly readOnly: boolean;
  readonly featureFlags: string[];
  readonly sessionId: string | null;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  /** Now, by the database's clock, so that expiry is judged by one clock. */
  readonly now: Date;
  readonly appUid: string | null;
  readonly appName: string;
  readonly appMetadata: Record<string, string>;
  /** False once the application was deleted. */
  readonly appLive: boolean;
}

/** The only code that touches `app_portal_tokens`. */
export class AppPortalTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new token's hash and answers the token: the only time it exists outside the caller. */
  async issue(fields: NewAppPortalToken): Promise<{ id: string; token: string }> {
    const token = APP_PORTAL_TOKEN_PREFIX + randomBytes(TOKEN_RANDOM_BYTES).toString('base64url');
    const id = newId('aptok');
    await this.dataSource.manager.insert(AppPortalTokenEntity, {
      id,
      appId: fields.appId,
      tokenHash: hashAppPortalToken(token),
      capabilities: [...fields.capabilities],
      readOnly: fields.readOnly,
      featureFlags: [...fields.featureFlags],
      sessionId: fields.sessionId,
      expiresAt: fields.expiresAt,
      revokedAt: null,
    });
    return { id, token };
  }

  /** The token with this hash and its application, live or not; null when there is none. */
  async findByToken(token: string): Promise<AppPortalTokenRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT t.id, t.app_id, t.capabilities, t.read_only, t.feature_flags, t.session_id, t.expires_at, t.revoked_at, now() AS now,
              a.uid AS app_uid, a.name AS app_name, a.metadata AS app_metadata, a.kind = $2 AS app_live
       FROM app_portal_tokens t JOIN applications a ON a.id = t.app_id
       WHERE t.token_hash = $1`,
      [hashAppPortalToken(token), ApplicationKind.App],
    )) as {
      id: string;
      app_id: string;
      capabilities: string[];
      read_only: boolean;
      feature_flags: string[];
      session_id: string | null;
      expires_at: Date;
      revoked_at: Date | null;
      now: Date;
      app_uid: string | null;
      app_name: string;
      app_metadata: Record<string, string>;
      app_live: boolean;
    }[];
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      appId: row.app_id,
      capabilities: row.capabilities,
      readOnly: row.read_only,
      featureFlags: row.feature_flags,
      sessionId: row.session_id,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      now: row.now,
      appUid: row.app_uid,
      appName: row.app_name,
      appMetadata: row.app_metadata,
      appLive: row.app_live,
    };
  }

  /** Revokes one token now (logout). */
  async revoke(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE app_portal_tokens SET revoked_at = now(), expires_at = LEAST(expires_at, now()) WHERE id = $1 AND expires_at > now()`, [id]);
  }

  /**
   * Ends every live token of the application (only those of the given sessions, when some are
   * named): now, or after `graceSeconds` (a token due to expire sooner keeps its own expiry).
   * Answers how many tokens it changed.
   */
  async expireAll(appId: string, graceSeconds: number | null, sessionIds: readonly string[] | null): Promise<number> {
    const params: unknown[] = [appId];
    let set = `revoked_at = now(), expires_at = LEAST(expires_at, now())`;
    if (graceSeconds !== null && graceSeconds > 0) {
      params.push(graceSeconds);
      set = `expires_at = LEAST(expires_at, now() + make_interval(secs => $${params.length}::double precision))`;
    }
    let where = `app_id = $1 AND expires_at > now()`;
    if (sessionIds && sessionIds.length > 0) {
      params.push(sessionIds);
      where += ` AND session_id = ANY($${params.length}::varchar[])`;
    }
    const [, affected] = (await this.dataSource.query(`UPDATE app_portal_tokens SET ${set} WHERE ${where}`, params)) as [unknown, number];
    return affected;
  }
}
