import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { ApplicationEntity } from './application.entity.js';
import { ID_LENGTH } from './id-length.js';

/**
 * A gateway source (Svix Ingest): a provider type, its verification config and the token in its
 * ingest URL. Its ingest endpoints are endpoints of its own application (kind `source`).
 */
@Entity('sources')
@Index('sources_uid_key', ['uid'], { unique: true })
@Index('sources_ingest_token_key', ['ingestToken'], { unique: true })
@Index('sources_app_key', ['appId'], { unique: true })
export class SourceEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;

  @Column({ type: 'varchar', length: 256 })
  name: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  /** The provider config as JSON text (it holds secrets), sealed (bound to this source) when SECRET_ENCRYPTION_KEYS is set; see sealed-columns.ts. */
  @Column({ type: 'text' })
  config: string;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, string>;

  @Column({ name: 'ingest_token', type: 'varchar', length: 64 })
  ingestToken: string;

  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'app_id' })
  app?: Relation<ApplicationEntity>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
