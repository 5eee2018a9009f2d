import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TaskAssignee, TaskKind, TaskStatus } from '@takedown/domain';

/**
 * Work a notice or a termination case hands to a person, answered with one of its kind's outcomes (TASK_OUTCOMES).
 * A task belongs to exactly one of the two (a check in the database).
 */
@Entity('tasks')
export class TaskEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'notice_id', type: 'uuid', nullable: true })
  noticeId: string | null;

  @Column({ name: 'case_id', type: 'uuid', nullable: true })
  caseId: string | null;

  @Column({ type: 'text' })
  kind: TaskKind;

  /** The role the task is for. */
  @Column({ type: 'text' })
  assignee: TaskAssignee;

  /** Where the task's emails went, resolved from the role when the task was opened. */
  @Column({ name: 'assignee_email', type: 'text' })
  assigneeEmail: string;

  @Column({ type: 'text', default: 'open' })
  status: TaskStatus;

  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Column({ type: 'text' })
  summary: string;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** When the task was completed or cancelled. */
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'completed_by', type: 'text', nullable: true })
  completedBy: string | null;

  /** The completer's note, or why the task was cancelled. */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  /** The workflow step that opened it: a retried activity finds its task instead of opening another. */
  @Column({ name: 'idempotency_key', type: 'text', unique: true })
  idempotencyKey: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  data: Record<string, unknown>;

  /** The person the task is assigned to (`token:<id>`, `oidc:<sub>`), and the name it had then. */
  @Column({ name: 'assigned_to', type: 'text', nullable: true })
  assignedTo: string | null;

  @Column({ name: 'assigned_to_name', type: 'text', nullable: true })
  assignedToName: string | null;
}
