import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { DomainError } from '@takedown/domain';
import {
  IntakeError,
  isXarf,
  keepableCopy,
  parseMail,
  parseMailSources,
  parseXarf,
  sourceForSender,
  splitBatch,
  type IntakeExtras,
  type MailSource,
} from '@takedown/intake';
import { RawMessageEntity } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { validationPipe } from '../common/validation';
import { CreateNoticeDto } from '../notices/notice.dto';
import { NoticesService, type SubmitResult } from '../notices/notices.service';
import type { BatchItemResult, BatchResultView } from './intake.dto';

export type MailResult =
  | { status: 'created' | 'existing'; noticeId: string }
  | { status: 'kept'; rawMessageId: string; error: string };

/** Concurrent submissions of one batch: below the database pool, so that other requests still get a connection. */
const BATCH_CONCURRENCY = 6;

/**
 * Every channel that is not the native JSON body (X-ARF, batch, mail by SMTP or pipe) reads its input into the native
 * notice, checks it by the same rules as `POST /v1/notices`, and submits it through NoticesService.submit: one intake,
 * one idempotency, one duplicate-URL join.
 */
@Injectable()
export class IntakeService {
  private readonly validator = validationPipe();
  readonly mailSources: MailSource[];

  constructor(
    private readonly notices: NoticesService,
    private readonly db: DataSource,
    config: AppConfig,
  ) {
    this.mailSources = parseMailSources(config.env.INBOUND_MAIL_SOURCES) as MailSource[];
  }

  /** A native body or an X-ARF report, by what the body says it is. */
  async submit(body: unknown, opts: { xarf?: boolean } = {}): Promise<SubmitResult> {
    if (opts.xarf || isXarf(body)) {
      const { notice, extras } = parseXarf(body, {
        kindOf: (reporter) =>
          (
            sourceForSender(this.mailSources, reporter.contact) ??
            sourceForSender(this.mailSources, `@${reporter.domain}`)
          )?.kind,
      });
      return this.submitParsed(notice, extras);
    }
    return this.notices.submit(await this.validate(body));
  }

  async submitBatch(body: unknown): Promise<BatchResultView> {
    const items = splitBatch(body);
    const results: BatchItemResult[] = new Array(items.length);
    let unavailable: string | null = null;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < items.length; i = next++) {
        const item = items[i];
        if ('error' in item) {
          results[i] = { index: item.index, status: 'rejected', reason: item.error };
          continue;
        }
        // Once Temporal or the database is down, the rest is not tried: each would wait for the same timeout.
        if (unavailable) {
          results[i] = { index: item.index, status: 'rejected', reason: unavailable, retryable: true };
          continue;
        }
        try {
          const { notice, created } = await this.submit(item.body);
          results[i] = { index: item.index, status: created ? 'created' : 'existing', id: notice.id };
        } catch (err) {
          const rejected = rejection(err);
          if (rejected.retryable) unavailable = rejected.reason;
          results[i] = { index: item.index, status: 'rejected', ...rejected };
        }
      }
    };
    await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, worker));
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
   * message with the reason; an outage of the database or Temporal is thrown, so that the sender retries.
   */
  async submitMail(raw: Buffer, opts: { channel: 'smtp' | 'pipe'; sender: string }): Promise<MailResult> {
    const source = sourceForSender(this.mailSources, opts.sender);
    try {
      if (!source) throw new IntakeError(`${opts.sender} is not on any source's sender list`, 'sender');
      const { notice, extras } = await parseMail(raw, { source, sender: opts.sender });
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
        headers: copy.headers,
        text: copy.text,
        error: rejected.field ? `${rejected.field}: ${rejected.reason}` : rejected.reason,
      });
      return { status: 'kept', rawMessageId: identifiers[0].id as string, error: rejected.reason };
    }
  }

  listRawMessages(limit: number): Promise<RawMessageEntity[]> {
    return this.db.getRepository(RawMessageEntity).find({ order: { receivedAt: 'DESC' }, take: limit });
  }

  private async submitParsed(notice: unknown, extras: IntakeExtras): Promise<SubmitResult> {
    return this.notices.submit(await this.validate(notice), extras);
  }

  /** The rules of `POST /v1/notices`, with its 400 (fields named) when they are not met. */
  private async validate(body: unknown): Promise<CreateNoticeDto> {
    return (await this.validator.transform(body, {
      type: 'body',
      metatype: CreateNoticeDto,
    })) as CreateNoticeDto;
  }
}

/** Why an item was refused, and whether sending it again later can help. */
function rejection(err: unknown): { reason: string; field?: string; retryable?: boolean } {
  if (err instanceof DomainError) {
    if (err.code.endsWith('.UNAVAILABLE')) return { reason: err.message, retryable: true };
    return { reason: err.message, ...(err.field ? { field: err.field } : {}) };
  }
  // PostgreSQL refusing a value (a NUL character in text, say) is the item's fault, not the batch's.
  if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code?.startsWith('22')) {
    return { reason: `a value was refused by the database: ${err.message}` };
  }
  if (err instanceof BadRequestException) {
    const body = err.getResponse() as { message?: string; fields?: { field: string }[] };
    return {
      reason: String(body.message ?? err.message),
      ...(body.fields?.[0] ? { field: body.fields[0].field } : {}),
    };
  }
  throw err;
}
