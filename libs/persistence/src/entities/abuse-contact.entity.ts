import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where notices for a customer go. A customer has one or more; some are staffed around the clock. */
@Entity('customer_abuse_contacts')
export class AbuseContactEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  /** Lower case (see normaliseEmail). */
  @PrimaryColumn({ type: 'text' })
  email: string;

  /** Staffed 24/7: the one to reach for a one-hour removal order at night. */
  @Column({ name: 'around_the_clock', type: 'boolean', default: false })
  aroundTheClock: boolean;
}
