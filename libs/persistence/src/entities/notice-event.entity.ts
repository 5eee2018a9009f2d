import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One step on a notice's append-only timeline: who or what, when, why. Rows are never updated. */
@Entity('notice_events')
@Index('ix_notice_events_notice', ['noticeId', 'occurredAt'])
export class NoticeEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'notice_id', type: 'uuid' })
  noticeId: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  data: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  /** Makes a retried activity write its event once. */
  @Column({ name: 'idempotency_key', type: 'text', unique: true })
  idempotencyKey: string;
}
