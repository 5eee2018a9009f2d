import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CapturedMailbox, type CapturedMail, type CapturedMailSummary } from '@takedown/mail';
import { DomainError } from '@takedown/domain';
import { Public } from '../auth/access';

/**
 * The mail that the local SMTP capture server received, so that a developer can read every email Takedown sent
 * and follow its links. Mounted only when the capture runs (SMTP_URL unset under `npm start`).
 */
@ApiTags('dev')
@Public()
@Controller('dev/mail')
export class DevMailController {
  constructor(private readonly mailbox: CapturedMailbox) {}

  @Get()
  @ApiOperation({ summary: 'Captured emails, newest first (local development only)' })
  @ApiOkResponse({ description: 'Summaries of the captured messages' })
  list(): Promise<CapturedMailSummary[]> {
    return this.mailbox.list();
  }

  @Get('view')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'The captured emails as a page a person can read (local development only)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'An HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  async page(): Promise<string> {
    const mails = await Promise.all((await this.mailbox.list(50)).map((m) => this.mailbox.read(m.id)));
    const items = mails
      .map(
        (m) =>
          `<article><h2>${esc(m.subject)}</h2><p><b>To</b> ${esc(m.to.join(', '))} · <b>From</b> ${esc(m.from)} · ${esc(m.date ?? '')}</p>` +
          `<pre>${linkify(esc(m.text))}</pre></article>`,
      )
      .join('\n');
    return `<!doctype html><html><head><meta charset="utf-8"><title>Takedown mail</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}article{border-bottom:1px solid #ccc;padding:1em 0}pre{white-space:pre-wrap}</style></head><body><h1>Captured mail (${mails.length})</h1>${items || '<p>No mail yet.</p>'}</body></html>`;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One captured email with its text and HTML bodies (local development only)' })
  @ApiOkResponse({ description: 'The message' })
  @ApiNotFoundResponse({ description: 'No such captured message' })
  async read(@Param('id') id: string): Promise<CapturedMail> {
    try {
      return await this.mailbox.read(id);
    } catch {
      throw new DomainError('MAIL.NOT_FOUND', `no captured mail ${id}`);
    }
  }
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const linkify = (s: string) => s.replace(/https?:\/\/[^\s<]+/g, (u) => `<a href="${u}">${u}</a>`);
