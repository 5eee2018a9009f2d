import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import {
  actorLabel,
  DomainError,
  TASK_OUTCOMES,
  isTaskOutcome,
  type Category,
  type TaskAssignee,
  type TaskKind,
  type Principal,
  type TaskStatus,
} from '@takedown/domain';
import { taskCompletedSignal } from '@takedown/workflows/messages';
import { recordAudit } from '@takedown/persistence';
import { EVERYTHING, visibilityOf, type Visibility } from '../auth/principal';
import { PeopleService } from '../people/people.service';
import { signalCase } from '../temporal/case-signal';
import { startNoticeAction } from '../temporal/notice-signal';
import type { TaskListQuery, TaskPage, TaskView } from './task.dto';

/** What completing a task takes, from the API or from a signed link. */
export interface TaskCompletionInput {
  outcome: string;
  /**
   * The API caller: it must see the task and hold the role it is assigned to, and it is the actor. Without one, a
   * signed link is its own proof and `linkRecipient` the actor.
   */
  principal?: Principal;
  linkRecipient?: string;
  note?: string;
  customerId?: string;
}

interface TaskRow {
  id: string;
  kind: TaskKind;
  assignee: TaskAssignee;
  assignee_email: string;
  assigned_to: string | null;
  assigned_to_name: string | null;
  status: TaskStatus;
  outcome: string | null;
  summary: string;
  due_at: Date;
  created_at: Date;
  completed_at: Date | null;
  completed_by: string | null;
  note: string | null;
  notice_id: string | null;
  notice_category: Category | null;
  notice_state: string | null;
  notice_deadline: Date | null;
  case_id: string | null;
  case_status: string | null;
  customer_id: string | null;
  customer_reference: string | null;
  customer_name: string | null;
}

const SELECT_TASKS = `
  SELECT t.id, t.kind, t.assignee, t.assignee_email, t.assigned_to, t.assigned_to_name, t.status, t.outcome, t.summary, t.due_at, t.created_at,
         t.completed_at, t.completed_by, t.note, n.id AS notice_id, n.category AS notice_category,
         n.state AS notice_state, n.deadline AS notice_deadline, tc.id AS case_id, tc.status AS case_status,
         c.id AS customer_id, c.reference AS customer_reference, c.name AS customer_name
  FROM tasks t
  LEFT JOIN notices n ON n.id = t.notice_id
  LEFT JOIN termination_cases tc ON tc.id = t.case_id
  LEFT JOIN customers c ON c.id = COALESCE(n.customer_id, tc.customer_id)`;

