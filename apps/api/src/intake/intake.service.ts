import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  DomainError,
  parseMailSources,
  SOURCE_KINDS,
  sourceForSender,
  type MailSource,
  type Principal,
  type SourceKind,
  type TokenSource,
} from '@takedown/domain';
import {
  authenticateMail,
  describeProblems,
  dnsResolver,
  hotlineReference,
  hotlineReports,
  HostResolver,
  IntakeError,
  lineProblem,
  parseHotlineMail,
  type HotlineFile,
  type HotlineLine,
  type HotlineProblem,
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
import { CreateNoticeDto, type NoticeSourceDto } from '../notices/notice.dto';
import { NoticesService, reportStatus, type SubmitResult } from '../notices/notices.service';
import { visibilityOf } from '../auth/principal';
import { resolveHosts } from './host-names';
import type { BatchItemResult, BatchResultView } from './intake.dto';

export type MailResult =
  | {
      status: 'created' | 'existing';
      noticeId: string;
      /** A hotline file: every notice it made or found, one per URL, in the order of its list. */
      noticeIds?: string[];
      /** A hotline file with lines it could not take: the message is kept for the desk too, with these. */
      rawMessageId?: string;
      problems?: string;
    }
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
  private readonly hosts: HostResolver;

  constructor(
    private readonly notices: NoticesService,
    private readonly bulk: BulkIntakeService,
    private readonly db: DataSource,
    config: AppConfig,
  ) {
    this.hosts = new HostResolver(config.env.DNS_RESOLVER, config.env.DNS_TIMEOUT_MS);
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
    const [resolution] = await resolveHosts(this.hosts, [{ dto, extras }]);
    return this.notices.submit(dto, extras, resolution);
  }

  /**
   * Every item is read and checked on its own; those that pass are taken together by the bulk intake, each host name
   * the batch names resolved once.
   */
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
    const resolutions = await resolveHosts(
      this.hosts,
      readable.map((r) => r.item),
    );
    readable.forEach((r, k) => {
      if (resolutions[k]) r.item.resolution = resolutions[k];
    });
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
      const mailOpts = { source: verdict.source, sender: verdict.from };
      const hotline = await parseHotlineMail(raw, mailOpts);
      if (hotline) return await this.submitHotlineMail(raw, hotline, opts);
      const { notice, extras } = await parseMail(raw, mailOpts);
      const result = await this.submitParsed(notice, extras);
      return { status: reportStatus(result), noticeId: result.notice.id };
    } catch (err) {
      const rejected = rejection(err);
      if (rejected.retryable) throw err;
      const rawMessageId = await this.keep(
        raw,
        opts,
        rejected.field ? `${rejected.field}: ${rejected.reason}` : rejected.reason,
      );
      return { status: 'kept', rawMessageId, error: rejected.reason };
    }
  }

  /**
   * A hotline file by mail: one notice per URL. Lines that could not be taken (or a body table and attachment that
   * disagree) keep the message for the desk as well, with every line named, so that nothing of it is lost.
   */
  private async submitHotlineMail(
    raw: Buffer,
    file: HotlineFile,
    opts: { channel: 'smtp' | 'pipe'; sender: string },
  ): Promise<MailResult> {
    const taken = await this.submitHotlineReports(file.reports);
    const problems = [...file.problems, ...taken.problems];
    const noticeIds = taken.results.map((r) => r.id);
    const text = describeProblems(problems, file.notes);
    const rawMessageId = text
      ? await this.keep(raw, opts, `hotline file ${file.fileNumber}: ${text}`)
      : undefined;
    if (!noticeIds.length) return { status: 'kept', rawMessageId: rawMessageId!, error: text };
    return {
      status: taken.results.some((r) => r.status === 'created') ? 'created' : 'existing',
      noticeId: noticeIds[0],
      noticeIds,
      ...(rawMessageId ? { rawMessageId, problems: text } : {}),
    };
  }

  /**
   * The hotline's push (`POST /v1/intake/hotline`): its file number and list, one notice per URL, every line
   * answered (created, existing, or rejected naming the line's field), as a batch is.
   */
  async submitHotlinePush(body: unknown, asSource: IntakeOptions['asSource']): Promise<HotlinePushResult> {
    rejectUnstorableText(body);
    const push = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const fileNumber = typeof push.fileNumber === 'string' ? push.fileNumber.trim() : '';
    if (!/^[^\s[\]]{1,100}$/.test(fileNumber)) {
      throw new IntakeError(
        'fileNumber must be the hotline’s file number (1-100 characters, no spaces)',
        'fileNumber',
      );
    }
    if (!Array.isArray(push.urls) || !push.urls.length) {
      throw new IntakeError(
        'urls must be a list of at least one { url, ip, firstSeen, lastSeen, note }',
        'urls',
      );
    }
    const given = push.source as { kind?: unknown; name?: unknown } | undefined;
    const contact = typeof push.contact === 'string' ? push.contact : undefined;
    const source =
      asSource ??
      (given &&
      SOURCE_KINDS.includes(given.kind as SourceKind) &&
      typeof given.name === 'string' &&
      given.name.trim()
        ? { kind: given.kind as SourceKind, name: given.name.trim() }
        : undefined);
    if (!source) {
      throw new IntakeError(
        `source is required: { kind (one of ${SOURCE_KINDS.join(', ')}), name }`,
        'source',
      );
    }
    const items: HotlinePushItem[] = [];
    const lines: { where: string; line: HotlineLine }[] = [];
    push.urls.forEach((item: unknown, index) => {
      const line = (typeof item === 'object' && item !== null ? item : {}) as Partial<HotlineLine>;
      const problem = lineProblem(line);
      if (problem) {
        const field = camel(problem.field);
        items[index] = {
          index,
          status: 'rejected',
          reason: `${field} ${problem.problem}`,
          field: `urls[${index}].${field}`,
        };
      } else lines.push({ where: `urls[${index}]`, line: line as HotlineLine });
    });
    const file = hotlineReports(fileNumber, lines, {
      source: { ...(source as { kind: SourceKind; name: string }), ...(contact ? { contact } : {}) },
      channel: 'hotline-push',
    });
    const taken = await this.submitHotlineReports(file.reports);
    for (const p of [...file.problems, ...taken.problems]) {
      const index = indexOf(p.where);
      const field = p.field ? camel(p.field) : undefined;
      items[index] = {
        index,
        status: 'rejected',
        reason: `${field ?? 'line'} ${p.problem}`,
        ...(field ? { field: `urls[${index}].${field}` } : {}),
      };
    }
    for (const r of taken.results)
      items[indexOf(r.line)] = { index: indexOf(r.line), status: r.status, id: r.id };
    const count = (s: HotlinePushItem['status']) => items.filter((i) => i.status === s).length;
    return {
      fileNumber,
      created: count('created'),
      existing: count('existing'),
      rejected: count('rejected'),
      items,
    };
  }

  /**
   * The hotline's own check of the URLs it reported (`POST /v1/intake/hotline/checks`): for CSAM its check is the
   * proof of removal. `online: false` confirms the removal of the notice the URL's report is on; `online: true`
   * counts the customer's removal claim false, so its clock runs on. Each check is answered by its index (never its
   * URL): `confirmed`, `still_online`, `unknown` (no report of this source for that URL in that file), or
   * `refused` with the code and state the notice gave (a closed notice, no claim to count false).
   */
  async submitHotlineChecks(
    body: unknown,
    principal: Principal,
    asSource: IntakeOptions['asSource'],
  ): Promise<HotlineChecksResult> {
    rejectUnstorableText(body);
    const push = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const fileNumber = typeof push.fileNumber === 'string' ? push.fileNumber.trim() : '';
    if (!/^[^\s[\]]{1,100}$/.test(fileNumber)) {
      throw new IntakeError(
        'fileNumber must be the hotline’s file number (1-100 characters, no spaces)',
        'fileNumber',
      );
    }
    if (!Array.isArray(push.checks) || !push.checks.length || push.checks.length > MAX_HOTLINE_CHECKS) {
      throw new IntakeError(
        `checks must be a list of 1 to ${MAX_HOTLINE_CHECKS} { url, online, checkedAt }`,
        'checks',
      );
    }
    const given = push.source as { kind?: unknown; name?: unknown } | undefined;
    const source =
      asSource ??
      (given && given.kind === 'hotline' && typeof given.name === 'string' && given.name.trim()
        ? { kind: 'hotline', name: given.name.trim() }
        : undefined);
    if (!source) throw new IntakeError('source is required: { kind: "hotline", name }', 'source');
    const checks = push.checks.map((c: unknown, index) => {
      const check = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
      if (typeof check.url !== 'string' || !check.url || check.url.length > 2048) {
        throw new IntakeError('url must be the URL as the file named it', `checks[${index}].url`);
      }
      if (typeof check.online !== 'boolean') {
        throw new IntakeError('online must be true or false', `checks[${index}].online`);
      }
      if (
        check.checkedAt !== undefined &&
        (typeof check.checkedAt !== 'string' || isNaN(Date.parse(check.checkedAt)))
      ) {
        throw new IntakeError('checkedAt must be an ISO 8601 time', `checks[${index}].checkedAt`);
      }
      return { url: check.url, online: check.online, checkedAt: check.checkedAt as string | undefined };
    });
    const items: HotlineCheckItem[] = [];
    for (const [index, check] of checks.entries()) {
      const noticeId = await this.notices.noticeOfReport(source, hotlineReference(fileNumber, check.url));
      if (!noticeId) {
        items.push({ index, outcome: 'unknown' });
        continue;
      }
      const reason = `the hotline's check of file ${fileNumber}${check.checkedAt ? ` at ${check.checkedAt}` : ''}`;
      try {
        await this.notices.act(
          noticeId,
          check.online ? 'still-online' : 'confirm-removal',
          { reason },
          principal,
          visibilityOf(principal),
        );
        items.push({ index, outcome: check.online ? 'still_online' : 'confirmed', noticeId });
      } catch (err) {
        if (!(err instanceof DomainError) || err.code === 'TEMPORAL.UNAVAILABLE') throw err;
        items.push({
          index,
          outcome: 'refused',
          noticeId,
          code: err.code,
          ...(err.state ? { state: err.state } : {}),
        });
      }
    }
    return { fileNumber, items };
  }

  /** Each report of a hotline file through the one intake; a report the intake refuses is its line's problem. */
  private async submitHotlineReports(reports: HotlineFile['reports']): Promise<{
    results: { line: string; status: 'created' | 'existing'; id: string }[];
    problems: HotlineProblem[];
  }> {
    const out = {
      results: [] as { line: string; status: 'created' | 'existing'; id: string }[],
      problems: [] as HotlineProblem[],
    };
    for (const { line, report } of reports) {
      try {
        const result = await this.submitParsed(report.notice, report.extras);
        out.results.push({ line, status: reportStatus(result), id: result.notice.id });
      } catch (err) {
        const rejected = rejection(err);
        if (rejected.retryable) throw err;
        out.problems.push({
          where: line,
          ...(rejected.field ? { field: rejected.field } : {}),
          problem: rejected.reason,
        });
      }
    }
    return out;
  }

  /** A message kept for the desk with the reason, its attachments by type, size and digest only. */
  private async keep(
    raw: Buffer,
    opts: { channel: 'smtp' | 'pipe'; sender: string },
    error: string,
  ): Promise<string> {
    {
      const copy = await keepableCopy(raw);
      const { identifiers } = await this.db.getRepository(RawMessageEntity).insert({
        channel: opts.channel,
        sender: opts.sender,
        messageId: copy.messageId,
        sizeBytes: raw.length,
        // The copy is kept whatever it holds, with what PostgreSQL takes in no text replaced.
        headers: toStorableText(copy.headers),
        text: toStorableText(copy.text),
        error: toStorableText(error),
      });
      await recordAudit(this.db, {
        action: 'mail.keep',
        target: { type: 'raw_message', id: identifiers[0].id as string },
        summary: { channel: opts.channel, sender: opts.sender, sizeBytes: raw.length, error },
      });
      return identifiers[0].id as string;
    }
  }

  listRawMessages(limit: number, offset: number): Promise<[RawMessageEntity[], number]> {
    return this.db
      .getRepository(RawMessageEntity)
      .findAndCount({ order: { receivedAt: 'DESC', id: 'ASC' }, take: limit, skip: offset });
  }

  /** A report from mail (or a hotline file): checked, its host name resolved as every channel does, submitted. */
  private async submitParsed(notice: unknown, extras: IntakeExtras): Promise<SubmitResult> {
    rejectUnstorableText(notice);
    // A mail's text is kept for the desk to read, whatever characters it holds.
    const kept = extras.originalText
      ? { ...extras, originalText: toStorableText(extras.originalText) }
      : extras;
    rejectUnstorableText(kept);
    const dto = await this.validateResolvable(notice, kept);
    const [resolution] = await resolveHosts(this.hosts, [{ dto, extras: kept }]);
    return this.notices.submit(dto, kept, resolution);
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
      return { dto: await this.validateResolvable(asSource(notice, opts.asSource), extras), extras };
    }
    const dto = await this.validate(asSource(body, opts.asSource));
    return { dto: checkDesignation(dto, !opts.asSource), extras: {} };
  }

  /** A report that names only a host is checked as the IP notice it becomes once resolved. */
  private async validateResolvable(notice: unknown, extras: IntakeExtras): Promise<CreateNoticeDto> {
    if (!extras.host) return this.validate(notice);
    // Any address passes the rule "a URL or an address"; the real ones come from DNS.
    const dto = await this.validate({ ...(notice as object), ip: '192.0.2.0' });
    delete dto.ip;
    return dto;
  }

  /** The rules of `POST /v1/notices`, with its 400 (fields named) when they are not met. */
  private async validate(body: unknown): Promise<CreateNoticeDto> {
    return (await this.validator.transform(body, {
      type: 'body',
      metatype: CreateNoticeDto,
    })) as CreateNoticeDto;
  }
}

