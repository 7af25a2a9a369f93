import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ID_LENGTH } from './id-length.js';
import { EndpointEntity } from './endpoint.entity.js';
import { MessageEntity } from './message.entity.js';

/** Svix's MessageStatus numbers, used for deliveries and attempts alike. PERSISTED. */
export enum DeliveryStatus {
  Success = 0,
  Pending = 1,
  Fail = 2,
  Sending = 3,
  Canceled = 4,
}

/** Svix's MessageAttemptTriggerType numbers. PERSISTED. */
export enum TriggerType {
  Scheduled = 0,
  Manual = 1,
}

/**
 * The state of one message for one endpoint: how many attempts were made and when the next is
 * due. This row, not the queue, is the truth a reconciler rebuilds jobs from. While an attempt
 * is in flight (status Sending) `nextAttemptAt` is the end of the sender's lease: if the sender
 * dies, the delivery becomes due again when the lease runs out.
 */
@Entity('deliveries')
@Index('deliveries_message_endpoint_key', ['messageId', 'endpointId'], { unique: true })
@Index('deliveries_endpoint_id_idx', ['endpointId', 'id'])
// What is still to be sent, per endpoint, oldest due first: turns claim from it, the reconciler scans it.
@Index('deliveries_endpoint_due_idx', ['endpointId', 'nextAttemptAt'], { where: '"status" IN (1, 3)' })
@Check('deliveries_status_check', '"status" IN (0, 1, 2, 3, 4)')
@Check('deliveries_attempts_check', '"attempts" >= 0')
export class DeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ name: 'message_id', type: 'varchar', length: ID_LENGTH })
  messageId: string;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id' })
  message?: Relation<MessageEntity>;

  @Column({ name: 'endpoint_id', type: 'varchar', length: ID_LENGTH })
  endpointId: string;

  @ManyToOne(() => EndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: Relation<EndpointEntity>;

  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH })
  appId: string;

  @Column({ type: 'smallint', default: DeliveryStatus.Pending })
  status: DeliveryStatus;

  /** Attempts made so far. The next attempt's number is attempts + 1. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When the next attempt is due; null once the delivery succeeded or failed for good. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  /** Trigger of the next attempt: a scheduled one, or a manual resend/recover. */
  @Column({ name: 'next_trigger', type: 'smallint', default: TriggerType.Scheduled })
  nextTrigger: TriggerType;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
