import type { DataSource, EntityManager } from 'typeorm';
import type { TaskAssignee, TaskKind } from '@takedown/domain';
import { TaskEntity } from './entities/task.entity';

type Db = DataSource | EntityManager;

/** A task as a workflow step opens it: for a notice or for a termination case, keyed by the step. */
export interface NewTask {
  owner: TaskOwner;
  kind: TaskKind;
  assignee: TaskAssignee;
  assigneeEmail: string;
  summary: string;
  dueAt: Date;
  key: string;
}

export type TaskOwner = { noticeId: string } | { caseId: string };

/** The workflows' side of the `tasks` table: open once per step, read, cancel what is still open. */
export class TaskStore {
  constructor(private readonly db: Db) {}

  /** Opens the step's task, or finds the one an earlier attempt of the step opened. */
  async openOnce(task: NewTask): Promise<TaskEntity> {
    const repo = this.db.getRepository(TaskEntity);
    await repo
      .createQueryBuilder()
      .insert()
      .values({
        noticeId: 'noticeId' in task.owner ? task.owner.noticeId : null,
        caseId: 'caseId' in task.owner ? task.owner.caseId : null,
        kind: task.kind,
        assignee: task.assignee,
        assigneeEmail: task.assigneeEmail,
        summary: task.summary,
        dueAt: task.dueAt,
        idempotencyKey: task.key,
      })
      .orIgnore()
      .execute();
    return repo.findOneByOrFail({ idempotencyKey: task.key });
  }

  byId(id: string): Promise<TaskEntity | null> {
    return this.db.getRepository(TaskEntity).findOneBy({ id });
  }

  /** Cancels the owner's open tasks (the workflow closed them); returns how many. */
  async cancelOpen(owner: TaskOwner, reason: string): Promise<number> {
    const [column, id] = 'noticeId' in owner ? ['notice_id', owner.noticeId] : ['case_id', owner.caseId];
    const [, cancelled] = (await this.db.query(
      `UPDATE tasks SET status = 'cancelled', completed_at = now(), completed_by = 'workflow', note = $2
       WHERE ${column} = $1 AND status = 'open'
       RETURNING id`,
      [id, reason],
    )) as [unknown[], number];
    return cancelled;
  }
}
