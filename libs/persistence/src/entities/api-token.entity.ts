import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@takedown/domain';

/**
 * An API token of a person or an integration. Only the SHA-256 of its secret is kept: the token itself is shown
 * once, when it is created. The id is part of the token (`td_<id>_<secret>`) so that a request finds its row by
 * primary key instead of by hash.
 */
@Entity('api_tokens')
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: Role;

  /** SHA-256 of the secret part, 32 bytes. */
  @Column({ name: 'secret_hash', type: 'bytea', select: false })
  secretHash: Buffer;

  /** An account manager's token sees the customers with this account manager address only. */
  @Column({ name: 'account_manager_email', type: 'text', nullable: true })
  accountManagerEmail: string | null;

  /** A source's token submits as, and reads the notices of, this source only. */
  @Column({ name: 'source_kind', type: 'text', nullable: true })
  sourceKind: string | null;

  @Column({ name: 'source_name', type: 'text', nullable: true })
  sourceName: string | null;

  /** A trusted flagger's designation (DSA Art. 22): the reference and the Digital Services Coordinator that gave it. */
  @Column({ name: 'source_designation_reference', type: 'text', nullable: true })
  sourceDesignationReference: string | null;

  @Column({ name: 'source_designating_authority', type: 'text', nullable: true })
  sourceDesignatingAuthority: string | null;

  /** A customer's token reads and answers this customer's notices only. */
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId: string | null;

  /** The customer's admin contact: may also make that customer's tokens and set its webhook. */
  @Column({ name: 'customer_admin', type: 'boolean', default: false })
  customerAdmin: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** Who created it: `cli:<user>`, `token:<id>`, `system:bootstrap`. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
