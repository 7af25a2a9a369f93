import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ID_LENGTH } from './id-length.js';
import { SourceEntity } from './source.entity.js';

/**
 * A source's dedup key and the request that last claimed it. A request whose key was claimed
 * less than DEDUP_WINDOW ago is a duplicate; an older claim may be taken over. Kept apart from
 * the request log so that keys outlive bodies (and the log's retention) for as long as the window
 * needs, and are only a few dozen bytes each.
 */
@Entity('inbound_dedup_keys')
@Index('inbound_dedup_keys_accepted_at_idx', ['acceptedAt'])
export class InboundDedupKeyEntity {
  @PrimaryColumn({ name: 'source_id', type: 'varchar', length: ID_LENGTH })
  sourceId: string;

  @ManyToOne(() => SourceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_id' })
  source?: Relation<SourceEntity>;

  /** A signed provider id, or `sha256:<hex>` of the signed content (see NormalizedEvent.dedupKey). */
  @PrimaryColumn({ name: 'dedup_key', type: 'varchar', length: 512 })
  dedupKey: string;

  /** When the claiming request was accepted: the window runs from here. */
  @Column({ name: 'accepted_at', type: 'timestamptz', default: () => 'now()' })
  acceptedAt: Date;

  /** The accepted request (`req_…`) that holds the key. */
  @Column({ name: 'request_id', type: 'varchar', length: ID_LENGTH })
  requestId: string;

  /** Its CloudEvent id, which a duplicate is answered with. */
  @Column({ name: 'event_id', type: 'varchar', length: ID_LENGTH, nullable: true })
  eventId: string | null;

  @Column({ name: 'message_id', type: 'varchar', length: ID_LENGTH, nullable: true })
  messageId: string | null;
}
