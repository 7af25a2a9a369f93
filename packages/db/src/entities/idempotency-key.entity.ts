import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A remembered answer to a POST carrying `idempotency-key`, replayed for 24 hours. */
@Entity('idempotency_keys')
@Index('idempotency_keys_expires_idx', ['expiresAt'])
export class IdempotencyKeyEntity {
  /** Who asked and where: a hash of the credential, the method and the path. */
  @PrimaryColumn({ type: 'varchar', length: 128 })
  scope: string;

  @PrimaryColumn({ type: 'varchar', length: 256 })
  key: string;

  /** SHA-256 of the request body, to refuse a reused key with a different request. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash: string;

  /** Null while the first request is still running. */
  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus: number | null;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
