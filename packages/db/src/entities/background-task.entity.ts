import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ApplicationEntity } from './application.entity.js';
import { ID_LENGTH } from './id-length.js';

/** Svix's BackgroundTaskStatus. PERSISTED. */
export enum BackgroundTaskStatus {
  Running = 'running',
  Finished = 'finished',
  Failed = 'failed',
}

/**
 * The record of a long operation Svix answers with a BackgroundTaskOut (replay-missing,
 * expunge-all-contents, recover): what it was, how it ended, and its result (`data`).
 */
@Entity('background_tasks')
@Index('background_tasks_app_id_idx', ['appId', 'id'])
@Check('background_tasks_status_check', `"status" IN ('running', 'finished', 'failed')`)
export class BackgroundTaskEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  /** The application it worked on (null: none in particular). */
  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH, nullable: true })
  appId: string | null;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  app?: Relation<ApplicationEntity>;

  /** Svix's BackgroundTaskType, e.g. `endpoint.replay`, `application.purge_content`. */
  @Column({ type: 'varchar', length: 64 })
  task: string;

  @Column({ type: 'varchar', length: 16 })
  status: BackgroundTaskStatus;

  /** The task's result, e.g. `{ "messagesSent": 2 }`. */
  @Column({ type: 'jsonb', default: {} })
  data: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
