import { createHash } from 'node:crypto';
import { Readable, type Duplex, type Writable } from 'node:stream';
import { types } from 'node:util';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { MailAttachment } from './templates/render';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** Kept in a header so a captured or bounced message can be traced to the step that sent it. */
  idempotencyKey: string;
}

/**
 * How a send ended. Only `sent` means the server took the message. `withheld`: the commit point said no, and the
 * server dropped the unfinished message. `refused`: the commit point had said yes, but the message never reached the
 * server whole or the server refused it: not delivered, so the caller undoes its commit. `unknown`: the final dot was
 * sent and no answer came (the connection broke): the server may or may not have the message.
 */
export type SendOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'withheld' }
  | { status: 'refused'; reason: string }
  | { status: 'unknown'; reason: string };

/** Below an activity's 30-second start-to-close timeout, so that a hung server fails the attempt, not the timeout. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/**
 * A connection whose message the server took is kept for the next one: at most IDLE_MAX of them, each for IDLE_MS
 * (below the few minutes a relay waits for a quiet client), and for MESSAGES_MAX messages. A new connection costs a
 * TCP (and TLS) handshake, the greeting, EHLO and the login: a relay may delay its greeting on purpose (the SMTP
 * capture does, 100 ms), and one in another network costs round trips.
 */
const IDLE_MAX = 4;
const IDLE_MS = 10_000;
const MESSAGES_MAX = 100;

/** An open connection, logged in, and how many messages it carried. */
interface Open {
  connection: SMTPConnection;
  messages: number;
  /** Closed by the server, failed, or closed here: never handed out again. */
  gone: boolean;
}

/**
 * Sends through the SMTP server named by an `smtp://` or `smtps://` URL, a message at a time on each connection; a
 * connection whose message the server took carries the next message too (see IDLE_MAX). Any other end of a message
 * closes its connection.
 *
 * SMTP accepts a message at the final dot of DATA, and a client that dies between the server's acceptance and its
 * own record of it sends the message again on retry (RFC 1047). `send` therefore has a commit point: `commit()` runs
 * when the server has agreed to take the message and all of it but the final dot is with the kernel. The
 * caller records the send there; if it cannot, the connection is dropped without the dot and the server discards the
 * message. So a crash at any moment before the commit leaves nothing delivered, and one after it leaves the record.
 */
export class Mailer {
  private readonly options: SMTPConnection.Options;
  /** The URL's credentials, for LOGIN after connecting (nodemailer 10's connection options carry none). */
  private readonly auth: { user: string; pass: string } | undefined;
  /** Connections waiting for the next message, the most recently used last. */
  private readonly idle: { open: Open; timer: NodeJS.Timeout }[] = [];
  private closed = false;

  /** `onResult` hears how each send ended (`failed`: an error before the server took the message), for metrics. */
  constructor(
    smtpUrl: string,
    private readonly onResult?: (result: SendOutcome['status'] | 'failed') => void,
  ) {
    const { auth, ...server } = parseConnectionUrl(smtpUrl);
    this.options = { ...server, ...TIMEOUTS };
    this.auth = auth;
  }

  async send(mail: OutgoingMail, commit: () => Promise<boolean> = async () => true): Promise<SendOutcome> {
    try {
      const outcome = await this.deliver(mail, commit);
      this.onResult?.(outcome.status);
      return outcome;
    } catch (err) {
      this.onResult?.('failed');
      throw err;
    }
  }

  /** Closes the connections kept for the next message; a send after this opens and closes its own. */
  close(): void {
    this.closed = true;
    for (const { open, timer } of this.idle.splice(0)) {
      clearTimeout(timer);
      this.drop(open);
    }
  }

  private async deliver(mail: OutgoingMail, commit: () => Promise<boolean>): Promise<SendOutcome> {
    const kept = this.take();
    if (kept) {
      const outcome = await this.transfer(kept, mail, commit);
      // The server had closed the kept connection before it read a byte of this message (an idle timeout of its
      // own): nothing reached it, nothing was committed, and a new connection carries the message.
      if (outcome !== 'stale') return outcome;
    }
    const outcome = await this.transfer(await this.connect(), mail, commit);
    if (outcome === 'stale') throw new Error('the SMTP server closed the connection before the message');
    return outcome;
  }

  /** A new connection, greeted and logged in. */
  private connect(): Promise<Open> {
    const connection = new SMTPConnection(this.options);
    const open: Open = { connection, messages: 0, gone: false };
    connection.on('error', () => (open.gone = true));
    connection.once('end', () => (open.gone = true));
    return new Promise<Open>((resolve, reject) => {
      const failed = (err: Error) => {
        this.drop(open);
        reject(err);
      };
      connection.once('error', failed);
      connection.connect(() => {
        const auth = this.auth;
        const ready = () => {
          connection.off('error', failed);
          resolve(open);
        };
        if (!auth?.user) return ready();
        connection.login({ credentials: { user: auth.user, pass: auth.pass ?? '' } }, (err) =>
          err ? failed(err) : ready(),
        );
      });
    });
  }

  /** The connection used last, if one is kept and still open. */
  private take(): Open | null {
    for (let kept = this.idle.pop(); kept; kept = this.idle.pop()) {
      clearTimeout(kept.timer);
      if (!kept.open.gone) {
        socketOf(kept.open)?.ref();
        return kept.open;
      }
      this.drop(kept.open);
    }
    return null;
  }

