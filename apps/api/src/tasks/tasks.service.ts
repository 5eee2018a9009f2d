import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { EntityManager } from 'typeorm';
import {
  actorLabel,
  DomainError,
  TASK_OUTCOMES,
  isTaskOutcome,
  type Category,
  type TaskAssignee,
  type Principal,
} from '@takedown/domain';
import { taskCompletedSignal } from '@takedown/workflows/messages';
import { AuditTrail, TaskRepository, type TaskRow } from '@takedown/persistence';
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

@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly audit: AuditTrail,
    @Inject(Client) private readonly temporal: Client,
    private readonly people: PeopleService,
  ) {}

  /** `me`: the caller's subject, for `assignedTo=me`. */
  async list(q: TaskListQuery, visibility: Visibility, me: string): Promise<TaskPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { rows, total } = await this.tasks.page(
      { ...q, assignedTo: q.assignedTo === 'me' ? me : q.assignedTo, limit, offset },
      visibility,
    );
    return { items: rows.map(view), total, limit, offset };
  }

  get(id: string, visibility: Visibility = EVERYTHING): Promise<TaskView> {
    return this.read(id, visibility);
  }

  /**
   * Completes an open task and tells its notice's workflow, in one transaction: the row changes only if the signal
   * was delivered, so with Temporal down (503) the task stays open. Pass `tx` to make it part of a larger one (a
   * signed link records its use in the same transaction).
   */
  async complete(id: string, input: TaskCompletionInput, tx?: EntityManager): Promise<TaskView> {
    if (!tx) return this.tasks.transaction((own) => this.complete(id, input, own));
    const by = input.principal
      ? actorLabel(input.principal.actor)
      : `link:${input.linkRecipient ?? 'unknown'}`;
    const task = await this.tasks.head(tx, id);
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
      if (!(await this.tasks.customerExists(tx, customerId)))
        throw new DomainError('CUSTOMER.UNKNOWN', `customer ${customerId} does not exist`, 'customerId');
    }
    const changed = await this.tasks.complete(tx, id, {
      outcome: input.outcome,
      by,
      note: input.note ?? null,
      data: customerId ? { customerId } : {},
    });
    if (!changed) {
      const now = await this.tasks.head(tx, id);
      throw now?.status === 'cancelled'
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
    if (task.caseId) await signalCase(this.temporal, task.caseId, taskCompletedSignal, completion);
    else await startNoticeAction(this.temporal, task.noticeId as string, { type: 'task', ...completion });
    // Last in the transaction: legal's approve/reject, a NOC confirmation, an attribution by hand.
    await this.audit.record(
      {
        action: 'task.complete',
        target: { type: 'task', id },
        summary: {
          kind: task.kind,
          ...(task.caseId ? { caseId: task.caseId } : { noticeId: task.noticeId }),
          before: { status: task.status },
          after: { status: 'completed', outcome: input.outcome, ...(customerId ? { customerId } : {}) },
          by,
          note: input.note,
        },
      },
      tx,
    );
    return this.read(id, EVERYTHING, tx);
  }

  /**
   * Assigns the task to a person (null: to nobody), in the audit trail and, for a notice's task, on the notice's
   * timeline (a `task_assigned` step written here). The caller must see the task; the role it is for stays as it is.
   */
  async assign(id: string, assignee: string | null, principal: Principal): Promise<TaskView> {
    const visibility = visibilityOf(principal);
    await this.read(id, visibility);
    const person = assignee === null ? null : await this.people.find(assignee);
    const by = actorLabel(principal.actor);
    return this.tasks.transaction(async (tx) => {
      const task = await this.tasks.head(tx, id, true);
      if (!task) throw new DomainError('TASK.NOT_FOUND', `task ${id} does not exist`);
      if (task.assignedTo === assignee) return this.read(id, EVERYTHING, tx);
      await this.tasks.assign(tx, id, assignee, person?.name ?? null);
      if (task.noticeId) {
        await this.tasks.recordAssigned(tx, task.noticeId, {
          by,
          data: {
            taskId: id,
            kind: task.kind,
            assignee,
            name: person?.name ?? null,
            previous: task.assignedTo,
          },
          key: `task_assigned:${id}:${randomUUID()}`,
        });
      }
      await this.audit.record(
        {
          action: 'task.assign',
          target: { type: 'task', id },
          summary: {
            kind: task.kind,
            ...(task.caseId ? { caseId: task.caseId } : { noticeId: task.noticeId }),
            before: { assignee: task.assignedTo },
            after: { assignee },
            by,
          },
        },
        tx,
      );
      return this.read(id, EVERYTHING, tx);
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
    await this.read(id, visibilityOf(principal), tx);
    const roles = principal.roles;
    const lead = roles.includes('abuse_lead') && ['abuse_desk', 'account_manager'].includes(assignee);
    if (!roles.includes('admin') && !roles.includes(assignee) && !lead) {
      throw new DomainError('TASK.FORBIDDEN', `task ${id} is for the ${assignee} role`);
    }
  }

  private async read(id: string, visibility: Visibility = EVERYTHING, tx?: EntityManager): Promise<TaskView> {
    const row = await this.tasks.find(id, visibility, tx);
    if (!row) throw new DomainError('TASK.NOT_FOUND', `task ${id} does not exist`);
    return view(row);
  }
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
