import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import { freePort } from '@takedown/dev';
import { CapturedMailbox, Mailer, startMailCapture, type RunningCapture } from '@takedown/mail';
import {
  EMAIL_COMMIT_LEASE_MS,
  OutboundEmailEntity,
  PgEmailOutbox,
  PgNoticeRepository,
  dataSourceOptions,
} from '@takedown/persistence';
import { NoticeActivitiesService } from '@takedown/worker/notice-activities.service';
import { NotificationActivitiesService } from '@takedown/worker/notification-activities.service';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { firstStep, testWorkerSettings } from '../support/worker-activities';

const settings = testWorkerSettings();
const rendered = { subject: 'Notice', text: 'The material must go.', html: '<p>The material must go.</p>' };

/**
 * Email exactly once (docs/faults.md): the mailer's commit point before the final dot of SMTP DATA, the outbox's
 * compare-and-set on it, and the SMTP capture's fault mode that refuses every other message with 451, at RCPT TO and
 * at the dot in turn. Against a capture of this file's own, so that the counts are this file's.
 */
describe('email commit point', () => {
  const env = testEnv();
  let dir: string;
  let capture: RunningCapture;
  let mailbox: CapturedMailbox;
  let mailer: Mailer;
  let db: DataSource;
  let notifications: NotificationActivitiesService;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-commit-point-'));
    capture = await startMailCapture({ dir, port: await freePort() });
    mailbox = new CapturedMailbox(dir);
    mailer = new Mailer(capture.url);
    db = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
    notifications = new NotificationActivitiesService(db, mailer, settings);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await capture?.stop();
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => capture.refuseEveryOther(false));

  const delivered = (key: string) => mailbox.withKey(key);
  const mail = (key: string) => ({
    from: 'takedown@provider.example',
    to: ['abuse@tenant.example'],
    ...rendered,
    idempotencyKey: key,
  });

  it('the capture greets a sender without looking its address up in the DNS (no query leaves the loopback)', async () => {
    // The module object smtp-server calls (an `import *` would be a copy that cannot be spied on).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reverse = jest.spyOn(require('node:dns') as typeof import('node:dns'), 'reverse');
    try {
      const key = `capture-dns-${randomUUID()}`;
      await expect(mailer.send(mail(key))).resolves.toMatchObject({ status: 'sent' });
      await expect(delivered(key)).resolves.toHaveLength(1);
      expect(reverse).not.toHaveBeenCalled();
    } finally {
      reverse.mockRestore();
    }
  });

  describe('the mailer', () => {
    it('delivers only after the commit point said yes, under a Message-ID derived from the key', async () => {
      const key = `mailer-${randomUUID()}`;
      let committedBeforeDelivery: number | null = null;
      const outcome = await mailer.send(mail(key), async () => {
        committedBeforeDelivery = (await delivered(key)).length;
        return true;
      });
      expect(committedBeforeDelivery).toBe(0);
      expect(outcome).toMatchObject({
        status: 'sent',
        messageId: expect.stringMatching(/^<[0-9a-f]{40}@provider\.example>$/),
      });
      expect(await delivered(key)).toHaveLength(1);
      const again = await mailer.send(mail(key));
      expect(again).toEqual(outcome);
    });

    it('leaves nothing at the server when the commit point says no or fails', async () => {
      const withheld = `mailer-${randomUUID()}`;
      expect(await mailer.send(mail(withheld), async () => false)).toEqual({ status: 'withheld' });
      const failed = `mailer-${randomUUID()}`;
      await expect(
        mailer.send(mail(failed), async () => {
          throw new Error('the database went away');
        }),
      ).rejects.toThrow('the database went away');
      expect(await delivered(withheld)).toHaveLength(0);
      expect(await delivered(failed)).toHaveLength(0);
    });

    it('reports a 451 before the commit point as an error and one at the final dot as refused', async () => {
      capture.refuseEveryOther(true);
      const commits: string[] = [];
      const send = (key: string) =>
        mailer.send(mail(key), async () => {
          commits.push(key);
          return true;
        });
      const [first, second, third, fourth] = Array.from({ length: 4 }, () => `mailer-${randomUUID()}`);
      await expect(send(first)).rejects.toMatchObject({ responseCode: 451 });
      expect(await send(second)).toMatchObject({ status: 'sent' });
      expect(await send(third)).toMatchObject({ status: 'refused', reason: expect.stringContaining('451') });
      expect(await send(fourth)).toMatchObject({ status: 'sent' });
      // The first was refused at RCPT TO, before any commit; the third after its commit point.
      expect(commits).toEqual([second, third, fourth]);
      for (const [key, n] of [
        [first, 0],
        [second, 1],
        [third, 0],
        [fourth, 1],
      ] as const) {
        expect(await delivered(key)).toHaveLength(n);
      }
    });
  });

  describe('the outbox (sendOnce)', () => {
    /** What an attempt ended with: what it sent, `nothing`, or the failure that has the activity retried. */
    const outcomeOf = (r: PromiseSettledResult<'sent' | 'resent' | false>): string =>
      r.status === 'rejected' ? `retry: ${String(r.reason)}` : r.value || 'nothing';
    /**
     * An outbox row past its commit point without the server's confirmation, as the database writes one, left by an
     * attempt that died five minutes ago (its lease ended a minute later).
     */
    const unconfirmed = (key: string) =>
      db.getRepository(OutboundEmailEntity).insert({
        idempotencyKey: key,
        to: ['abuse@tenant.example'],
        subject: rendered.subject,
        messageId: null,
        // Microseconds, as PostgreSQL keeps them, not the milliseconds of a Date.
        committedAt: () => "now() - interval '5 minutes'",
        commitLeaseUntil: () => "now() - interval '4 minutes'",
        sentAt: null,
      });
    const row = (key: string) =>
      db.getRepository(OutboundEmailEntity).findOneByOrFail({ idempotencyKey: key });

    it('sends once per key, the commit point and the send both recorded', async () => {
      const key = `outbox-${randomUUID()}`;
      expect(await notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered)).toBe('sent');
      expect(await notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered)).toBe(false);
      const stored = await row(key);
      expect(stored.committedAt).toBeInstanceOf(Date);
      expect(stored.sentAt).toBeInstanceOf(Date);
      expect(await delivered(key)).toHaveLength(1);
    });

    it('sends again, under the same Message-ID, what an attempt killed after its commit point could not confirm', async () => {
      const key = `outbox-${randomUUID()}`;
      // What a worker SIGKILLed between the commit point and the server's answer leaves behind: the email may or may
      // not have reached the server. At least once: a lost legal notice is worse than a repeat receivers can drop.
      await unconfirmed(key);
      expect(await notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered)).toBe('resent');
      const [message] = await delivered(key);
      expect(message).toBeDefined();
      expect(await row(key)).toMatchObject({
        resends: 1,
        sentAt: expect.any(Date),
        messageId: expect.stringMatching(/^<[0-9a-f]{40}@provider\.example>$/),
      });
      // Confirmed now: a later attempt sends nothing.
      expect(await notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered)).toBe(false);
      expect(await delivered(key)).toHaveLength(1);
    });

    it('sends an unconfirmed email again once only, when two attempts find it at the same time', async () => {
      const key = `outbox-${randomUUID()}`;
      await unconfirmed(key);
      const results = await Promise.allSettled([
        notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered),
        notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered),
      ]);
      // One sends; the other either failed at the commit point (to be retried) or came after the confirmation.
      expect(results.map(outcomeOf).filter((o) => o === 'resent')).toHaveLength(1);
      expect(results.map(outcomeOf).filter((o) => o !== 'resent')).toEqual([
        expect.stringMatching(/^(retry: .*another attempt holds its commit point.*|nothing)$/),
      ]);
      expect((await row(key)).resends).toBe(1);
      expect(await delivered(key)).toHaveLength(1);
    });

    it('sends nothing while the attempt that sends it again waits for the answer (the capture holds its 250)', async () => {
      const key = `outbox-${randomUUID()}`;
      await unconfirmed(key);
      const hold = capture.holdNextAnswer(30_000, (k) => k === key);
      // Another key's message is answered as ever.
      await expect(mailer.send(mail(`other-${randomUUID()}`))).resolves.toMatchObject({ status: 'sent' });
      const first = notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered);
      const held = await hold;
      try {
        expect(held?.key).toBe(key);
        expect(await delivered(key)).toHaveLength(1);
        // The second attempt finds a commit point without a confirmation, as it would one left by a dead attempt. This
        // one is young: its outcome is not unknown yet, only pending.
        await expect(notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered)).rejects.toThrow(
          /another attempt holds its commit point/,
        );
      } finally {
        held?.release();
      }
      expect(await first).toBe('resent');
      expect((await row(key)).resends).toBe(1);
      expect(await delivered(key)).toHaveLength(1);
      // A hold that found no message ends empty.
      await expect(capture.holdNextAnswer(50)).resolves.toBeNull();
    });

    it('lets a commit point be taken over only once its lease has ended or its attempt released it', async () => {
      const outbox = new PgEmailOutbox(db);
      const key = `outbox-${randomUUID()}`;
      await outbox.open({ key, to: ['abuse@tenant.example'], subject: rendered.subject });
      const claimed = await outbox.claimCommit(key, null);
      expect(claimed).toBeInstanceOf(Date);
      expect(await outbox.claimCommit(key, null)).toBeNull();
      expect(await outbox.find(key)).toMatchObject({ committedAt: claimed, inFlight: true });
      // Within the lease (60 s from the claim), the commit point seen cannot be taken over.
      expect(await outbox.claimCommit(key, claimed)).toBeNull();
      expect((await row(key)).commitLeaseUntil!.getTime() - claimed!.getTime()).toBe(EMAIL_COMMIT_LEASE_MS);

      // Its attempt learnt that it cannot know the outcome: the lease ends at once, and the next claim counts a resend.
      await outbox.releaseCommit(key, claimed!);
      expect(await outbox.find(key)).toMatchObject({ inFlight: false });
      const again = await outbox.claimCommit(key, claimed);
      expect(again).toBeInstanceOf(Date);
      expect(await outbox.claimCommit(key, claimed)).toBeNull();
      expect(await row(key)).toMatchObject({ resends: 1 });

      // A release by an attempt that no longer holds the commit point ends nobody's lease.
      await outbox.releaseCommit(key, claimed!);
      expect(await outbox.find(key)).toMatchObject({ inFlight: true });
    });

    it('undoes the commit point when the server refuses at the final dot, so that the retry delivers once', async () => {
      capture.refuseEveryOther(true);
      const send = (key: string) => notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered);
      await expect(send(`outbox-${randomUUID()}`)).rejects.toMatchObject({ responseCode: 451 });
      expect(await send(`outbox-${randomUUID()}`)).toBe('sent');
      const key = `outbox-${randomUUID()}`;
      await expect(send(key)).rejects.toThrow(/did not take email .*451/);
      expect(await row(key)).toMatchObject({ committedAt: null, sentAt: null, resends: 0 });
      expect(await send(key)).toBe('sent');
      expect(await delivered(key)).toHaveLength(1);
    });

    it('lets only one of two concurrent attempts past the commit point; the other fails, to be retried', async () => {
      const key = `outbox-${randomUUID()}`;
      const send = () => notifications.sendOnce(key, ['abuse@tenant.example'], () => rendered);
      const results = await Promise.allSettled([send(), send()]);
      expect(results.map(outcomeOf).filter((o) => o === 'sent')).toHaveLength(1);
      expect(results.map(outcomeOf).filter((o) => o !== 'sent')).toEqual([
        expect.stringMatching(/^(retry: .*another attempt holds its commit point.*|nothing)$/),
      ]);
      // The retry finds the delivery confirmed and sends nothing.
      expect(await send()).toBe(false);
      expect(await delivered(key)).toHaveLength(1);
    });
  });

  describe('a workflow whose intake has not committed yet', () => {
    // Intake starts the workflow before it commits the notice: the first step waits for that commit (or rollback).
    const intake = async () => {
      const id = randomUUID();
      const tx = db.createQueryRunner();
      await tx.connect();
      await tx.startTransaction();
      await new PgNoticeRepository(db).insertNotice(tx.manager, {
        id,
        workflowId: `notice-${id}`,
        sourceKind: 'hotline',
        sourceName: 'Commit point hotline',
        sourceReference: `intake-${id}`,
        category: 'phishing',
        urls: [`https://intake.example/${id}`],
        receivedAt: new Date(),
        hashes: {},
      });
      const first = new NoticeActivitiesService(db, settings).receiveNotice(firstStep(id));
      const settled = { done: false };
      void first.then(
        () => (settled.done = true),
        () => (settled.done = true),
      );
      // The step waits on the intake's lock (PostgreSQL lists its request as not granted), not merely slow to start.
      await eventually(
        async () =>
          (
            await db.query(
              `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2
                 AND classid = hashtext('notice_intake')::oid AND objid = hashtext($1)::oid`,
              [id],
            )
          )[0].n as number,
        (n) => n === 1 || settled.done,
      );
      return { id, tx, first, settled };
    };

    it('takes its first steps once the intake commits, not before', async () => {
      const { id, tx, first, settled } = await intake();
      expect(settled.done).toBe(false);
      await tx.commitTransaction();
      await tx.release();
      await expect(first).resolves.toMatchObject({ customer: null });
      const events = await db.query(`SELECT type FROM notice_events WHERE notice_id = $1 ORDER BY id`, [id]);
      expect(events.map((e: { type: string }) => e.type)).toEqual(['received', 'unattributed']);
    });

    it('fails its first step, to be tried again, once the intake rolls back', async () => {
      const { tx, first, settled } = await intake();
      expect(settled.done).toBe(false);
      await tx.rollbackTransaction();
      await tx.release();
      const thrown = await first.catch((err: unknown) => err);
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).not.toBeInstanceOf(ApplicationFailure);
    });
  });

  describe('a workflow whose intake never committed', () => {
    const notices = () => new NoticeActivitiesService(db, settings);
    const event = (at: Date) => ({
      noticeId: randomUUID(),
      key: `orphan-${randomUUID()}`,
      type: 'received',
      actor: 'workflow',
      at: at.toISOString(),
    });

    it('keeps retrying its first step while the notice row may still be on its way', async () => {
      const thrown = await notices()
        .recordEvent(event(new Date()))
        .catch((err: unknown) => err);
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).not.toBeInstanceOf(ApplicationFailure);
    });

    it('ends with NOTICE.NOT_FOUND, not retried, once the row is a minute overdue', async () => {
      const thrown = await notices()
        .recordEvent(event(new Date(Date.now() - 61_000)))
        .catch((err: unknown) => err);
      expect(thrown).toBeInstanceOf(ApplicationFailure);
      expect(thrown).toMatchObject({ type: 'NOTICE.NOT_FOUND', nonRetryable: true });
    });
  });
});
