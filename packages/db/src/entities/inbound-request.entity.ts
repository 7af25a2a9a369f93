import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ID_LENGTH } from './id-length.js';
import { SourceEntity } from './source.entity.js';

/** What became of an inbound request. PERSISTED. */
export enum InboundOutcome {
  Accepted = 'accepted',
  Duplicate = 'duplicate',
  Rejected = 'rejected',
  Handshake = 'handshake',
}

/**
 * One request to a source's ingest URL, kept byte-exact with its headers, the verification
 * outcome and, when accepted, the event (message) it became.
 */
@Entity('inbound_requests')
@Index('inbound_requests_source_id_idx', ['sourceId', 'id'])
export class InboundRequestEntity {
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH })
  id: string;

  @Column({ name: 'source_id', type: 'varchar', length: ID_LENGTH })
  sourceId: string;

  @ManyToOne(() => SourceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_id' })
  source?: Relation<SourceEntity>;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'varchar', length: 16 })
  method: string;

  /** Path and query as received. */
  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'jsonb', default: {} })
  headers: Record<string, string | string[]>;

  @Column({ type: 'bytea' })
  body: Buffer;

  @Column({ name: 'body_size', type: 'integer' })
  bodySize: number;

  @Column({ type: 'varchar', length: 16 })
  outcome: InboundOutcome;

  /** Why it was not accepted (a verification reason such as bad_signature, or unparseable). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  reason: string | null;

  @Column({ name: 'response_status', type: 'integer' })
  responseStatus: number;

  /** The provider's own id of the event, as it came (possibly from an unsigned header): shown, not deduplicated on. */
  @Column({ name: 'provider_event_id', type: 'varchar', length: 512, nullable: true })
  providerEventId: string | null;

  /** What the request was deduplicated on (InboundDedupKeyEntity), when it was accepted or a duplicate. */
  @Column({ name: 'dedup_key', type: 'varchar', length: 512, nullable: true })
  dedupKey: string | null;

  /** The CloudEvent id (`evt_…`) when accepted. */
  @Column({ name: 'event_id', type: 'varchar', length: ID_LENGTH, nullable: true })
  eventId: string | null;

  /** The message the event was published as, when accepted. */
  @Column({ name: 'message_id', type: 'varchar', length: ID_LENGTH, nullable: true })
  messageId: string | null;
}