export interface HotlinePushItem {
  index: number;
  status: 'created' | 'existing' | 'rejected';
  id?: string;
  reason?: string;
  field?: string;
}

export interface HotlinePushResult {
  fileNumber: string;
  created: number;
  existing: number;
  rejected: number;
  items: HotlinePushItem[];
}

/** The push names its fields as its JSON does (`first_seen` → `firstSeen`). */
const camel = (field: string) => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** `urls[3]` → 3. */
const indexOf = (where: string) => Number(/\[(\d+)\]/.exec(where)?.[1] ?? -1);

export interface IntakeOptions {
  /** The body is X-ARF whatever it looks like (its media type said so). */
  xarf?: boolean;
  /**
   * The caller is a source's integration: its notices are that source's, whatever the body says, so that one
   * hotline's token cannot report as another (the contact address given is kept).
   */
  asSource?: TokenSource;
}

function asSource(notice: unknown, source: IntakeOptions['asSource']): unknown {
  if (!source || typeof notice !== 'object' || notice === null || Array.isArray(notice)) return notice;
  const given = (notice as { source?: unknown }).source;
  const body = (typeof given === 'object' && given !== null ? given : {}) as Partial<NoticeSourceDto>;
  const designation =
    source.designationReference && source.designatingAuthority
      ? {
          designationReference: source.designationReference,
          designatingAuthority: source.designatingAuthority,
        }
      : // A trusted flagger's token made before designations were recorded: the body may still give it.
        source.kind === 'trusted_flagger'
        ? { designationReference: body.designationReference, designatingAuthority: body.designatingAuthority }
        : {};
  return {
    ...notice,
    source: {
      kind: source.kind,
      name: source.name,
      ...(body.contact ? { contact: body.contact } : {}),
      ...Object.fromEntries(Object.entries(designation).filter(([, v]) => v !== undefined)),
    },
  };
}