  /** Keeps a connection whose message the server took for the next message, or closes it. */
  private keep(open: Open): void {
    if (this.closed || open.gone || open.messages >= MESSAGES_MAX || this.idle.length >= IDLE_MAX) {
      return this.drop(open);
    }
    // A kept connection holds no process open: it waits for a message that may never come.
    socketOf(open)?.unref();
    const entry = {
      open,
      timer: setTimeout(() => {
        const i = this.idle.indexOf(entry);
        if (i >= 0) this.idle.splice(i, 1);
        open.connection.quit();
        open.gone = true;
      }, IDLE_MS).unref(),
    };
    this.idle.push(entry);
  }

  private drop(open: Open): void {
    open.gone = true;
    open.connection.close();
  }

  /**
   * One message on `open`: `stale` when a kept connection turned out closed before the server read any of it.
   * Keeps the connection after a message the server took; closes it after any other end.
   */
  private async transfer(
    open: Open,
    mail: OutgoingMail,
    commit: () => Promise<boolean>,
  ): Promise<SendOutcome | 'stale'> {
    const reused = open.messages > 0;
    const { connection } = open;
    const node = new MailComposer({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      attachments: mail.attachments,
      // The same step always has the same Message-ID: receivers that drop duplicates drop a repeat of it too.
      messageId: messageIdFor(mail.idempotencyKey, mail.from),
      headers: { 'X-Takedown-Idempotency-Key': mail.idempotencyKey },
    }).compile();
    const raw = await node.build();
    const envelope = node.getEnvelope();
    const messageId = node.messageId();
    open.messages += 1;

    return new Promise<SendOutcome | 'stale'>((resolve, reject) => {
      // envelope: before DATA was accepted; committing: the message is streaming and commit() runs;
      // dot: the final dot is on its way; done: settled.
      let phase: 'envelope' | 'committing' | 'dot' | 'done' = 'envelope';
      let brokenWhileCommitting: Error | null = null;
      const finish = (outcome: SendOutcome | Error | 'stale') => {
        if (phase === 'done') return;
        phase = 'done';
        connection.off('error', fail);
        connection.off('end', ended);
        if (outcome !== 'stale' && !types.isNativeError(outcome) && outcome.status === 'sent')
          this.keep(open);
        else this.drop(open);
        // Not instanceof: socket errors may come from another realm (jest's sandbox), and an error is no outcome.
        if (types.isNativeError(outcome)) reject(outcome);
        else resolve(outcome);
      };
      const fail = (err: Error & { responseCode?: number }) => {
        // A kept connection the server had closed: no byte of the message was read, nothing committed.
        // (No answer, or 421: the server closes the transmission channel.)
        if (phase === 'envelope' && reused && (!err.responseCode || err.responseCode === 421))
          finish('stale');
        else if (phase === 'envelope') finish(err);
        else if (phase === 'committing') brokenWhileCommitting ??= err;
        else if (phase === 'dot') {
          // A reply to the dot is an answer; a broken connection after it is not.
          finish({ status: err.responseCode ? 'refused' : 'unknown', reason: err.message });
        }
      };
      const ended = () => fail(new Error('the SMTP server closed the connection'));
      connection.on('error', fail);
      connection.once('end', ended);
      // Closed while it was kept, before this message: nothing was sent on it.
      if (open.gone) return finish(reused ? 'stale' : new Error('the SMTP server closed the connection'));

      // SMTPConnection's data stream (dot-stuffing, the final CRLF.CRLF), which it pipes the message into.
      let sink: Duplex | null = null;
      // Everything but the final dot is handed to the kernel before the commit point, so that after it only the five
      // bytes of CRLF.CRLF are left to write, and they go out at once: a crash in between has a few microseconds,
      // not the time a socket under backpressure (a PDF attached) takes to drain.
      const flushed = async () => {
        const socket = (connection as unknown as { _socket?: Writable })._socket;
        const pending = () =>
          message.readableLength +
          (sink ? sink.writableLength + sink.readableLength : 0) +
          (socket?.writableLength ?? 0);
        while (pending() > 0 && phase === 'committing' && !brokenWhileCommitting) {
          await new Promise((r) => setImmediate(r));
        }
      };
      const message = new Readable({
        read() {
          // SMTPConnection reads the message only once the server answered DATA with 354 (or, after a refused
          // envelope, to drain it, when this send has failed already).
          if (phase === 'done') return void this.push(null);
          if (phase !== 'envelope') return;
          phase = 'committing';
          this.push(raw);
          flushed()
            .then(commit)
            .then(
              (go) => {
                if (!go) return finish({ status: 'withheld' });
                if (brokenWhileCommitting) {
                  return finish({ status: 'refused', reason: brokenWhileCommitting.message });
                }
                phase = 'dot';
                this.push(null); // SMTPConnection's data stream ends with CRLF.CRLF
              },
              (err: Error) => finish(err),
            );
        },
      });

      const pipe = message.pipe.bind(message);
      message.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }) => {
        sink = destination as unknown as Duplex;
        return pipe(destination, options);
      };

      connection.send(envelope, message, (err) => (err ? fail(err) : finish({ status: 'sent', messageId })));
    });
  }
}

/** The connection's socket (nodemailer keeps it in a field of its own), to let a kept connection not hold the process. */
function socketOf(open: Open): { ref(): void; unref(): void } | undefined {
  return (open.connection as unknown as { _socket?: { ref(): void; unref(): void } })._socket;
}

function messageIdFor(key: string, from: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 40);
  return `<${digest}@${from.split('@').pop() ?? 'takedown'}>`;
}
