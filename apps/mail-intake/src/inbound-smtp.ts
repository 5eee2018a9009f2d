import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { headerSectionEnd } from '@takedown/intake';
import type { Actor } from '@takedown/domain';
import { sourceForSender } from '@takedown/domain';
import { runAudited } from '@takedown/persistence';
import { AppConfig } from '@takedown/api/app-config';
import { IntakeService } from '@takedown/api/intake/intake.service';

/** Who writes what the SMTP listener takes in: the listener, on behalf of a sender on a source's list. */
const SMTP_LISTENER: Actor = { kind: 'system', id: 'inbound-smtp', name: 'inbound SMTP listener' };

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * The inbound SMTP listener (INBOUND_SMTP_PORT; off when unset), in the mail-intake process only: mail for the abuse addresses from the senders of
 * INBOUND_MAIL_SOURCES, up to INBOUND_MAIL_MAX_BYTES, into the one intake. Unknown senders and recipients are refused
 * in the SMTP dialogue; an outage answers 451 so that the sending server retries. A message over the size limit, or
 * whose header section is over INBOUND_MAIL_MAX_HEADER_BYTES, is answered 552 and its connection dropped as soon as
 * the limit is passed: no more of it is read or kept. At most INBOUND_SMTP_MAX_CLIENTS connections at once.
 */
@Injectable()
export class InboundSmtpListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboundSmtpListener.name);
  private server: SMTPServer | null = null;
  port: number | null = null;

  constructor(
    private readonly intake: IntakeService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const env = this.config.env;
    if (env.INBOUND_SMTP_PORT === undefined) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: env.INBOUND_MAIL_MAX_BYTES,
      maxClients: env.INBOUND_SMTP_MAX_CLIENTS,
      // A reverse lookup per connection is a DNS query the client controls the timing of, and nothing here reads it.
      disableReverseLookup: true,
      // Connections still open at shutdown are cut after this, below the 15 s `npm start` gives before SIGKILL.
      closeTimeout: 5_000,
      onMailFrom: (address, _session, callback) =>
        sourceForSender(this.intake.mailSources, address.address)
          ? callback()
          : callback(smtpError(550, 'sender not allowed')),
      onRcptTo: (address, _session, callback) =>
        env.INBOUND_MAIL_ADDRESSES.includes(address.address.toLowerCase())
          ? callback()
          : callback(smtpError(550, 'no such mailbox')),
      onData: (stream, session, callback) => void this.receive(stream, session, callback),
    });
    server.on('error', (err) => this.logger.error({ err: err.message }, 'inbound SMTP error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(env.INBOUND_SMTP_PORT, env.INBOUND_SMTP_HOST, () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as { port: number }).port;
    this.logger.log({ host: env.INBOUND_SMTP_HOST, port: this.port }, 'inbound SMTP listening');
  }

  private async receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): Promise<void> {
    const { INBOUND_MAIL_MAX_BYTES: maxBytes, INBOUND_MAIL_MAX_HEADER_BYTES: maxHeaderBytes } =
      this.config.env;
    const chunks: Buffer[] = [];
    let size = 0;
    let headerDone = false;
    // The last bytes of what came before, so that a blank line split over two chunks is found.
    let tail = Buffer.alloc(0);
    const refusal = await new Promise<string | null>((resolve, reject) => {
      const refuse = (reason: string) => {
        // Whatever the client still sends before the connection closes is read and thrown away.
        stream.removeAllListeners('data');
        stream.resume();
        chunks.length = 0;
        resolve(reason);
      };
      stream.on('data', (chunk: Buffer) => {
        const before = size;
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxBytes || stream.sizeExceeded) return refuse('message exceeds the size limit');
        if (headerDone) return;
        const window = Buffer.concat([tail, chunk]);
        const end = headerSectionEnd(window);
        const headerBytes = end < 0 ? size : before - tail.length + end;
        if (headerBytes > maxHeaderBytes) return refuse('header section exceeds the size limit');
        headerDone = end >= 0;
        tail = window.subarray(-3);
      });
      stream.once('end', () => resolve(null));
      stream.once('error', reject);
    });
    if (refusal) {
      this.drop(session, refusal);
      return callback(smtpError(552, refusal));
    }
    try {
      const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const result = await runAudited(
        { actor: SMTP_LISTENER, role: null, requestId: null, sourceIp: session.remoteAddress ?? null },
        () =>
          this.intake.submitMail(Buffer.concat(chunks), {
            channel: 'smtp',
            sender,
            clientIp: session.remoteAddress,
          }),
      );
      this.logger.log({ status: result.status }, 'inbound mail');
      callback();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'inbound mail deferred');
      callback(smtpError(451, 'temporary failure, try again later'));
    }
  }

  /** Answers 552 and closes the connection, so that the client stops sending at once. */
  private drop(session: SMTPServerSession, reason: string): void {
    this.logger.warn({ reason }, 'inbound mail dropped');
    const connection = [...(this.server?.connections ?? [])].find((c) => c.id === session.id);
    connection?.send(552, reason);
    connection?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
