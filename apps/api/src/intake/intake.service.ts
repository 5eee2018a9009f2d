import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { DomainError, parseMailSources, sourceForSender, type MailSource } from '@takedown/domain';
import {
  authenticateMail,
  dnsResolver,
  IntakeError,
  isXarf,
  keepableCopy,
  parseMail,
  parseXarf,
  splitBatch,
  type IntakeExtras,
  type MailAuthOptions,
} from '@takedown/intake';
import { RawMessageEntity, recordAudit } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { rejectUnstorableText, toStorableText } from '../common/unstorable-text';
import { validationPipe } from '../common/validation';
import { BulkIntakeService, type BulkItem } from '../notices/bulk-intake.service';
import { CreateNoticeDto } from '../notices/notice.dto';
import { NoticesService, type SubmitResult } from '../notices/notices.service';
import type { BatchItemResult, BatchResultView } from './intake.dto';

export type MailResult =
  | { status: 'created' | 'existing'; noticeId: string }
  | { status: 'kept'; rawMessageId: string; error: string };

/**
 * Every channel that is not the native JSON body (X-ARF, batch, mail by SMTP or pipe) reads its input into the native
 * notice, checks it by the same rules as `POST /v1/notices`, and submits it through NoticesService.submit: one intake,
 * one idempotency, one duplicate-URL join.
 */
@Injectable()
export class IntakeService {
  private readonly validator = validationPipe();
  readonly mailSources: MailSource[];
  private readonly mailAuth: Omit<MailAuthOptions, 'clientIp'>;

  constructor(
    private readonly notices: NoticesService,
    private readonly bulk: BulkIntakeService,
    private readonly db: DataSource,
    config: AppConfig,
  ) {
    this.mailSources = parseMailSources(config.env.INBOUND_MAIL_SOURCES) as MailSource[];
    const { INBOUND_MAIL_DNS_SERVERS: dns, INBOUND_MAIL_AUTHSERV_ID: authservId } = config.env;
    this.mailAuth = {
      sources: this.mailSources,
      ...(dns.length ? { resolver: dnsResolver(dns) } : {}),
      ...(authservId ? { trustedAuthservId: authservId } : {}),
    };
  }

  /** A native body or an X-ARF report, by what the body says it is. */
  async submit(body: unknown, opts: IntakeOptions = {}): Promise<SubmitResult> {
    const { dto, extras } = await this.read(body, opts);
    return this.notices.submit(dto, extras);
  }

  /** Every item is read and checked on its own; those that pass are taken together by the bulk intake. */
  async submitBatch(body: unknown, opts: Pick<IntakeOptions, 'asSource'> = {}): Promise<BatchResultView> {
    const items = splitBatch(body);
    const results: BatchItemResult[] = new Array(items.length);
    const readable: { index: number; item: BulkItem }[] = [];
    for (const [i, item] of items.entries()) {
      if ('error' in item) {
        results[i] = { index: item.index, status: 'rejected', reason: item.error };
        continue;
      }
      try {
        readable.push({ index: i, item: await this.read(item.body, opts) });
      } catch (err) {
        results[i] = { index: item.index, status: 'rejected', ...rejection(err) };
      }
    }
    const outcomes = await this.bulk.submit(readable.map((r) => r.item));
    readable.forEach(({ index }, k) => {
      const outcome = outcomes[k];
      const position = items[index].index;
      results[index] =
        outcome.status === 'failed'
          ? { index: position, status: 'rejected', ...rejection(outcome.error) }
          : { index: position, status: outcome.status, id: outcome.id };
    });
    const count = (s: BatchItemResult['status']) => results.filter((r) => r.status === s).length;
    return {
      created: count('created'),
      existing: count('existing'),
      rejected: count('rejected'),
      items: results,
    };
  }

