import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ID_LENGTH } from './id-length.js';
import { EndpointEntity } from './endpoint.entity.js';

/**
 * One signing secret of an endpoint. The current secret has no expiry; after a rotation the
 * previous ones keep signing until `expiresAt`, so receivers never see a gap.
 */
@Entity('endpoint_secrets')
@Index('endpoint_secrets_endpoint_idx', ['endpointId', 'createdAt'])
export class EndpointSecretEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: ID_LENGTH })
  endpointId: string;

  @ManyToOne(() => EndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: Relation<EndpointEntity>;

  /** `whsec_…`, sealed (SecretBox, bound to this endpoint) when SECRET_ENCRYPTION_KEYS is set; see sealed-columns.ts. */
  @Column({ type: 'text' })
  secret: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
