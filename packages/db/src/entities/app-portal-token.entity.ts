import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity.js';
import { ID_LENGTH } from './id-length.js';

/**
 * An app portal token (Svix `authentication.appPortalAccess`): a bearer token scoped to one
 * application and its capabilities. Only the SHA-256 of the token is stored; the token itself is
 * shown once, in the answer that issues it. A revoked token has `revoked_at` set and its
 * `expires_at` brought forward to the revocation, so `expires_at` alone says whether a token
 * still works and when the retention sweep may remove the row.
 */
@Entity('app_portal_tokens')
@Index('app_portal_tokens_hash_key', ['tokenHash'], { unique: true })
@Index('app_portal_tokens_app_idx', ['appId', 'expiresAt'])
@Index('app_portal_tokens_expires_idx', ['expiresAt'])
export class AppPortalTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  app?: ApplicationEntity;

  /** Hex SHA-256 of the token. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** Svix AppPortalCapability names. */
  @Column({ type: 'text', array: true })
  capabilities: string[];

  @Column({ name: 'read_only', type: 'boolean', default: false })
  readOnly: boolean;

  @Column({ name: 'feature_flags', type: 'text', array: true, default: () => `'{}'` })
  featureFlags: string[];

  @Column({ name: 'session_id', type: 'varchar', length: 256, nullable: true })
  sessionId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
