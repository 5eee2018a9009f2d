import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Every email Takedown sends, keyed: a step is sent once, and again only when its delivery was not confirmed. */
@Entity('outbound_emails')
export class OutboundEmailEntity {
  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  @Column({ name: 'to_addresses', type: 'text', array: true })
  to: string[];

  @Column({ type: 'text' })
  subject: string;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  /** Set just before the final dot of SMTP DATA (see Mailer.send); cleared again if the server refused. */
  @Column({ name: 'committed_at', type: 'timestamptz', nullable: true })
  committedAt: Date | null;

  /**
   * Until then the attempt that set the commit point may still be waiting for the server's answer; released early when
   * that attempt learns it cannot know the outcome.
   */
  @Column({ name: 'commit_lease_until', type: 'timestamptz', nullable: true })
  commitLeaseUntil: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  /** Times it was sent again after an attempt whose delivery was not confirmed (same Message-ID each time). */
  @Column({ type: 'int', default: 0 })
  resends: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
