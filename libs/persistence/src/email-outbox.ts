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
   * Sets the commit point if it is still the one this attempt saw (null for none), counting a resend when it was not
   * null. True when this attempt holds the commit point now.
   */
  claimCommit(key: string, seen: Date | null): Promise<boolean>;
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
  sentAt: Date | null;
  resends: number;
}

type Db = DataSource | EntityManager;

export class PgEmailOutbox implements EmailOutbox {
  constructor(private readonly db: Db) {}

  async find(key: string): Promise<OutboxEntry | null> {
    const row = await this.db.getRepository(OutboundEmailEntity).findOneBy({ idempotencyKey: key });
    return row && { key, committedAt: row.committedAt, sentAt: row.sentAt, resends: row.resends };
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

  async claimCommit(key: string, seen: Date | null): Promise<boolean> {
    // PostgreSQL keeps microseconds, the Date read back has milliseconds: compare at the precision seen.
    const [, claimed] = (await this.db.query(
      `UPDATE outbound_emails SET committed_at = now(), resends = resends + $3::int
       WHERE idempotency_key = $1 AND sent_at IS NULL
         AND date_trunc('milliseconds', committed_at) IS NOT DISTINCT FROM $2::timestamptz
       RETURNING idempotency_key`,
      [key, seen, seen ? 1 : 0],
    )) as [unknown[], number];
    return claimed === 1;
  }

  async confirm(key: string, messageId: string): Promise<void> {
    await this.db
      .getRepository(OutboundEmailEntity)
      .update({ idempotencyKey: key }, { sentAt: new Date(), messageId });
  }

  async undoCommit(key: string): Promise<void> {
    await this.db.query(
      `UPDATE outbound_emails SET committed_at = NULL WHERE idempotency_key = $1 AND sent_at IS NULL`,
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
