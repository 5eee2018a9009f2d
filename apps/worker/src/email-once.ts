import type { OutgoingMail, RenderedEmail, SendOutcome } from '@takedown/mail';
import type { EmailOutbox } from '@takedown/persistence';

export interface EmailSender {
  send(mail: OutgoingMail, commit: () => Promise<boolean>): Promise<SendOutcome>;
}

export interface EmailOnceLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Sends each key's email at least once, through the outbox, and again only when an attempt could not learn whether
 * it was delivered. The send is recorded at the mailer's commit point (set just before the final dot of SMTP DATA, by
 * a compare-and-set so that only one attempt can pass it) and confirmed on the server's 250. An attempt that finds a
 * commit point without a confirmation (a worker killed after it, a lost acknowledgement) sends again under the same
 * Message-ID, which receivers can drop, claiming the resend by a compare-and-set on the commit time it saw, once that
 * commit point's lease has ended (`EMAIL_COMMIT_LEASE_MS`: till then its attempt may still be waiting for the answer;
 * an attempt that learns its outcome is unknown ends its lease at once). For a
 * legal notice a repeat is harmless and a loss is not. A server that refuses the message gets the commit point
 * undone, and the retry sends. An outcome this attempt cannot know fails it, so that the activity is retried and no
 * step is recorded on an unconfirmed delivery. The body is rendered (and links signed) only when needed, and is not
 * stored: it can hold reported URLs.
 */
export class EmailOnce {
  constructor(
    private readonly outbox: EmailOutbox,
    private readonly sender: EmailSender,
    private readonly from: string,
    private readonly log: EmailOnceLog,
  ) {}

  /** A step that no longer sends its email (see `EmailOutbox.withdraw`): an earlier refused attempt's row goes. */
  withdraw(key: string): Promise<void> {
    return this.outbox.withdraw(key);
  }

  /** `sent`, `resent` after an unconfirmed earlier attempt, or false when an earlier delivery was confirmed. */
  async send(
    key: string,
    to: string[],
    render: () => RenderedEmail | Promise<RenderedEmail>,
  ): Promise<'sent' | 'resent' | false> {
    const existing = await this.outbox.find(key);
    if (existing?.sentAt) return false;
    if (existing?.inFlight) {
      // Not unknown yet: the attempt that passed the commit point may still be waiting for the server's answer.
      throw new Error(`email ${key}: another attempt holds its commit point, its outcome not yet known`);
    }
    const unconfirmed = existing?.committedAt ?? null;
    if (unconfirmed) {
      this.log.warn(
        { key, committedAt: unconfirmed },
        'email sent again: an earlier attempt passed its commit point without the server confirming delivery',
      );
    }
    const mail = await render();
    if (!existing) await this.outbox.open({ key, to, subject: mail.subject });
    let claimed: Date | null = null;
    const outcome = await this.sender.send(
      {
        from: this.from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments,
        idempotencyKey: key,
      },
      async () => {
        claimed = await this.outbox.claimCommit(key, unconfirmed);
        return claimed !== null;
      },
    );
    switch (outcome.status) {
      case 'sent':
        await this.outbox.confirm(key, outcome.messageId);
        return unconfirmed ? 'resent' : 'sent';
      case 'withheld':
        // A concurrent attempt (an activity retried while a timed-out one still ran) holds the commit point: try
        // again later, when its delivery is confirmed or known to be unconfirmed.
        throw new Error(`email ${key}: another attempt holds its commit point`);
      case 'refused':
        await this.outbox.undoCommit(key);
        throw new Error(`the mail server did not take email ${key}: ${outcome.reason}`);
      case 'unknown':
        // Known to be unknown: the retry need not wait for the lease to end. Should this fail, it ends by itself.
        if (claimed) await this.outbox.releaseCommit(key, claimed).catch(() => undefined);
        throw new Error(
          `email ${key}: the mail server did not confirm delivery (${outcome.reason}); sending again`,
        );
    }
  }
}