@Injectable()
export class TasksService {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly people: PeopleService,
  ) {}

  /** `me`: the caller's subject, for `assignedTo=me`. */
  async list(q: TaskListQuery, visibility: Visibility, me: string): Promise<TaskPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const where: string[] = [];
    const params: unknown[] = [];
    if (!visibility.all)
      where.push(taskVisibleSql(`$${params.push(visibility.accountManagerEmail ?? null)}`));
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (q.assignee) {
      if (q.assignee.includes('@')) add('t.assignee_email = ?', q.assignee.toLowerCase());
      else add('t.assignee = ?', q.assignee);
    }
    if (q.assignedTo) add('t.assigned_to = ?', q.assignedTo === 'me' ? me : q.assignedTo);
    if (q.status) add('t.status = ?', q.status);
    if (q.notice) add('t.notice_id = ?', q.notice);
    if (q.case) add('t.case_id = ?', q.case);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `${SELECT_TASKS} ${filter} ORDER BY t.due_at, t.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ) as Promise<TaskRow[]>,
      this.db.query(`SELECT count(*)::int AS total FROM tasks t ${filter}`, params) as Promise<
        { total: number }[]
      >,
    ]);
    return { items: rows.map(view), total, limit, offset };
  }

  get(id: string, visibility: Visibility = EVERYTHING): Promise<TaskView> {
    return this.read(this.db.manager, id, visibility);
  }

  /**
   * Completes an open task and tells its notice's workflow, in one transaction: the row changes only if the signal
   * was delivered, so with Temporal down (503) the task stays open. Pass `tx` to make it part of a larger one (a
   * signed link records its use in the same transaction).
   */
  async complete(id: string, input: TaskCompletionInput, tx?: EntityManager): Promise<TaskView> {
    if (!tx) return this.db.transaction((own) => this.complete(id, input, own));
    const by = input.principal
      ? actorLabel(input.principal.actor)
      : `link:${input.linkRecipient ?? 'unknown'}`;
    const [task] = (await tx.query(
      `SELECT kind, assignee, status, notice_id, case_id FROM tasks WHERE id = $1`,
      [id],
    )) as {
      kind: TaskKind;
      assignee: TaskAssignee;
      status: TaskStatus;
      notice_id: string | null;
      case_id: string | null;
    }[];
    if (!task) throw new DomainError('TASK.NOT_FOUND', `task ${id} does not exist`);
    if (input.principal) await this.assertMayComplete(tx, id, task.assignee, input.principal);
    if (!isTaskOutcome(task.kind, input.outcome)) {
      throw new DomainError(
        'TASK.INVALID_OUTCOME',
        `outcome must be one of ${TASK_OUTCOMES[task.kind].join(', ')} for a ${task.kind} task`,
        'outcome',
      );
    }
    const customerId = task.kind === 'attribute' ? input.customerId : undefined;
    if (task.kind === 'attribute' && input.outcome === 'attributed') {
      if (!customerId) {
        throw new DomainError(
          'REQUEST.INVALID',
          'customerId is required to complete attribute as attributed',
          'customerId',
        );
      }
      const [known] = (await tx.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId])) as unknown[];
      if (!known)
        throw new DomainError('CUSTOMER.UNKNOWN', `customer ${customerId} does not exist`, 'customerId');
    }
    const [, changed] = (await tx.query(
      `UPDATE tasks SET status = 'completed', outcome = $2, completed_at = now(), completed_by = $3, note = $4,
         data = data || $5::jsonb
       WHERE id = $1 AND status = 'open'
       RETURNING id`,
      [id, input.outcome, by, input.note ?? null, JSON.stringify(customerId ? { customerId } : {})],
    )) as [unknown[], number];
    if (!changed) {
      const [now] = (await tx.query(`SELECT status FROM tasks WHERE id = $1`, [id])) as {
        status: TaskStatus;
      }[];
      throw now.status === 'cancelled'
        ? new DomainError('TASK.ALREADY_CANCELLED', `task ${id} was cancelled`)
        : new DomainError('TASK.ALREADY_COMPLETED', `task ${id} is completed already`);
    }
    const completion = {
      taskId: id,
      kind: task.kind,
      outcome: input.outcome,
      note: input.note,
      customerId,
      by,
    };
    // A notice's workflow validates the completion (409 when it no longer waits for the task) and carries it out
    // after this transaction commits.
    if (task.case_id) await signalCase(this.temporal, task.case_id, taskCompletedSignal, completion);
    else await startNoticeAction(this.temporal, task.notice_id as string, { type: 'task', ...completion });
    // Last in the transaction: legal's approve/reject, a NOC confirmation, an attribution by hand.
    await recordAudit(tx, {
      action: 'task.complete',
      target: { type: 'task', id },
      summary: {
        kind: task.kind,
        ...(task.case_id ? { caseId: task.case_id } : { noticeId: task.notice_id }),
        before: { status: task.status },
        after: { status: 'completed', outcome: input.outcome, ...(customerId ? { customerId } : {}) },
        by,
        note: input.note,
      },
    });
    return this.read(tx, id);
  }

  /**
   * Assigns the task to a person (null: to nobody), in the audit trail and, for a notice's task, on the notice's
   * timeline (a `task_assigned` step written here). The caller must see the task; the role it is for stays as it is.
   */
  async assign(id: string, assignee: string | null, principal: Principal): Promise<TaskView> {
    const visibility = visibilityOf(principal);
    await this.read(this.db.manager, id, visibility);
    const person = assignee === null ? null : await this.people.find(assignee);
    const by = actorLabel(principal.actor);
    return this.db.transaction(async (tx) => {
      const [task] = (await tx.query(
        `SELECT kind, assigned_to, notice_id, case_id FROM tasks WHERE id = $1 FOR UPDATE`,
        [id],
      )) as {
        kind: TaskKind;
        assigned_to: string | null;
        notice_id: string | null;
        case_id: string | null;
      }[];
      if (task.assigned_to === assignee) return this.read(tx, id);
      await tx.query(`UPDATE tasks SET assigned_to = $2, assigned_to_name = $3 WHERE id = $1`, [
        id,
        assignee,
        person?.name ?? null,
      ]);
      if (task.notice_id) {
        await tx.query(
          `INSERT INTO notice_events (notice_id, type, actor, data, occurred_at, idempotency_key)
           VALUES ($1, 'task_assigned', $2, $3, now(), $4)`,
          [
            task.notice_id,
            by,
            { taskId: id, kind: task.kind, assignee, name: person?.name ?? null, previous: task.assigned_to },
            `task_assigned:${id}:${randomUUID()}`,
          ],
        );
      }
      await recordAudit(tx, {
        action: 'task.assign',
        target: { type: 'task', id },
        summary: {
          kind: task.kind,
          ...(task.case_id ? { caseId: task.case_id } : { noticeId: task.notice_id }),
          before: { assignee: task.assigned_to },
          after: { assignee },
          by,
        },
      });
      return this.read(tx, id);
    });
  }

  /**
   * A task is done by the role it is assigned to: legal decides legal reviews, the NOC confirms suspensions. The
   * abuse lead may also close the desk's and account managers' tasks; an admin any. An account manager acts only on
   * tasks it may see.
   */
  private async assertMayComplete(
    tx: EntityManager,
    id: string,
    assignee: TaskAssignee,
    principal: Principal,
  ): Promise<void> {
    await this.read(tx, id, visibilityOf(principal));
    const roles = principal.roles;
    const lead = roles.includes('abuse_lead') && ['abuse_desk', 'account_manager'].includes(assignee);
    if (!roles.includes('admin') && !roles.includes(assignee) && !lead) {
      throw new DomainError('TASK.FORBIDDEN', `task ${id} is for the ${assignee} role`);
    }
  }

  private async read(db: EntityManager, id: string, visibility: Visibility = EVERYTHING): Promise<TaskView> {
    const params: unknown[] = [id];
    const visible = visibility.all
      ? ''
      : ` AND ${taskVisibleSql(`$${params.push(visibility.accountManagerEmail ?? null)}`)}`;
    const [row] = (await db.query(`${SELECT_TASKS} WHERE t.id = $1${visible}`, params)) as TaskRow[];
    if (!row) throw new DomainError('TASK.NOT_FOUND', `task ${id} does not exist`);
    return view(row);
  }
}

/**
 * An account manager's tasks: those addressed to it, and those about its customers (by notice or case). `email` is
 * the placeholder of its address; without one, nothing.
 */
function taskVisibleSql(email: string): string {
  return `(t.assignee_email = ${email} OR COALESCE(
    (SELECT n_vis.customer_id FROM notices n_vis WHERE n_vis.id = t.notice_id),
    (SELECT tc_vis.customer_id FROM termination_cases tc_vis WHERE tc_vis.id = t.case_id)
  ) IN (SELECT c_vis.id FROM customers c_vis WHERE c_vis.account_manager_email = ${email}))`;
}

function view(r: TaskRow): TaskView {
  const customer = r.customer_id
    ? { id: r.customer_id, reference: r.customer_reference ?? '', name: r.customer_name ?? '' }
    : null;
  return {
    id: r.id,
    kind: r.kind,
    assignee: r.assignee,
    assigneeEmail: r.assignee_email,
    assignedTo: r.assigned_to,
    assignedToName: r.assigned_to_name,
    status: r.status,
    outcome: r.outcome,
    allowedOutcomes: [...(TASK_OUTCOMES[r.kind] ?? [])],
    summary: r.summary,
    dueAt: r.due_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    completedAt: r.completed_at?.toISOString() ?? null,
    completedBy: r.completed_by,
    note: r.note,
    notice: r.notice_id
      ? {
          id: r.notice_id,
          category: r.notice_category as Category,
          state: r.notice_state ?? '',
          deadline: r.notice_deadline?.toISOString() ?? null,
          customer,
        }
      : null,
    terminationCase: r.case_id ? { id: r.case_id, status: r.case_status ?? '', customer } : null,
  };
}
