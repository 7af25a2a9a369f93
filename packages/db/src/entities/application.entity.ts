import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ID_LENGTH } from './id-length.js';

/** What an application row is for: a customer (Svix app), a gateway source's ingest endpoints, or operational webhooks. */
export enum ApplicationKind {
  App = 'app',
  Source = 'source',
  Operational = 'operational',
  /** Deleted through the API: hidden at once, its rows removed in the background by the retention sweep. */
  Deleted = 'deleted',
}

/** A Svix application: the tenant that owns endpoints and messages. */
@Entity('applications')
@Index('applications_uid_key', ['uid'], { unique: true })
@Index('applications_kind_id_idx', ['kind', 'id'])
@Index('applications_operational_key', ['kind'], { unique: true, where: `"kind" = 'operational'` })
@Check('applications_rate_limit_check', '"rate_limit" IS NULL OR "rate_limit" > 0')
export class ApplicationEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;

  @Column({ type: 'varchar', length: 256 })
  name: string;

  @Column({ type: 'varchar', length: 16, default: ApplicationKind.App })
  kind: ApplicationKind;

  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit: number | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
