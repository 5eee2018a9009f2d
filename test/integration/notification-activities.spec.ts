import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import { TASK_OUTCOMES } from '@takedown/domain';
import { parseLinkKeys, verifyLink } from '@takedown/links';
import { CapturedMailbox, Mailer, type CapturedMail } from '@takedown/mail';
import {
  AbuseContactEntity,
  CustomerEntity,
  NoticeEntity,
  PgEmailOutbox,
  TaskEntity,
  dataSourceOptions,
} from '@takedown/persistence';
import { NotificationActivitiesService } from '@takedown/worker/notification-activities.service';
import { WorkerSettings } from '@takedown/worker/worker-settings';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

const KEYS = parseLinkKeys('it:integration-test-secret-0123456789abcdef');
const BASE_URL = 'http://127.0.0.1:3999';
const CSAM_PATH = 'gallery/8f1c2e';

/** The workflow's mail and task activities on real PostgreSQL and the SMTP capture. */
describe('notification activities', () => {
  const env = testEnv();
  const mailbox = new CapturedMailbox(env.MAIL_CAPTURE_DIR as string);
  let db: DataSource;
  let mailer: Mailer;
  let activities: NotificationActivitiesService;
  let logged: jest.SpyInstance;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
    mailer = new Mailer(env.SMTP_URL);
    activities = new NotificationActivitiesService(
      db,
      mailer,
      new WorkerSettings(
        'takedown@provider.example',
        'desk@provider.example',
        BASE_URL,
        'default',
        'lead@provider.example',
        'noc@provider.example',
        KEYS,
        3_600_000,
      ),
    );
  });
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    // Whatever was logged, a CSAM URL's path never was.
    expect(JSON.stringify(logged.mock.calls)).not.toContain(CSAM_PATH);
    logged.mockRestore();
  });

  const mailsWithKey = (key: string): Promise<CapturedMail[]> => mailbox.withKey(key);

  const customer = async (opts: {
    language?: 'nl' | 'en';
    timeZone?: string;
    contacts?: string[];
    accountManagerEmail?: string | null;
  }) => {
    const id = randomUUID();
    const saved = await db.getRepository(CustomerEntity).save({
      id,
      reference: `T-${id.slice(0, 8)}`,
      name: 'Tenant A B.V.',
      contractType: 'colocation',
      language: opts.language ?? 'en',
      timeZone: opts.timeZone ?? 'Europe/Amsterdam',
      accountManagerEmail: opts.accountManagerEmail ?? null,
    });
    const contacts = opts.contacts ?? [];
    if (contacts.length) {
      await db.getRepository(AbuseContactEntity).insert(contacts.map((email) => ({ customerId: id, email })));
    }
    return saved;
  };

  const attributedNotice = async (customerId: string | null, extra: Partial<NoticeEntity> = {}) => {
    const { notice } = await storeNotice(db, { sourceContact: extra.sourceContact ?? undefined });
    await db.getRepository(NoticeEntity).update({ id: notice.id }, { customerId, ...extra });
    return notice;
  };

  const failureType = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (err: unknown) => (err instanceof ApplicationFailure && err.nonRetryable ? err.type : String(err)),
    );

  it('emails the notice once to every abuse contact, in Dutch, with the deadline in the customer’s zone and two working links', async () => {
    const c = await customer({
      language: 'nl',
      contacts: ['abuse@tenant-a.example', 'noc@tenant-a.example'],
    });
    const notice = await attributedNotice(c.id);
    const email = {
      noticeId: notice.id,
      key: `${notice.id}:notify:0`,
      kind: 'notice' as const,
      deadline: '2026-11-21T08:14:00Z',
    };
    await activities.notifyCustomer(email);
    await activities.notifyCustomer(email);

    const mails = await mailsWithKey(email.key);
    expect(mails).toHaveLength(1);
    expect(mails[0].to.sort()).toEqual(['abuse@tenant-a.example', 'noc@tenant-a.example']);
    expect(mails[0].subject).toContain('Melding van misbruik');
    expect(mails[0].text).toMatch(/Termijn: zaterdag 21 november 2026 om 09:14 \(Europe\/Amsterdam\)/);
    // The customer has to find the material: the CSAM URL is in the email in full.
    expect(mails[0].text).toContain(`https://files.tenant-a.example/${CSAM_PATH}`);
    const tokens = [...mails[0].text.matchAll(/\/links\/([\w.-]+)/g)].map((m) => m[1]);
    expect(tokens.map((t) => verifyLink(KEYS, t))).toEqual([
      expect.objectContaining({ t: 'notice', id: notice.id, action: 'removed' }),
      expect.objectContaining({ t: 'notice', id: notice.id, action: 'dispute' }),
    ]);
  });

  it('writes an English reminder for an English customer', async () => {
    const c = await customer({ contacts: ['abuse@tenant-en.example'], timeZone: 'America/New_York' });
    const notice = await attributedNotice(c.id);
    const key = `${notice.id}:reminder:0:1`;
    await activities.notifyCustomer({
      noticeId: notice.id,
      key,
      kind: 'reminder',
      deadline: '2026-11-21T08:14:00Z',
    });
    const [mail] = await mailsWithKey(key);
    expect(mail.subject).toMatch(/^\[Takedown\] Reminder: Abuse notice/);
    expect(mail.text).toMatch(/03:14 \(America\/New_York\)/);
  });

  it('fails without retrying when the customer has no abuse contacts, the notice no customer, or there is no notice', async () => {
    const c = await customer({ contacts: [] });
    const notice = await attributedNotice(c.id);
    const email = (noticeId: string) => ({
      noticeId,
      key: `${noticeId}:notify:0`,
      kind: 'notice' as const,
      deadline: new Date().toISOString(),
    });
    expect(await failureType(activities.notifyCustomer(email(notice.id)))).toBe('CUSTOMER.NO_CONTACTS');
    const unattributed = await attributedNotice(null);
    expect(await failureType(activities.notifyCustomer(email(unattributed.id)))).toBe('NOTICE.UNATTRIBUTED');
    expect(await failureType(activities.notifyCustomer(email(randomUUID())))).toBe('NOTICE.NOT_FOUND');
  });

  it('opens a task once per key, emails its account manager once, with a link per outcome and the CSAM URL redacted', async () => {
    const c = await customer({
      contacts: ['abuse@tenant-b.example'],
      accountManagerEmail: 'am.jansen@provider.example',
    });
    const notice = await attributedNotice(c.id);
    const task = {
      noticeId: notice.id,
      key: `${notice.id}:task:account_manager_escalation:7`,
      kind: 'account_manager_escalation' as const,
      assignee: 'account_manager' as const,
      dueAt: '2026-11-21T14:14:00Z',
      summary: 'The customer missed the removal deadline: contact it, or request suspension.',
    };
    const first = await activities.openTask(task);
    const again = await activities.openTask(task);
    expect(again.taskId).toBe(first.taskId);

    const rows = await db.getRepository(TaskEntity).findBy({ noticeId: notice.id });
    expect(rows).toEqual([
      expect.objectContaining({
        id: first.taskId,
        status: 'open',
        assignee: 'account_manager',
        assigneeEmail: 'am.jansen@provider.example',
        dueAt: new Date(task.dueAt),
      }),
    ]);
    const mails = await mailsWithKey(task.key);
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['am.jansen@provider.example']);
    expect(mails[0].text).not.toContain(CSAM_PATH);
    expect(mails[0].text).toContain(`${BASE_URL}/v1/tasks/${first.taskId}/complete`);
    const actions = [...mails[0].text.matchAll(/\/links\/([\w.-]+)/g)].map((m) => verifyLink(KEYS, m[1]));
    expect(actions.map((a) => [a.t, a.id, a.action])).toEqual(
      TASK_OUTCOMES.account_manager_escalation.map((o) => ['task', first.taskId, o]),
    );
  });

  it('sends tasks to the configured desk, lead and NOC addresses, and to the desk when a customer has no account manager', async () => {
    const c = await customer({ contacts: ['abuse@tenant-c.example'] });
    const notice = await attributedNotice(c.id);
    const open = (assignee: 'abuse_desk' | 'abuse_lead' | 'noc' | 'account_manager', n: number) =>
      activities.openTask({
        noticeId: notice.id,
        key: `${notice.id}:task:${assignee}:${n}`,
        kind: 'noc_suspension',
        assignee,
        dueAt: new Date().toISOString(),
        summary: 'Suspend the server.',
      });
    const ids = [
      await open('abuse_desk', 1),
      await open('abuse_lead', 2),
      await open('noc', 3),
      await open('account_manager', 4),
    ];
    const emails = await Promise.all(
      ids.map(
        async ({ taskId }) =>
          (await db.getRepository(TaskEntity).findOneByOrFail({ id: taskId })).assigneeEmail,
      ),
    );
    expect(emails).toEqual([
      'desk@provider.example',
      'lead@provider.example',
      'noc@provider.example',
      'desk@provider.example',
    ]);
  });

  it('reminds the assignee of an open task once per key, and not at all once it is closed', async () => {
    const c = await customer({ contacts: ['abuse@tenant-d.example'] });
    const notice = await attributedNotice(c.id);
    const { taskId } = await activities.openTask({
      noticeId: notice.id,
      key: `${notice.id}:task:removal_check:1`,
      kind: 'removal_check',
      assignee: 'abuse_desk',
      dueAt: new Date().toISOString(),
      summary: 'Check that the material is gone.',
    });
    await activities.remindTask({ taskId, key: `${taskId}:reminder` });
    await activities.remindTask({ taskId, key: `${taskId}:reminder` });
    const reminders = await mailsWithKey(`${taskId}:reminder`);
    expect(reminders).toHaveLength(1);
    expect(reminders[0].subject).toContain('Reminder: Task: removal check');

    // An attempt the mail server refused (451) left its outbox row; the task closes before the retry.
    const outbox = new PgEmailOutbox(db);
    await outbox.open({ key: `${taskId}:reminder:2`, to: ['desk@provider.example'], subject: 'Reminder' });
    await activities.closeTasks({ noticeId: notice.id, reason: 'notice closed: removed_in_time' });
    await activities.remindTask({ taskId, key: `${taskId}:reminder:2` });
    expect(await mailsWithKey(`${taskId}:reminder:2`)).toHaveLength(0);
    // Withdrawn: no email waits on it (the fault suite's "never sent", and a system that never settled).
    expect(await outbox.find(`${taskId}:reminder:2`)).toBeNull();
    // A row past its commit point stays: that email may have gone out.
    await outbox.open({ key: `${taskId}:reminder:3`, to: ['desk@provider.example'], subject: 'Reminder' });
    await outbox.claimCommit(`${taskId}:reminder:3`, null);
    await activities.remindTask({ taskId, key: `${taskId}:reminder:3` });
    expect(await outbox.find(`${taskId}:reminder:3`)).toMatchObject({
      sentAt: null,
      committedAt: expect.any(Date),
    });
    expect(await failureType(activities.remindTask({ taskId: randomUUID(), key: 'x' }))).toBe(
      'TASK.NOT_FOUND',
    );
  });

  it('cancels only the notice’s open tasks when it closes, with the reason', async () => {
    const c = await customer({ contacts: ['abuse@tenant-e.example'] });
    const notice = await attributedNotice(c.id);
    const other = await attributedNotice(c.id);
    const open = (noticeId: string, n: number) =>
      activities.openTask({
        noticeId,
        key: `${noticeId}:task:dispute_review:${n}`,
        kind: 'dispute_review',
        assignee: 'abuse_desk',
        dueAt: new Date().toISOString(),
        summary: 'Review the dispute.',
      });
    const [done, pending, elsewhere] = [
      await open(notice.id, 1),
      await open(notice.id, 2),
      await open(other.id, 1),
    ];
    await db.query(
      `UPDATE tasks SET status = 'completed', outcome = 'accept', completed_at = now(), completed_by = 'desk:x' WHERE id = $1`,
      [done.taskId],
    );
    await activities.closeTasks({ noticeId: notice.id, reason: 'notice closed: invalid' });
    await activities.closeTasks({ noticeId: notice.id, reason: 'notice closed: invalid' });

    const status = async (id: string) => db.getRepository(TaskEntity).findOneByOrFail({ id });
    expect(await status(done.taskId)).toMatchObject({ status: 'completed', outcome: 'accept' });
    expect(await status(pending.taskId)).toMatchObject({
      status: 'cancelled',
      note: 'notice closed: invalid',
      completedBy: 'workflow',
    });
    expect(await status(elsewhere.taskId)).toMatchObject({ status: 'open' });
  });

  it('gives the source feedback once, under its own reference, and nothing when it left no email address', async () => {
    const c = await customer({ contacts: ['abuse@tenant-f.example'] });
    const receivedAt = new Date('2026-11-20T08:14:00Z');
    const notice = await attributedNotice(c.id, {
      sourceContact: 'Reports@Hotline.example',
      state: 'closed',
      outcome: 'removed_in_time',
      receivedAt,
      removedAt: new Date('2026-11-20T10:14:00Z'),
      closedAt: new Date('2026-11-20T10:30:00Z'),
    });
    const key = `${notice.id}:feedback:0`;
    await activities.sendSourceFeedback({ noticeId: notice.id, key });
    await activities.sendSourceFeedback({ noticeId: notice.id, key });
    const mails = await mailsWithKey(key);
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['reports@hotline.example']);
    expect(mails[0].subject).toBe(
      `[Takedown] Your report ${notice.sourceReference}: removed within the deadline`,
    );
    expect(mails[0].text).toContain('Time to removal: 2 h 0 min');
    expect(mails[0].text).not.toContain(CSAM_PATH);

    const silent = await attributedNotice(c.id, { sourceContact: '+31 20 123 4567' });
    await activities.sendSourceFeedback({ noticeId: silent.id, key: `${silent.id}:feedback:0` });
    expect(await mailsWithKey(`${silent.id}:feedback:0`)).toHaveLength(0);
  });
});
