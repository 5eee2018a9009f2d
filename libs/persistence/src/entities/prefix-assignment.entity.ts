import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A prefix held by a customer during [validFrom, validTo); validTo null = still held. Rows are never rewritten:
 * a move ends one row and starts another (the database enforces it, see the CreateCustomers migration).
 */
@Entity('prefix_assignments')
export class PrefixAssignmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  /** PostgreSQL `cidr`, read back in its canonical text form (`2001:db8:4a::/48`). */
  @Column({ type: 'cidr' })
  cidr: string;

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom: Date;

  @Column({ name: 'valid_to', type: 'timestamptz', nullable: true })
  validTo: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
