import { IdempotencyKeyEntity, prepared, runPrepared } from '@switchyard/db';
import type { DataSource } from 'typeorm';

/** Claims the key, or takes over one whose time is over (the sweep may not have removed it yet). */
const CLAIM = prepared(
  `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at) VALUES ($1, $2, $3, $4)
   ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
     created_at = now(), expires_at = EXCLUDED.expires_at
   WHERE idempotency_keys.expires_at < now()
   RETURNING scope`,
);

/** The idempotency_keys table, for IdempotencyInterceptor. */
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  /** True when this request now holds the key; false when another holds it (running or answered). */
  async claim(scope: string, key: string, requestHash: string, expiresAt: Date): Promise<boolean> {
    return (await runPrepared(this.dataSource, CLAIM, [scope, key, requestHash, expiresAt])).length > 0;
  }

  /** The key's row, or null (removed meanwhile). */
  find(scope: string, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.dataSource.getRepository(IdempotencyKeyEntity).findOneBy({ scope, key });
  }

  /** Keeps the answer to replay. */
  async answer(scope: string, key: string, responseStatus: number, responseBody: object): Promise<void> {
    await this.dataSource.getRepository(IdempotencyKeyEntity).update({ scope, key }, { responseStatus, responseBody });
  }

  /** Gives the key up (the request failed with a 5xx: a retry may run it again). */
  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.getRepository(IdempotencyKeyEntity).delete({ scope, key });
  }
}
