import type { DataSource, EntityManager } from 'typeorm';
import { OutboundEmailEntity } from './entities/outbound-email.entity';

/**
 * The email outbox (`outbound_emails`): one row per idempotency key, the commit point set just before the final dot
 * of SMTP DATA, the delivery confirmed on the server's 250. The send-at-least-once protocol on top of it lives in the
 * worker (`EmailOnce`); this is only its storage, so that the protocol can be tested against a fake.
 */
export interface EmailOutbox {
  find(key: string): Promise<OutboxEntry | null>;
  /** Writes the row for a first attempt; a concurrent attempt's row wins. */
  open(entry: { key: string; to: string[]; subject: string }): Promise<void>;
  /**
   * Sets the commit point if it is still the one this attempt saw (null for none), with a lease of
   * `EMAIL_COMMIT_LEASE_MS`, counting a resend when it was not null. A commit point seen is taken over only once its
   * lease has ended. The commit time this attempt holds now, or null when it does not hold it.
   */
  claimCommit(key: string, seen: Date | null): Promise<Date | null>;
  /**
   * The attempt that holds the commit point `claimed` cannot know its outcome (the connection broke after the dot):
   * its lease ends now, so that the retry sends again at once.
   */
  releaseCommit(key: string, claimed: Date): Promise<void>;
  /** The server took the message. */
  confirm(key: string, messageId: string): Promise<void>;
  /** The server refused the message: the next attempt sends without counting a resend. */
  undoCommit(key: string): Promise<void>;
  /**
   * The step no longer wants its email (a reminder for a task completed meanwhile): the row of an attempt that never
   * passed its commit point goes, so that nothing waits on it. A row past its commit point stays: that email may have
   * gone out.
   */
  withdraw(key: string): Promise<void>;
}

export interface OutboxEntry {
  key: string;
  committedAt: Date | null;
  /**
   * The commit point's lease has not ended: the attempt that set it may still be waiting for the server's answer, so
   * its outcome is pending, not unknown.
   */
  inFlight: boolean;
  sentAt: Date | null;
  resends: number;
}

/**
 * How long an attempt may take from its commit point to the server's answer: three times the mailer's 20-s socket
 * timeout (libs/mail transport), within which a live attempt has its `250`, its refusal or its error. Till then a
 * commit point without a confirmation may belong to an attempt still sending (a retry that started while a timed-out
 * try still ran); after it, to one that died, whose delivery is unknown and is sent again.
 */
export const EMAIL_COMMIT_LEASE_MS = 60_000;

type Db = DataSource | EntityManager;

export class PgEmailOutbox implements EmailOutbox {
  constructor(private readonly db: Db) {}

  async find(key: string): Promise<OutboxEntry | null> {
    // The lease is judged by the database's clock, the one that set it.
    const [row] = (await this.db.query(
      `SELECT committed_at, sent_at, resends, coalesce(commit_lease_until > now(), false) AS in_flight
       FROM outbound_emails WHERE idempotency_key = $1`,
      [key],
    )) as { committed_at: Date | null; sent_at: Date | null; resends: number; in_flight: boolean }[];
    return row
      ? {
          key,
          committedAt: row.committed_at,
          inFlight: row.committed_at !== null && row.sent_at === null && row.in_flight,
          sentAt: row.sent_at,
          resends: row.resends,
        }
      : null;
  }

  async open({ key, to, subject }: { key: string; to: string[]; subject: string }): Promise<void> {
    await this.db
      .getRepository(OutboundEmailEntity)
      .createQueryBuilder()
      .insert()
      .values({ idempotencyKey: key, to, subject, messageId: null, sentAt: null })
      .orIgnore()
      .execute();
  }

  async claimCommit(key: string, seen: Date | null): Promise<Date | null> {
    // PostgreSQL keeps microseconds, the Date read back has milliseconds: compare at the precision seen. A row committed
    // before leases existed has none (null): ended.
    const [rows] = (await this.db.query(
      `UPDATE outbound_emails
       SET committed_at = now(), commit_lease_until = now() + $4::int * interval '1 millisecond',
           resends = resends + $3::int
       WHERE idempotency_key = $1 AND sent_at IS NULL
         AND date_trunc('milliseconds', committed_at) IS NOT DISTINCT FROM $2::timestamptz
         AND (committed_at IS NULL OR coalesce(commit_lease_until <= now(), true))
       RETURNING committed_at`,
      [key, seen, seen ? 1 : 0, EMAIL_COMMIT_LEASE_MS],
    )) as [{ committed_at: Date }[], number];
    return rows[0]?.committed_at ?? null;
  }

  async releaseCommit(key: string, claimed: Date): Promise<void> {
    await this.db.query(
      `UPDATE outbound_emails SET commit_lease_until = now()
       WHERE idempotency_key = $1 AND sent_at IS NULL AND date_trunc('milliseconds', committed_at) = $2::timestamptz`,
      [key, claimed],
    );
  }

  async confirm(key: string, messageId: string): Promise<void> {
    await this.db
      .getRepository(OutboundEmailEntity)
      .update({ idempotencyKey: key }, { sentAt: new Date(), messageId });
  }

  async undoCommit(key: string): Promise<void> {
    await this.db.query(
      `UPDATE outbound_emails SET committed_at = NULL, commit_lease_until = NULL
       WHERE idempotency_key = $1 AND sent_at IS NULL`,
      [key],
    );
  }

  async withdraw(key: string): Promise<void> {
    await this.db.query(
      `DELETE FROM outbound_emails WHERE idempotency_key = $1 AND committed_at IS NULL AND sent_at IS NULL`,
      [key],
    );
  }
}
