import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ApplicationEntity } from './application.entity.js';
import { ID_LENGTH } from './id-length.js';

/** A published message. Its payload is kept as the exact JSON text that is signed and sent. */
@Entity('messages')
@Index('messages_app_event_id_key', ['appId', 'eventId'], { unique: true })
@Index('messages_app_id_idx', ['appId', 'id'])
// What is still to be fanned out, per application, oldest first: fan-out turns claim from it, the reconciler walks it.
@Index('messages_app_unfanned_idx', ['appId', 'createdAt', 'id'], { where: '"fanned_out_at" IS NULL' })
// Messages whose payload is still kept, by when it expires (the retention sweep reads these).
@Index('messages_payload_default_idx', ['createdAt'], { where: '"payload" IS NOT NULL AND "payload_expires_at" IS NULL' })
@Index('messages_payload_expires_idx', ['payloadExpiresAt'], { where: '"payload" IS NOT NULL AND "payload_expires_at" IS NOT NULL' })
export class MessageEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: ID_LENGTH })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  app?: Relation<ApplicationEntity>;

  @Column({ name: 'event_type', type: 'varchar', length: 256 })
  eventType: string;

  @Column({ name: 'event_id', type: 'varchar', length: 256, nullable: true })
  eventId: string | null;

  /** The payload as JSON text: these bytes are what every attempt signs and sends. Null once past its retention, or expunged. */
  @Column({ type: 'text', nullable: true })
  payload: string | null;

  /** When the payload goes (a per-message retention); null: PAYLOAD_RETENTION after `createdAt`. */
  @Column({ name: 'payload_expires_at', type: 'timestamptz', nullable: true })
  payloadExpiresAt: Date | null;

  @Column({ type: 'text', array: true, nullable: true })
  channels: string[] | null;

  @Column({ type: 'text', array: true, nullable: true })
  tags: string[] | null;

  /** Deliver no earlier than this (Svix deliverAt); null means at once. */
  @Column({ name: 'deliver_at', type: 'timestamptz', nullable: true })
  deliverAt: Date | null;

  /** When the fan-out created this message's deliveries; null until then (the reconciler's cue). */
  @Column({ name: 'fanned_out_at', type: 'timestamptz', nullable: true })
  fannedOutAt: Date | null;

  /** The W3C `traceparent` (version 00) its attempts are children of: the publishing request's span, or the one it received; null for none. */
  @Column({ name: 'trace_parent', type: 'varchar', length: 55, nullable: true })
  traceParent: string | null;

  /** The W3C `tracestate` that goes with traceParent. */
  @Column({ name: 'trace_state', type: 'varchar', length: 512, nullable: true })
  traceState: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