  /**
   * One email, from the SMTP listener or the MTA pipe. A message that cannot be made into a notice is kept as a raw
   * message with the reason, and so is one whose author is not authenticated as a source's (authenticateMail); an
   * outage of the database or Temporal is thrown, so that the sender retries.
   */
  async submitMail(
    raw: Buffer,
    opts: { channel: 'smtp' | 'pipe'; sender: string; clientIp?: string },
  ): Promise<MailResult> {
    try {
      const verdict = await authenticateMail(raw, { ...this.mailAuth, clientIp: opts.clientIp });
      if (!verdict.authenticated && verdict.temporary) {
        throw new DomainError('MAIL_AUTH.UNAVAILABLE', `DKIM keys could not be looked up: ${verdict.reason}`);
      }
      if (!verdict.authenticated) throw new IntakeError(`not authenticated: ${verdict.reason}`, 'From');
      const { notice, extras } = await parseMail(raw, { source: verdict.source, sender: verdict.from });
      const result = await this.submitParsed(notice, extras);
      return { status: result.created ? 'created' : 'existing', noticeId: result.notice.id };
    } catch (err) {
      const rejected = rejection(err);
      if (rejected.retryable) throw err;
      const copy = await keepableCopy(raw);
      const { identifiers } = await this.db.getRepository(RawMessageEntity).insert({
        channel: opts.channel,
        sender: opts.sender,
        messageId: copy.messageId,
        sizeBytes: raw.length,
        // The copy is kept whatever it holds, with what PostgreSQL takes in no text replaced.
        headers: toStorableText(copy.headers),
        text: toStorableText(copy.text),
        error: rejected.field ? `${rejected.field}: ${rejected.reason}` : rejected.reason,
      });
      await recordAudit(this.db, {
        action: 'mail.keep',
        target: { type: 'raw_message', id: identifiers[0].id as string },
        summary: {
          channel: opts.channel,
          sender: opts.sender,
          sizeBytes: raw.length,
          error: rejected.reason,
        },
      });
      return { status: 'kept', rawMessageId: identifiers[0].id as string, error: rejected.reason };
    }
  }

  listRawMessages(limit: number, offset: number): Promise<[RawMessageEntity[], number]> {
    return this.db
      .getRepository(RawMessageEntity)
      .findAndCount({ order: { receivedAt: 'DESC', id: 'ASC' }, take: limit, skip: offset });
  }

  private async submitParsed(notice: unknown, extras: IntakeExtras): Promise<SubmitResult> {
    rejectUnstorableText(notice);
    // A mail's text is kept for the desk to read, whatever characters it holds.
    const kept = extras.originalText
      ? { ...extras, originalText: toStorableText(extras.originalText) }
      : extras;
    rejectUnstorableText(kept);
    return this.notices.submit(await this.validate(notice), kept);
  }

  /** A native body or an X-ARF report, read into the native notice and checked (400 naming the field). */
  private async read(body: unknown, opts: IntakeOptions = {}): Promise<BulkItem> {
    // Checked here, not only by the global rule, because a batch checks its items one by one.
    rejectUnstorableText(body);
    if (opts.xarf || isXarf(body)) {
      const { notice, extras } = parseXarf(body, {
        kindOf: (reporter) =>
          (
            sourceForSender(this.mailSources, reporter.contact) ??
            sourceForSender(this.mailSources, `@${reporter.domain}`)
          )?.kind,
      });
      return { dto: await this.validate(asSource(notice, opts.asSource)), extras };
    }
    return { dto: await this.validate(asSource(body, opts.asSource)), extras: {} };
  }

  /** The rules of `POST /v1/notices`, with its 400 (fields named) when they are not met. */
  private async validate(body: unknown): Promise<CreateNoticeDto> {
    return (await this.validator.transform(body, {
      type: 'body',
      metatype: CreateNoticeDto,
    })) as CreateNoticeDto;
  }
}

export interface IntakeOptions {
  /** The body is X-ARF whatever it looks like (its media type said so). */
  xarf?: boolean;
  /**
   * The caller is a source's integration: its notices are that source's, whatever the body says, so that one
   * hotline's token cannot report as another (the contact address given is kept).
   */
  asSource?: { kind: string; name: string };
}

function asSource(notice: unknown, source: IntakeOptions['asSource']): unknown {
  if (!source || typeof notice !== 'object' || notice === null || Array.isArray(notice)) return notice;
  const given = (notice as { source?: unknown }).source;
  const contact =
    typeof given === 'object' && given !== null ? (given as { contact?: unknown }).contact : undefined;
  return { ...notice, source: { kind: source.kind, name: source.name, ...(contact ? { contact } : {}) } };
}

/** Why an item was refused, and whether sending it again later can help. */
function rejection(err: unknown): { reason: string; field?: string; retryable?: boolean } {
  if (err instanceof DomainError) {
    if (err.code.endsWith('.UNAVAILABLE')) return { reason: err.message, retryable: true };
    return { reason: err.message, ...(err.field ? { field: err.field } : {}) };
  }
  // PostgreSQL refusing a value is the item's fault, not the batch's. Its message stays in the server: it is the
  // database's wording, not the API's, and may quote the value.
  const code = err instanceof QueryFailedError ? (err.driverError as { code?: string }).code : undefined;
  if (code?.startsWith('22')) return { reason: `a value was refused by the database (SQLSTATE ${code})` };
  if (err instanceof BadRequestException) {
    const body = err.getResponse() as { message?: string; fields?: { field: string }[] };
    return {
      reason: String(body.message ?? err.message),
      ...(body.fields?.[0] ? { field: body.fields[0].field } : {}),
    };
  }
  throw err;
}
