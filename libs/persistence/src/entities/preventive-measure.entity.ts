import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A preventive instrument the customer says it uses (e.g. a hash check on uploads), and when that was verified. */
@Entity('customer_preventive_measures')
export class PreventiveMeasureEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  @PrimaryColumn({ type: 'text' })
  kind: string;

  @Column({ name: 'declared_at', type: 'timestamptz', default: () => 'now()' })
  declaredAt: Date;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;
}
