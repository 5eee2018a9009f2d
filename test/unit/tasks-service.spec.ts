import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Principal, Role } from '@takedown/domain';
import type { TaskRow } from '@takedown/persistence';
import type { PeopleService } from '@takedown/api/people/people.service';
import { TasksService } from '@takedown/api/tasks/tasks.service';
import { MemoryAudit, MemoryTasks, RecordingTemporal } from './fakes/memory-repositories';

const as = (...roles: Role[]): Principal => ({
  actor: { kind: 'token', id: `t-${roles.join('-')}`, name: roles.join(',') },
  roles,
  scope: {},
});

const people = {
  find: async (subject: string) => ({ subject, name: 'Anna' }),
} as unknown as PeopleService;

/** The decisions TasksService makes, against its repository in memory: no database, no Temporal server. */
describe('TasksService with an in-memory repository', () => {
  let tasks: MemoryTasks;
  let audit: MemoryAudit;
  let temporal: RecordingTemporal;
  let service: TasksService;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    tasks = new MemoryTasks();
    audit = new MemoryAudit();
    temporal = new RecordingTemporal();
    service = new TasksService(tasks, audit, temporal.asClient(), people);
  });

  const caseTask = (over: Partial<TaskRow> = {}) =>
    tasks.open({ id: randomUUID(), kind: 'legal_review', assignee: 'legal', case_id: randomUUID(), ...over });

  it('completes an open task, tells its workflow and audits it, the signed-in principal as the actor', async () => {
    const task = caseTask();
    const view = await service.complete(task.id, { outcome: 'approve', principal: as('legal'), note: 'ok' });
    expect(view).toMatchObject({ status: 'completed', outcome: 'approve', completedBy: 'token:t-legal' });
    expect(temporal.signals).toEqual([
      expect.objectContaining({ arg: expect.objectContaining({ taskId: task.id, by: 'token:t-legal' }) }),
    ]);
    expect(audit.rows.map((r) => r.action)).toEqual(['task.complete']);
  });

  it('refuses a completed task (409 ALREADY_COMPLETED) and a cancelled one (ALREADY_CANCELLED), telling nobody', async () => {
    const done = caseTask({ status: 'completed', outcome: 'approve' });
    const cancelled = caseTask({ status: 'cancelled' });
    await expect(
      service.complete(done.id, { outcome: 'reject', principal: as('legal') }),
    ).rejects.toMatchObject({
      code: 'TASK.ALREADY_COMPLETED',
    });
    await expect(
      service.complete(cancelled.id, { outcome: 'approve', principal: as('legal') }),
    ).rejects.toMatchObject({ code: 'TASK.ALREADY_CANCELLED' });
    expect(tasks.rows.get(done.id)?.outcome).toBe('approve');
    expect(temporal.signals).toEqual([]);
    expect(audit.rows).toEqual([]);
  });

  it('refuses an outcome the task kind does not have, naming the field', async () => {
    const task = caseTask();
    await expect(
      service.complete(task.id, { outcome: 'acknowledged', principal: as('legal') }),
    ).rejects.toMatchObject({ code: 'TASK.INVALID_OUTCOME', field: 'outcome' });
    expect(tasks.rows.get(task.id)?.status).toBe('open');
  });

  it('lets only the role a task is for complete it (the lead the desk’s, an admin any)', async () => {
    const task = caseTask();
    await expect(
      service.complete(task.id, { outcome: 'approve', principal: as('abuse_lead') }),
    ).rejects.toMatchObject({ code: 'TASK.FORBIDDEN' });
    expect(tasks.rows.get(task.id)?.status).toBe('open');
    await service.complete(task.id, { outcome: 'approve', principal: as('admin') });
    expect(tasks.rows.get(task.id)?.status).toBe('completed');
  });

  it('needs a known customer to complete an attribution as attributed', async () => {
    const task = tasks.open({
      id: randomUUID(),
      kind: 'attribute',
      assignee: 'abuse_desk',
      notice_id: randomUUID(),
    });
    await expect(
      service.complete(task.id, { outcome: 'attributed', principal: as('abuse_desk') }),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID', field: 'customerId' });
    await expect(
      service.complete(task.id, {
        outcome: 'attributed',
        principal: as('abuse_desk'),
        customerId: randomUUID(),
      }),
    ).rejects.toMatchObject({ code: 'CUSTOMER.UNKNOWN', field: 'customerId' });
    expect(tasks.rows.get(task.id)?.status).toBe('open');
  });

  it('answers 404 for a task that does not exist, or that an account manager may not see', async () => {
    await expect(service.complete(randomUUID(), { outcome: 'approve' })).rejects.toMatchObject({
      code: 'TASK.NOT_FOUND',
    });
    const other = tasks.open({
      id: randomUUID(),
      kind: 'account_manager_escalation',
      assignee: 'account_manager',
      assignee_email: 'other@provider.example',
      case_id: randomUUID(),
    });
    const manager: Principal = {
      ...as('account_manager'),
      scope: { accountManagerEmail: 'am@provider.example' },
    };
    await expect(
      service.complete(other.id, { outcome: 'acknowledged', principal: manager }),
    ).rejects.toMatchObject({
      code: 'TASK.NOT_FOUND',
    });
    expect(tasks.rows.get(other.id)?.status).toBe('open');
  });

  it('assigns a notice’s task with a step on the notice’s timeline; the same assignee again changes nothing', async () => {
    const noticeId = randomUUID();
    const task = tasks.open({
      id: randomUUID(),
      kind: 'noc_suspension',
      assignee: 'noc',
      notice_id: noticeId,
    });
    const view = await service.assign(task.id, 'oidc:anna', as('abuse_desk'));
    expect(view).toMatchObject({ assignedTo: 'oidc:anna', assignedToName: 'Anna' });
    expect(tasks.noticeSteps).toEqual([
      expect.objectContaining({
        noticeId,
        by: 'token:t-abuse_desk',
        data: expect.objectContaining({ previous: null }),
      }),
    ]);
    await service.assign(task.id, 'oidc:anna', as('abuse_desk'));
    expect(tasks.noticeSteps).toHaveLength(1);
    expect(audit.rows.map((r) => r.action)).toEqual(['task.assign']);
  });
});