/**
 * DSA Art. 22: a trusted flagger's notice records its designation, both parts of it. Required where the caller names
 * its source (a `source` token's comes from the token); never on another kind of source.
 */
function checkDesignation(dto: CreateNoticeDto, namedByCaller: boolean): CreateNoticeDto {
  const { kind, designationReference, designatingAuthority } = dto.source;
  const problem = (field: 'designationReference' | 'designatingAuthority', why: string) =>
    new BadRequestException({
      statusCode: 400,
      code: 'REQUEST.INVALID',
      message: `source.${field}: ${why}`,
      fields: [{ field: `source.${field}`, problems: [why] }],
    });
  if (kind !== 'trusted_flagger') {
    if (designationReference) throw problem('designationReference', 'only a trusted_flagger source has one');
    if (designatingAuthority) throw problem('designatingAuthority', 'only a trusted_flagger source has one');
    return dto;
  }
  if (!namedByCaller && !designationReference && !designatingAuthority) return dto;
  if (!designationReference)
    throw problem(
      'designationReference',
      'a trusted flagger’s designation reference (DSA Art. 22) is required',
    );
  if (!designatingAuthority) {
    throw problem(
      'designatingAuthority',
      'the Digital Services Coordinator that designated the trusted flagger (DSA Art. 22) is required',
    );
  }
  return dto;
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

/** Checks in one push at most: a hotline's file lists tens of URLs, not thousands. */
export const MAX_HOTLINE_CHECKS = 500;

export interface HotlineCheckItem {
  index: number;
  outcome: 'confirmed' | 'still_online' | 'unknown' | 'refused';
  noticeId?: string;
  code?: string;
  state?: string;
}

export interface HotlineChecksResult {
  fileNumber: string;
  items: HotlineCheckItem[];
}
