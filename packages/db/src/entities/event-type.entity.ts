import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Svix event type: a name, a description and example schemas. */
@Entity('event_types')
export class EventTypeEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'boolean', default: false })
  archived: boolean;

  @Column({ type: 'boolean', default: false })
  deprecated: boolean;

  @Column({ name: 'feature_flags', type: 'text', array: true, nullable: true })
  featureFlags: string[] | null;

  @Column({ name: 'group_name', type: 'varchar', length: 256, nullable: true })
  groupName: string | null;

  /** Versioned JSON schemas (`{"1": {...}}`), whose `examples` feed send-example. */
  @Column({ type: 'jsonb', nullable: true })
  schemas: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
