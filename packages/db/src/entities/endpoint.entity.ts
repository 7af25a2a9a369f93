import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { ApplicationEntity } from './application.entity.js';
import { ID_LENGTH } from './id-length.js';

/** A destination URL of an application, with its routing filters, headers and failure state. */
@Entity('endpoints')
@Index('endpoints_app_uid_key', ['appId', 'uid'], { unique: true })
@Index('endpoints_app_id_idx', ['appId', 'id'])
@Check('endpoints_rate_limit_check', '"rate_limit" IS NULL OR "rate_limit" > 0')
@Check('endpoints_version_check', '"version" >= 1')
export class EndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  app?: Relation<ApplicationEntity>;

  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'integer', default: 1 })
  version: number;

  /** Messages per second this endpoint accepts; null means unlimited (or the app's). */
  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit: number | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @Column({ name: 'filter_types', type: 'text', array: true, nullable: true })
  filterTypes: string[] | null;

  @Column({ type: 'text', array: true, nullable: true })
  channels: string[] | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, string>;

  /** The endpoint's own headers, added to every delivery. */
  @Column({ type: 'jsonb', default: {} })
  headers: Record<string, string>;

  /** Start of the current run of failures with no success in between; null after a success. */
  @Column({ name: 'first_failure_at', type: 'timestamptz', nullable: true })
  firstFailureAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
