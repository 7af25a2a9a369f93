import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ID_LENGTH } from './id-length.js';
import { DeliveryEntity, DeliveryStatus, TriggerType } from './delivery.entity.js';

/**
 * One HTTP attempt of a delivery, append-only: what was sent, what came back, how long it took.
 * Range-partitioned by id (its creation time; see partitions.ts), so (delivery_id,
 * attempt_number) cannot be a unique key: recording keeps one row per number itself.
 */
@Entity('attempts')
@Index('attempts_endpoint_id_idx', ['endpointId', 'id'])
@Index('attempts_message_id_idx', ['messageId', 'id'])
@Index('attempts_delivery_idx', ['deliveryId', 'attemptNumber'])
export class AttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: ID_LENGTH })
  deliveryId: string;

  @ManyToOne(() => DeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id' })
  delivery?: Relation<DeliveryEntity>;

  @Column({ name: 'message_id', type: 'varchar', length: ID_LENGTH })
  messageId: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: ID_LENGTH })
  endpointId: string;

  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH })
  appId: string;

  @Column({ name: 'attempt_number', type: 'integer' })
  attemptNumber: number;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'smallint' })
  status: DeliveryStatus;

  /** The HTTP status, or 0 when no response arrived (timeout, refused, blocked). */
  @Column({ name: 'response_status_code', type: 'integer' })
  responseStatusCode: number;

  /** The response body as text, for attempts recorded before response_body existed ('' since). */
  @Column({ type: 'text', default: '' })
  response: string;

  /** The first MAX_RESPONSE_CAPTURE_BYTES of the response body, exactly as received (null: none arrived). */
  @Column({ name: 'response_body', type: 'bytea', nullable: true })
  responseBody: Buffer | null;

  @Column({ name: 'response_duration_ms', type: 'integer' })
  responseDurationMs: number;

  @Column({ name: 'trigger_type', type: 'smallint' })
  triggerType: TriggerType;

  @Column({ name: 'request_headers', type: 'jsonb', default: {} })
  requestHeaders: Record<string, string>;

  @Column({ name: 'response_headers', type: 'jsonb', default: {} })
  responseHeaders: Record<string, string>;

  /** Why no usable response arrived (timeout, connection_reset, blocked_address, circuit_open, …). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  error: string | null;

  /** The same in words, for a person reading the attempt log (which address was blocked, what timed out, …). */
  @Column({ name: 'error_detail', type: 'text', nullable: true })
  errorDetail: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
