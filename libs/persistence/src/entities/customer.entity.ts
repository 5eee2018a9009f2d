import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ContractType, CustomerLanguage, CustomerStatus } from '@takedown/domain';

/** A customer of the provider: whoever holds IP space and answers for what it serves. */
@Entity('customers')
export class CustomerEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The provider's own id for the customer (`C-1001`); unique, never changed. */
  @Column({ type: 'text', unique: true })
  reference: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'contract_type', type: 'text' })
  contractType: ContractType;

  @Column({ type: 'text', default: 'active' })
  status: CustomerStatus;

  @Column({ type: 'text', default: 'en' })
  language: CustomerLanguage;

  @Column({ name: 'account_manager_name', type: 'text', nullable: true })
  accountManagerName: string | null;

  @Column({ name: 'account_manager_email', type: 'text', nullable: true })
  accountManagerEmail: string | null;

  /** IANA time zone in which deadlines are written in this customer's emails. */
  @Column({ name: 'time_zone', type: 'text', default: 'Europe/Amsterdam' })
  timeZone: string;

  /** The reseller whose end customer this is. */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
