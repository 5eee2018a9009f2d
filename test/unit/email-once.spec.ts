import type { OutgoingMail, SendOutcome } from '@takedown/mail';
import { EMAIL_COMMIT_LEASE_MS, type EmailOutbox, type OutboxEntry } from '@takedown/persistence';
import { EmailOnce, type EmailSender } from '../../apps/worker/src/email-once';

/** The outbox's contract, in memory: the same compare-and-set on the commit point and lease as the PostgreSQL one. */
class MemoryOutbox implements EmailOutbox {
  readonly rows = new Map<
    string,
    Omit<OutboxEntry, 'inFlight'> & { to: string[]; messageId: string | null; leaseUntil: number | null }
  >();
  private now = 1_000_000;

  /** Time passes (ms). */
  advance(ms: number): void {
    this.now += ms;
  }
  private tick(): Date {
    return new Date(++this.now);
  }
  async find(key: string): Promise<OutboxEntry | null> {
    const row = this.rows.get(key);
    if (!row) return null;
    const { committedAt, sentAt, resends, leaseUntil } = row;
    return {
      key,
      committedAt,
      sentAt,
      resends,
      inFlight: !!committedAt && !sentAt && (leaseUntil ?? 0) > this.now,
    };
  }
  async open({ key, to }: { key: string; to: string[]; subject: string }): Promise<void> {
    if (!this.rows.has(key)) {
      this.rows.set(key, {
        key,
        to,
        committedAt: null,
        leaseUntil: null,
        sentAt: null,
        resends: 0,
        messageId: null,
      });
    }
  }
  async claimCommit(key: string, seen: Date | null): Promise<Date | null> {
    const row = this.rows.get(key);
    if (!row || row.sentAt || (row.committedAt?.getTime() ?? null) !== (seen?.getTime() ?? null)) return null;
    if (row.committedAt && (row.leaseUntil ?? 0) > this.now) return null;
    row.committedAt = this.tick();
    row.leaseUntil = row.committedAt.getTime() + EMAIL_COMMIT_LEASE_MS;
    if (seen) row.resends++;
    return row.committedAt;
  }
  async releaseCommit(key: string, claimed: Date): Promise<void> {
    const row = this.rows.get(key)!;
    if (!row.sentAt && row.committedAt?.getTime() === claimed.getTime()) row.leaseUntil = this.now;
  }
  async confirm(key: string, messageId: string): Promise<void> {
    const row = this.rows.get(key)!;
    row.sentAt = this.tick();
    row.messageId = messageId;
  }
  async undoCommit(key: string): Promise<void> {
    const row = this.rows.get(key)!;
    if (!row.sentAt) [row.committedAt, row.leaseUntil] = [null, null];
  }
  async withdraw(key: string): Promise<void> {
    const row = this.rows.get(key);
    if (row && !row.committedAt && !row.sentAt) this.rows.delete(key);
  }
}

/** A mail server whose next answers are scripted; it asks the commit point as the real mailer does. */
class ScriptedServer implements EmailSender {
  readonly delivered: OutgoingMail[] = [];
  /** While set, the server has the next message and holds its answer until the gate opens. */
  gate: Promise<void> | null = null;
  constructor(private readonly answers: Array<SendOutcome['status']>) {}

  async send(mail: OutgoingMail, commit: () => Promise<boolean>): Promise<SendOutcome> {
    if (!(await commit())) return { status: 'withheld' };
    if (this.gate) {
      const gate = this.gate;
      this.gate = null;
      this.delivered.push(mail);
      await gate;
      this.delivered.pop();
    }
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

  it('sends nothing while another attempt past the commit point waits for the answer, whatever it found before', async () => {
    const outbox = new MemoryOutbox();
    const server = new ScriptedServer(['unknown', 'sent', 'sent']);
    const warnings: string[] = [];
    const a = new EmailOnce(outbox, server, 'desk@takedown.example', quiet);
    const b = new EmailOnce(outbox, server, 'desk@takedown.example', { warn: (_, m) => warnings.push(m) });
    // An unconfirmed delivery whose attempt is known dead: A sends it again, and waits for the server's answer.
    await expect(a.send('n6:notify:0', ['a@customer.example'], mail)).rejects.toThrow(/did not confirm/);
    let open!: () => void;
    server.gate = new Promise((resolve) => (open = resolve));
    const first = a.send('n6:notify:0', ['a@customer.example'], mail);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.delivered).toHaveLength(2);

    // B finds A's commit point without a confirmation: not an unknown outcome yet, so it does not send.
    // Nor does it render the body or say that it sends again.
    const render = jest.fn(mail);
    await expect(b.send('n6:notify:0', ['a@customer.example'], render)).rejects.toThrow(
      /holds its commit point/,
    );
    expect(server.delivered).toHaveLength(2);
    expect(render).not.toHaveBeenCalled();
    expect(warnings).toEqual([]);

    open();
    await expect(first).resolves.toBe('resent');
    expect(server.delivered).toHaveLength(2);
    expect(outbox.rows.get('n6:notify:0')).toMatchObject({ resends: 1 });
  });

  it('sends again what an attempt that died after its commit point left, once its lease has ended', async () => {
    const outbox = new MemoryOutbox();
    const server = new ScriptedServer(['sent']);
    const once = new EmailOnce(outbox, server, 'desk@takedown.example', quiet);
    // What a worker killed while it waited for the server's answer leaves: a commit point, its lease running.
    await outbox.open({ key: 'n7:notify:0', to: ['a@customer.example'], subject: 'Notice' });
    await outbox.claimCommit('n7:notify:0', null);

    await expect(once.send('n7:notify:0', ['a@customer.example'], mail)).rejects.toThrow(
      /holds its commit point/,
    );
    outbox.advance(EMAIL_COMMIT_LEASE_MS - 10);
    await expect(once.send('n7:notify:0', ['a@customer.example'], mail)).rejects.toThrow(
      /holds its commit point/,
    );
    outbox.advance(10);
    await expect(once.send('n7:notify:0', ['a@customer.example'], mail)).resolves.toBe('resent');
    expect(server.delivered).toHaveLength(1);
    expect(outbox.rows.get('n7:notify:0')).toMatchObject({ resends: 1 });
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
