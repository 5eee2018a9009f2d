import * as nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** Kept in a header so a captured or bounced message can be traced to the step that sent it. */
  idempotencyKey: string;
}

/** Sends through the SMTP server named by an `smtp://` or `smtps://` URL. */
export class Mailer {
  private readonly transport: Transporter;

  constructor(smtpUrl: string) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(mail: OutgoingMail): Promise<string> {
    const info = await this.transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { 'X-Takedown-Idempotency-Key': mail.idempotencyKey },
    });
    return info.messageId;
  }

  close(): void {
    this.transport.close();
  }
}
