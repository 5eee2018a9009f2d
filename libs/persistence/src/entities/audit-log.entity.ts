import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ActorKind } from '@takedown/domain';

/**
 * One write in the audit trail. Rows are appended with `appendAudit` only: PostgreSQL gives `id`, `at`,
 * `prev_hash` and `hash` (the chain trigger) and refuses UPDATE, DELETE and TRUNCATE.
 */
@Entity('audit_log')
export class AuditLogEntity {
  /** bigint, read as text: ids may pass 2^53. Chain order. */
  @PrimaryColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_kind', type: 'text' })
  actorKind: ActorKind;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  @Column({ name: 'actor_name', type: 'text' })
  actorName: string;

  @Column({ type: 'text', nullable: true })
  role: string | null;

  /** Dotted: `notice.submit`, `task.complete`, `link.use`, `workflow.notice.escalated`, … */
  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ name: 'source_ip', type: 'inet', nullable: true })
  sourceIp: string | null;

  /** Before/after and the facts of the write; never reported content, full URLs or secrets. */
  @Column({ type: 'jsonb' })
  summary: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;
}
