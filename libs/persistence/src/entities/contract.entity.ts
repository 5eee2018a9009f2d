import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ResellerMode } from '@takedown/domain';

/** The terms that decide how a customer can be let go, and which timer policy its notices run under. */
@Entity('contracts')
export class ContractEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'customer_id', type: 'uuid', unique: true })
  customerId: string;

  /** A calendar date (`2024-01-01`), kept as text so no time zone shifts it. */
  @Column({ name: 'starts_on', type: 'date' })
  startsOn: string;

  @Column({ name: 'notice_period_days', type: 'int' })
  noticePeriodDays: number;

  @Column({ name: 'immediate_termination_for_illegal_content', type: 'boolean', default: false })
  immediateTerminationForIllegalContent: boolean;

  /** Which timer policy applies to this customer's notices (a key of POLICIES). */
  @Column({ name: 'policy_profile', type: 'text', default: 'default' })
  policyProfile: string;

  /** A reseller's involvement in its end customers' notices (migration ResellerModes). */
  @Column({ name: 'reseller_mode', type: 'text', default: 'none' })
  resellerMode: ResellerMode;

  /** act_first: minutes the reseller has to answer before the end customer is notified. */
  @Column({ name: 'act_first_minutes', type: 'int', nullable: true })
  actFirstMinutes: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
