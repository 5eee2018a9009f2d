import type { OutgoingMail, SendOutcome } from '@takedown/mail';
import type { EmailOutbox, OutboxEntry } from '@takedown/persistence';
import { EmailOnce, type EmailSender } from '../../apps/worker/src/email-once';

/** The outbox's contract, in memory: the same compare-and-set on the commit point as the PostgreSQL one. */
class MemoryOutbox implements EmailOutbox {
  readonly rows = new Map<string, OutboxEntry & { to: string[]; messageId: string | null }>();
  private clock = 0;

  async find(key: string): Promise<OutboxEntry | null> {
    const row = this.rows.get(key);
    return row ? { ...row } : null;
  }
  async open({ key, to }: { key: string; to: string[]; subject: string }): Promise<void> {
    if (!this.rows.has(key)) {
      this.rows.set(key, { key, to, committedAt: null, sentAt: null, resends: 0, messageId: null });
    }
  }
  async claimCommit(key: string, seen: Date | null): Promise<boolean> {
    const row = this.rows.get(key);
    if (!row || row.sentAt || (row.committedAt?.getTime() ?? null) !== (seen?.getTime() ?? null))
      return false;
    row.committedAt = new Date(++this.clock);
    if (seen) row.resends++;
    return true;
  }
  async confirm(key: string, messageId: string): Promise<void> {
    const row = this.rows.get(key)!;
    row.sentAt = new Date(++this.clock);
    row.messageId = messageId;
  }
  async undoCommit(key: string): Promise<void> {
    const row = this.rows.get(key)!;
    if (!row.sentAt) row.committedAt = null;
  }
  async withdraw(key: string): Promise<void> {
    const row = this.rows.get(key);
    if (row && !row.committedAt && !row.sentAt) this.rows.delete(key);
  }
}

/** A mail server whose next answers are scripted; it asks the commit point as the real mailer does. */
class ScriptedServer implements EmailSender {
  readonly delivered: OutgoingMail[] = [];
  constructor(private readonly answers: Array<SendOutcome['status']>) {}

  async send(mail: OutgoingMail, commit: () => Promise<boolean>): Promise<SendOutcome> {
    if (!(await commit())) return { status: 'withheld' };
    const answer = this.answers.shift() ?? 'sent';
    if (answer === 'sent' || answer === 'unknown') this.delivered.push(mail);
    switch (answer) {
      case 'sent':
        return { status: 'sent', messageId: `<${mail.idempotencyKey}@takedown.example>` };
      case 'unknown':
        return { status: 'unknown', reason: 'connection closed after the final dot' };
      case 'refused':
        return { status: 'refused', reason: '554 rejected' };
      default:
        return { status: 'withheld' };
    }
  }
}

const mail = () => ({ subject: 'Notice', text: 'body', html: '<p>body</p>' });
const quiet = { warn: () => undefined };

describe('EmailOnce: every email at least once, again only after an unknown outcome', () => {
  it('sends once and confirms; a later attempt sends nothing', async () => {
    const outbox = new MemoryOutbox();
    const server = new ScriptedServer(['sent']);
    const once = new EmailOnce(outbox, server, 'desk@takedown.example', quiet);

    await expect(once.send('n1:notify:0', ['a@customer.example'], mail)).resolves.toBe('sent');
    await expect(once.send('n1:notify:0', ['a@customer.example'], mail)).resolves.toBe(false);

    expect(server.delivered).toHaveLength(1);
    expect(outbox.rows.get('n1:notify:0')).toMatchObject({
      resends: 0,
      messageId: '<n1:notify:0@takedown.example>',
    });
  });

  it('fails an attempt whose delivery it cannot know, and sends again under the same key, counting the resend', async () => {
    const outbox = new MemoryOutbox();
    const server = new ScriptedServer(['unknown', 'sent']);
    const warnings: string[] = [];
    const once = new EmailOnce(outbox, server, 'desk@takedown.example', { warn: (_, m) => warnings.push(m) });

    await expect(once.send('n2:notify:0', ['a@customer.example'], mail)).rejects.toThrow(/did not confirm/);
    await expect(once.send('n2:notify:0', ['a@customer.example'], mail)).resolves.toBe('resent');

    expect(server.delivered.map((m) => m.idempotencyKey)).toEqual(['n2:notify:0', 'n2:notify:0']);
    expect(outbox.rows.get('n2:notify:0')).toMatchObject({ resends: 1 });
    expect(warnings).toHaveLength(1);
  });

  it('undoes the commit point when the server refuses, so the retry sends without counting a resend', async () => {
    const outbox = new MemoryOutbox();
    const server = new ScriptedServer(['refused', 'sent']);
    const once = new EmailOnce(outbox, server, 'desk@takedown.example', quiet);

    await expect(once.send('n3:notify:0', ['a@customer.example'], mail)).rejects.toThrow(/did not take/);
    await expect(once.send('n3:notify:0', ['a@customer.example'], mail)).resolves.toBe('sent');

    expect(server.delivered).toHaveLength(1);
    expect(outbox.rows.get('n3:notify:0')).toMatchObject({ resends: 0 });
  });

  it('lets only one of two concurrent attempts pass the commit point', async () => {
    const outbox = new MemoryOutbox();
    const server = new ScriptedServer(['sent', 'sent']);
    const a = new EmailOnce(outbox, server, 'desk@takedown.example', quiet);
    const b = new EmailOnce(outbox, server, 'desk@takedown.example', quiet);

    const outcomes = await Promise.allSettled([
      a.send('n4:notify:0', ['a@customer.example'], mail),
      b.send('n4:notify:0', ['a@customer.example'], mail),
    ]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(server.delivered).toHaveLength(1);
  });

  it('renders the body only when it sends', async () => {
    const outbox = new MemoryOutbox();
    const once = new EmailOnce(outbox, new ScriptedServer(['sent']), 'desk@takedown.example', quiet);
    const render = jest.fn(mail);

    await once.send('n5:notify:0', ['a@customer.example'], render);
    await once.send('n5:notify:0', ['a@customer.example'], render);

    expect(render).toHaveBeenCalledTimes(1);
  });
});
