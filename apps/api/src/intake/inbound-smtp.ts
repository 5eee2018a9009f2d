import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { Actor } from '@takedown/domain';
import { sourceForSender } from '@takedown/domain';
import { AppConfig } from '../app-config';
import { runAudited } from '../audit/audit-context';
import { IntakeService } from './intake.service';

/** Who writes what the SMTP listener takes in: the listener, on behalf of a sender on a source's list. */
const SMTP_LISTENER: Actor = { kind: 'system', id: 'inbound-smtp', name: 'inbound SMTP listener' };

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * The inbound SMTP listener (INBOUND_SMTP_PORT; off when unset): mail for the abuse addresses from the senders of
 * INBOUND_MAIL_SOURCES, up to INBOUND_MAIL_MAX_BYTES, into the one intake. Unknown senders and recipients are refused
 * in the SMTP dialogue; an outage answers 451 so that the sending server retries.
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
      onMailFrom: (address, _session, callback) =>
        sourceForSender(this.intake.mailSources, address.address)
          ? callback()
          : callback(smtpError(550, 'sender not allowed')),
      onRcptTo: (address, _session, callback) =>
        env.INBOUND_MAIL_ADDRESSES.includes(address.address.toLowerCase())
          ? callback()
          : callback(smtpError(550, 'no such mailbox')),
      onData: (stream, session, callback) =>
        void this.receive(stream, session.envelope.mailFrom, session.remoteAddress, callback),
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
    mailFrom: false | { address: string },
    remoteAddress: string | undefined,
    callback: (err?: Error | null) => void,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      if (stream.sizeExceeded) return callback(smtpError(552, 'message exceeds the size limit'));
      const sender = mailFrom ? mailFrom.address : '';
      const result = await runAudited(
        { actor: SMTP_LISTENER, role: null, requestId: null, sourceIp: remoteAddress ?? null },
        () =>
          this.intake.submitMail(Buffer.concat(chunks), { channel: 'smtp', sender, clientIp: remoteAddress }),
      );
      this.logger.log({ status: result.status }, 'inbound mail');
      callback();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'inbound mail deferred');
      callback(smtpError(451, 'temporary failure, try again later'));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
