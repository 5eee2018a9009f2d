import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { CapturedMailbox } from '@takedown/mail';
import { latestSnapshot } from '@takedown/persistence';
import { transparencyDbStatement, type StatementOfReasons } from '@takedown/reports';
import { NotificationActivitiesService } from '@takedown/worker/notification-activities.service';
import { WorkerModule } from '@takedown/worker/worker.module';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

const CSAM_PATH = 'gallery/8f1c2e';

/**
 * DSA Art. 17: a person requests the suspension of what serves a notice's content; the customer gets the statement of
 * reasons before the NOC is asked to act, on the real worker's activities, PostgreSQL and the SMTP capture.
 */
describe('the statement of reasons for a suspension', () => {
  const env = testEnv();
  const mailbox = new CapturedMailbox(env.MAIL_CAPTURE_DIR as string);
  let container: INestApplicationContext;
  let db: DataSource;
  let activities: NotificationActivitiesService;

  beforeAll(async () => {
    container = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    db = container.get(DataSource);
    activities = container.get(NotificationActivitiesService);
  });
  afterAll(() => container?.close());

  async function noticeIn(state: string, language: 'nl' | 'en' = 'en') {
    const { customer, ip, contacts } = await storeCustomer(db, { language });
    const { notice } = await storeNotice(db, { category: 'csam', ip });
    await db.query(`UPDATE notices SET customer_id = $2, state = $3 WHERE id = $1`, [
      notice.id,
      customer.id,
      state,
    ]);
    await db.query(
      `INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
       VALUES ($1, 'suspension_requested', 'am@provider.example', $2, '{}', now(), $3)`,
      [notice.id, `Still online at https://files.tenant-a.example/${CSAM_PATH} after the call`, randomUUID()],
    );
    return { notice, contacts };
  }

  const nocTask = (noticeId: string) => ({
    noticeId,
    key: `${noticeId}:task:noc`,
    kind: 'noc_suspension' as const,
    assignee: 'noc' as const,
    dueAt: new Date(Date.now() + 3_600_000).toISOString(),
    summary: 'Suspend the server or port that serves the reported material, then confirm.',
  });

  it('goes to the customer, signed and stored, before the NOC task is opened', async () => {
    const { notice, contacts } = await noticeIn('suspension_requested');
    await activities.openTask(nocTask(notice.id));

    const snapshot = await latestSnapshot(db, 'statement_of_reasons', notice.id);
    expect(snapshot).not.toBeNull();
    const statement = JSON.parse(snapshot!.json) as StatementOfReasons;
    expect(statement.restriction).toMatchObject({ type: 'suspension', scope: 'partial' });
    expect(statement.ground.type).toBe('illegal_content');
    expect(statement.case.id).toBe(notice.id);
    expect(snapshot!.json).not.toContain(CSAM_PATH);
    expect(transparencyDbStatement(statement)).toMatchObject({
      decision_provision: 'DECISION_PROVISION_PARTIAL_SUSPENSION',
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
    });

    const [mail] = await mailbox.withKey(`${notice.id}:statement:suspension`);
    expect(mail.to).toEqual(contacts);
    expect(mail.text).toContain('Restriction: suspension of the server or network port');
    expect(mail.text).toContain('Out-of-court dispute settlement');
    // Redress for a suspension is the appeal of its notice, not a letter to legal about a termination case.
    expect(mail.text).toContain('appeal it in the customer portal');
    expect(mail.text).not.toContain('until decommissioning');
    expect(statement.redress.internalComplaint).toMatch(
      /^Internal complaint: once the suspension is in place/,
    );
    expect(mail.text).not.toContain(CSAM_PATH);
    // The statement's delivery was confirmed before the NOC's task (and its email) existed.
    const [order] = (await db.query(
      `SELECT (SELECT sent_at FROM outbound_emails WHERE idempotency_key = $2) AS statement_sent,
              (SELECT created_at FROM tasks WHERE notice_id = $1 AND kind = 'noc_suspension') AS task_opened`,
      [notice.id, `${notice.id}:statement:suspension`],
    )) as { statement_sent: Date; task_opened: Date }[];
    expect(order.statement_sent.getTime()).toBeLessThanOrEqual(order.task_opened.getTime());

    // A retry of the activity sends no second statement and makes no second snapshot.
    await activities.openTask(nocTask(notice.id));
    expect(await mailbox.withKey(`${notice.id}:statement:suspension`)).toHaveLength(1);
    const [{ n }] = (await db.query(
      `SELECT count(*)::int AS n FROM report_snapshots WHERE subject_id = $1 AND kind = 'statement_of_reasons'`,
      [notice.id],
    )) as { n: number }[];
    expect(n).toBe(1);
  });

  it('is written in the customer’s language', async () => {
    const { notice } = await noticeIn('suspension_requested', 'nl');
    await activities.openTask(nocTask(notice.id));
    const [mail] = await mailbox.withKey(`${notice.id}:statement:suspension`);
    expect(mail.subject).toContain('Motivering van de beslissing');
    expect(mail.text).toContain('Beperking: opschorting van de server of netwerkpoort');
  });

  it('goes out, once, when the NOC suspended on a removal order’s stand-by', async () => {
    const { notice, contacts } = await noticeIn('suspension_requested');
    await activities.sendSuspensionStatement({ noticeId: notice.id });
    await activities.sendSuspensionStatement({ noticeId: notice.id }); // a retry sends nothing more
    const mails = await mailbox.withKey(`${notice.id}:statement:suspension`);
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(contacts);
    expect(mails[0].text).toContain('Restriction: suspension of the server or network port');
    // Requested by the policy at the order's deadline, not by a person: the statement does not claim otherwise.
    expect(mails[0].text).toContain('or our policy once the deadline had passed, requested the suspension');
    const snapshot = await latestSnapshot(db, 'statement_of_reasons', notice.id);
    expect(JSON.parse(snapshot!.json) as StatementOfReasons).toMatchObject({
      restriction: { type: 'suspension' },
    });
    expect(snapshot!.json).not.toContain(CSAM_PATH);
  });

  it('is not sent when the NOC only stands by (a removal order at receipt): nothing is restricted yet', async () => {
    const { notice } = await noticeIn('customer_notified');
    await activities.openTask(nocTask(notice.id));
    expect(await mailbox.withKey(`${notice.id}:statement:suspension`)).toEqual([]);
    expect(await latestSnapshot(db, 'statement_of_reasons', notice.id)).toBeNull();
  });
});
