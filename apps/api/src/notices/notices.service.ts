import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { QueryFailedError, type EntityManager } from 'typeorm';
import {
  actorLabel,
  DomainError,
  redactUrl,
  type Category,
  type NoticeState,
  type Principal,
  type Role,
} from '@takedown/domain';
import { defaultIfEmpty, from, lastValueFrom, mergeMap } from 'rxjs';
import type { HostResolution, IntakeExtras } from '@takedown/intake';
import {
  AuditTrail,
  isDatabaseUnavailable,
  NoticeRepository,
  type NoticeDetail,
  type NoticeEntity,
  type NoticeListRow,
  type NoticeReportEntity,
  type ReportKey,
} from '@takedown/persistence';
import { duplicateReportSignal, type NoticeMessage } from '@takedown/workflows/messages';
import { noticeWorkflow, type NoticeWorkflowInput } from '@takedown/workflows/notice.workflow';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { AppConfig } from '../app-config';
import { EVERYTHING, submittingSource, visibilityOf, type Visibility } from '../auth/principal';
import { PeopleService } from '../people/people.service';
import { actionUpdateId } from '../common/idempotency-key';
import { signalNotice, startNoticeAction, withTemporal } from '../temporal/notice-signal';
import { BreachForecasts } from './breach-forecasts';
import { storeResolved } from './host-notices';
import { disclosedNotice, STAFF } from './disclosed-notice';
import { newNoticeRows, reportRow, submitAudit } from './notice-rows';
import type { SourceNoticePage, SourceNoticeView } from './source-notice.dto';
import type {
  BulkActionDto,
  BulkActionResponse,
  BulkActionResult,
  CreateNoticeDto,
  NoticeAction,
  NoticeActionDto,
  NoticeListQuery,
  NoticePage,
  NoticeReportView,
  NoticeSummaryView,
  NoticeView,
} from './notice.dto';

type SourceKey = { kind: string; name: string };

/** How many notices of a bulk action are carried out at once. */
const BULK_CONCURRENCY = 8;

/** `created`: a new notice; `joined`: a new report that joined the open notice of one of its URLs. */
export type SubmitResult = { notice: NoticeView; created: boolean; joined?: boolean };

/**
 * A report's status in the batch, feed and mail answers: `created` for a new report, whether it opened a notice or
 * joined another source's open one (that the URL was reported before, and by whom, is not the sender's to learn);
 * `existing` only for the same report taken before (its source reference).
 */
export function reportStatus(result: Pick<SubmitResult, 'created' | 'joined'>): 'created' | 'existing' {
  return result.created || result.joined ? 'created' : 'existing';
}

/** What the intake transaction did with a submission. */
type Stored =
  | { kind: 'known'; noticeId: string }
  | { kind: 'joined'; noticeId: string }
  /** `view`: the notice as stored, when nothing else (a linked notice) was made with it. */
  | { kind: 'created'; noticeId: string; view?: NoticeView };

@Injectable()
export class NoticesService {
  private readonly logger = new Logger(NoticesService.name);

  constructor(
    private readonly notices: NoticeRepository,
    private readonly audit: AuditTrail,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
    private readonly people: PeopleService,
    private readonly forecasts: BreachForecasts,
  ) {}

  /**
   * Intake. The same source reference twice is the same notice; a new report of a URL that an open notice already
   * covers joins that notice. Otherwise the notice is stored and its workflow started in one transaction: the row
   * commits only after Temporal accepted the workflow, so a Temporal outage leaves nothing half-made (503).
   */
  async submit(
    dto: CreateNoticeDto,
    extras: IntakeExtras = {},
    resolution?: HostResolution,
  ): Promise<SubmitResult> {
    let stored: Stored;
    try {
      stored = await this.notices.transaction((tx) => this.store(tx, dto, extras, resolution));
    } catch (err) {
      // A concurrent request with the same source reference won the race: its notice is this one.
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') {
        const winner = await this.notices.findReport(reportKey(dto));
        if (winner) return { notice: await this.get(winner.noticeId), created: false };
      }
      throw err;
    }
    if (stored.kind === 'known')
      return { notice: await this.resumeIfUnstarted(await this.get(stored.noticeId)), created: false };
    this.logger.log(
      {
        noticeId: stored.noticeId,
        category: dto.category,
        channel: extras.channel ?? 'api',
        // An untriaged email may be about CSAM too.
        urls: dto.category === 'csam' || extras.needsTriage ? dto.urls.map(redactUrl) : dto.urls,
      },
      stored.kind === 'created' ? 'notice received' : 'report joined an open notice',
    );
    // A new notice is what was just stored: no need to read it back.
    if (stored.kind === 'created')
      return { notice: stored.view ?? (await this.get(stored.noticeId)), created: true };
    return { notice: await this.get(stored.noticeId), created: false, joined: true };
  }

  /**
   * The intake's answer to its caller (status and body). A source gets its own view of the notice, and a report that
   * joined another source's notice is answered as a new notice is (201): that the URL was reported before, and by
   * whom, is not the source's to learn.
   */
  async intakeAnswer(
    result: SubmitResult,
    principal: Principal,
  ): Promise<{ status: 200 | 201; body: NoticeView | SourceNoticeView }> {
    const source = submittingSource(principal);
    if (!source) {
      // A new notice holds only what the caller has just sent: its answer follows the role rule. A known or joined one
      // may hold other reports' URLs, which a staff member reads as every staff read gives them (a CSAM path only
      // through the audited GET /v1/notices/:id/urls). With its forecast, as a staff read gives it.
      const reader = result.created ? principal.roles : STAFF;
      const [body] = await this.forecasts.of([disclosedNotice(result.notice, reader)]);
      return { status: result.created ? 201 : 200, body };
    }
    const body = disclosedNotice(await this.getForSource(result.notice.id, source), principal.roles);
    return { status: result.created || result.joined ? 201 : 200, body };
  }

  /** A notice as a source reads it; one it did not report is as missing as one that does not exist. */
  async getForSource(id: string, source: SourceKey): Promise<SourceNoticeView> {
    const notice = await this.notices.find(id, { all: false, source });
    if (!notice) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
    return sourceView(notice, await this.notices.reportsBy([id], source));
  }

  /** The notices a source reported, as it reads them; `roles`: its own, for what a search may match. */
  async listForSource(
    q: NoticeListQuery,
    source: SourceKey,
    roles: readonly Role[],
  ): Promise<SourceNoticePage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { rows, total } = await this.notices.page({ ...q, limit, offset }, { all: false, source }, roles);
    const reports = await this.notices.reportsBy(
      rows.map((n) => n.id),
      source,
    );
    const items = rows.map((n) =>
      sourceView(
        n,
        reports.filter((r) => r.noticeId === n.id),
      ),
    );
    return { items, total, limit, offset };
  }

  private async store(
    tx: EntityManager,
    dto: CreateNoticeDto,
    extras: IntakeExtras,
    resolution?: HostResolution,
  ): Promise<Stored> {
    // Reports of the same URL are taken one at a time, so two of them never open two notices.
    await this.notices.lockUrls(tx, dto.urls);
    // After the lock: this report already known, else an open notice of one of its URLs that it joins.
    const found = await this.notices.intakeMatch(tx, reportKey(dto), dto.urls);
    if (found.known) return { kind: 'known', noticeId: found.known };
    const receivedAt = new Date();

    if (found.open) {
      const open = found.open.id;
      await this.notices.insertReport(tx, reportRow(dto, open, receivedAt, found.open.urls));
      // The signal needs a workflow: the notice may not have one yet.
      await this.startIfUnstarted(found.open);
      await signalNotice(this.temporal, open, duplicateReportSignal, {
        by: `source:${dto.source.name}`,
        sourceReference: dto.sourceReference,
      });
      await this.audit.record(
        {
          action: 'notice.report_joined',
          target: { type: 'notice', id: open },
          summary: {
            source: { kind: dto.source.kind, name: dto.source.name },
            sourceReference: dto.sourceReference,
            channel: extras.channel ?? 'api',
          },
        },
        tx,
      );
      return { kind: 'joined', noticeId: open };
    }

    if (resolution) {
      const at = dto.observedAt ? new Date(dto.observedAt) : receivedAt;
      const noticeId = await storeResolved(this.notices, tx, dto, resolution, at, (one, row) =>
        this.create(tx, one, extras, receivedAt, row),
      );
      return { kind: 'created', noticeId };
    }
    return this.create(tx, dto, extras, receivedAt);
  }

  private async create(
    tx: EntityManager,
    dto: CreateNoticeDto,
    extras: IntakeExtras,
    receivedAt: Date,
    row: Partial<NoticeEntity> = {},
  ): Promise<Stored> {
    const rows = newNoticeRows(dto, extras, receivedAt);
    Object.assign(rows.notice, row);
    const id = rows.notice.id;
    // The address as PostgreSQL writes it, for the view below.
    const stored = await this.notices.insertNotice(tx, rows.notice);
    await this.notices.insertReport(tx, rows.report);
    if (!extras.needsTriage) await this.startWorkflow(id, dto.category, receivedAt);
    // After the workflow start, so that the audit chain's lock is held only for the commit.
    await this.audit.record(submitAudit(dto, extras, id, 'api'), tx);
    return { kind: 'created', noticeId: id, view: newNoticeView(rows, stored) };
  }

  /** A known report sent again: its notice, started if it never was (see `startIfUnstarted`). */
  private async resumeIfUnstarted(notice: NoticeView): Promise<NoticeView> {
    await this.startIfUnstarted({ ...notice, receivedAt: new Date(notice.receivedAt) });
    return notice;
  }

  /**
   * A notice still `received` may have no workflow yet: the batch intake commits before it starts, so a report sent
   * again or joining it can come in between, and a crash there leaves it without one for good. Start it now, as the
   * batch does. Same workflow id and `USE_EXISTING`, so for a notice whose workflow runs this changes nothing.
   */
  private async startIfUnstarted(notice: {
    id: string;
    state: string;
    category: Category;
    receivedAt: Date;
  }): Promise<void> {
    if (notice.state === 'received') await this.startWorkflow(notice.id, notice.category, notice.receivedAt);
  }

  /** `deadlineMs`: how long Temporal may take to accept the start (withTemporal's default: a request's patience). */
  async startWorkflow(
    noticeId: string,
    category: Category,
    receivedAt: Date,
    deadlineMs?: number,
  ): Promise<void> {
    const input: NoticeWorkflowInput = {
      version: 1,
      noticeId,
      category,
      receivedAt: receivedAt.toISOString(),
    };
    await withTemporal(
      this.temporal,
      () =>
        this.temporal.workflow.start(noticeWorkflow, {
          workflowId: noticeWorkflowId(noticeId),
          taskQueue: this.config.env.TEMPORAL_TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      deadlineMs,
    );
  }

  /**
   * The desk read a triage notice: with a category its workflow starts, by the path every notice takes, and the
   * customer's clock runs from now; with a reason it is closed as invalid and no customer ever hears of it.
   */
  async triage(
    id: string,
    decision: { by: string; category?: Category; reason?: string },
  ): Promise<NoticeView> {
    await this.notices.transaction(async (tx) => {
      const row = await this.notices.lockNotice(tx, id);
      if (!row) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
      if (row.state !== 'needs_triage') {
        throw new DomainError('NOTICE.CONFLICT', `notice ${id} does not need triage`);
      }
      const now = new Date();
      const event = { noticeId: id, actor: decision.by, occurredAt: now, reason: decision.reason ?? null };
      if (decision.category) {
        await this.notices.updateNotice(tx, id, { category: decision.category, state: 'received' });
        await this.notices.insertEvent(tx, {
          ...event,
          type: 'triaged',
          data: { category: decision.category },
          idempotencyKey: `triaged:${id}`,
        });
        await this.startWorkflow(id, decision.category, now);
      } else {
        await this.notices.updateNotice(tx, id, { state: 'closed', outcome: 'invalid', closedAt: now });
        await this.notices.insertEvent(tx, {
          ...event,
          type: 'closed',
          data: { outcome: 'invalid' },
          idempotencyKey: `triaged:${id}`,
        });
      }
      await this.audit.record(
        {
          action: 'notice.triage',
          target: { type: 'notice', id },
          summary: {
            before: { state: 'needs_triage' },
            after: decision.category
              ? { state: 'received', category: decision.category }
              : { state: 'closed', outcome: 'invalid' },
            by: decision.by,
            reason: decision.reason,
          },
        },
        tx,
      );
    });
    return disclosedNotice(await this.get(id), STAFF);
  }

  /** `roles`: the reader's, for what a search may match (`whereSearched`); `me`: its subject, for `assignee=me`. */
  async list(
    q: NoticeListQuery,
    visibility: Visibility,
    roles: readonly Role[],
    me: string,
  ): Promise<NoticePage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const assignee = q.assignee === 'me' ? me : q.assignee;
    const { rows, total } = await this.notices.page({ ...q, assignee, limit, offset }, visibility, roles);
    return { items: rows.map(summary), total, limit, offset };
  }

  /** A notice the caller may not see is as missing as one that does not exist: its existence is not told. */
  async get(id: string, visibility: Visibility = EVERYTHING): Promise<NoticeView> {
    const found = await this.notices.detail(id, visibility);
    if (!found) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
    const { notice, events, reports, tasks, linked } = found;
    return {
      ...summary(notice),
      reportedType: notice.reportedType,
      reportDetails: notice.reportDetails,
      originalText: notice.originalText,
      host: notice.host,
      repeatOf: notice.repeatOf,
      hashListed: notice.hashListed,
      linkedNotices: linked,
      // A source sees its own reports of the notice, not who else reported it.
      reports: reports.filter((r) => reportVisible(r, visibility)).map(reportView),
      pendingTasks: tasks.map((t) => ({
        id: t.id,
        kind: t.kind,
        assignee: t.assignee,
        dueAt: t.dueAt.toISOString(),
        summary: t.summary,
      })),
      timeline: events.map((e) => ({
        type: e.type,
        actor: e.actor,
        reason: e.reason,
        occurredAt: e.occurredAt.toISOString(),
        data: e.data,
      })),
    };
  }

  /** The notice a source's report (by its reference) is on, or null when no such report was taken. */
  async noticeOfReport(
    source: { kind: string; name: string },
    sourceReference: string,
  ): Promise<string | null> {
    const report = await this.notices.findReport({
      sourceKind: source.kind,
      sourceName: source.name,
      sourceReference,
    });
    return report?.noticeId ?? null;
  }

  /**
   * An abuse-desk (or source, or customer) action, carried out by the notice's workflow as an update: the answer is
   * the notice with the action's effect, or a 409 naming the notice's state when the action does not fit it. The
   * actor is the authenticated principal; nothing the caller writes becomes an identity. With an idempotency key the
   * same action sent again by the same principal is carried out once (`actionUpdateId`); each request is still
   * audited, with the key, so that the trail shows a repeat as one.
   */
  async act(
    id: string,
    action: NoticeAction,
    dto: NoticeActionDto,
    principal: Principal,
    visibility: Visibility = EVERYTHING,
    idempotencyKey?: string,
  ): Promise<NoticeView> {
    const notice = await this.get(id, visibility);
    if (notice.state === 'needs_triage') {
      throw new DomainError(
        'NOTICE.AWAITS_TRIAGE',
        `notice ${id} awaits triage: confirm its category first`,
        undefined,
        undefined,
        notice.state,
      );
    }
    const need = (field: 'reason' | 'customerId' | 'kind'): string => {
      const value = dto[field];
      if (!value) throw new DomainError('REQUEST.INVALID', `${field} is required for ${action}`, field);
      return value;
    };
    const by = actorLabel(principal.actor);
    let message: NoticeMessage;
    switch (action) {
      case 'confirm-removal':
        message = { type: 'confirm', by, note: dto.reason };
        break;
      case 'still-online':
        message = { type: 'stillOnline', by, reason: dto.reason };
        break;
      case 'customer-response': {
        const kind = need('kind') as 'removed' | 'dispute';
        message = { type: 'customer', kind, reason: kind === 'dispute' ? need('reason') : dto.reason, by };
        break;
      }
      case 'attribute': {
        const customerId = need('customerId');
        if (!(await this.notices.customerExists(customerId))) {
          throw new DomainError('CUSTOMER.UNKNOWN', `customer ${customerId} does not exist`, 'customerId');
        }
        message = { type: 'attribute', customerId, by };
        break;
      }
      case 'reopen':
        message = { type: 'reopen', by, reason: dto.reason };
        break;
      case 'reject-invalid':
        message = { type: 'invalid', by, reason: need('reason') };
        break;
      case 'withdraw':
        message = { type: 'withdraw', by, reason: need('reason') };
        break;
      case 'escalate-now':
        message = { type: 'escalateNow', by, reason: dto.reason };
        break;
      case 'add-note':
        message = { type: 'note', by, note: need('reason') };
        break;
    }
    const accepted = await startNoticeAction(
      this.temporal,
      id,
      message,
      idempotencyKey && actionUpdateId(by, action, idempotencyKey),
    );
    // The workflow records the action's effect (as workflow.notice.* rows); this is who asked, and for what.
    await this.audit.record({
      action: `notice.${action}`,
      target: { type: 'notice', id },
      summary: {
        before: { state: notice.state, customerId: notice.customerId },
        request: { kind: dto.kind, customerId: dto.customerId, reason: dto.reason },
        ...(idempotencyKey && { idempotencyKey }),
      },
    });
    await accepted.result();
    return this.get(id);
  }

  /**
   * Assigns the notice to a person (null: to nobody), on its timeline (an `assigned` step, written here: the workflow
   * has no part in it) and in the audit trail. Assigning it to whom it is assigned to already changes nothing.
   */
  async assign(id: string, assignee: string | null, principal: Principal): Promise<NoticeView> {
    const visibility = visibilityOf(principal);
    await this.get(id, visibility);
    const person = assignee === null ? null : await this.people.find(assignee);
    const by = actorLabel(principal.actor);
    await this.notices.transaction(async (tx) => {
      const row = await this.notices.lockNotice(tx, id);
      if (!row) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
      if (row.assignedTo === assignee) return;
      await this.notices.updateNotice(tx, id, { assignedTo: assignee, assignedToName: person?.name ?? null });
      await this.notices.insertEvent(tx, {
        noticeId: id,
        type: person ? 'assigned' : 'unassigned',
        actor: by,
        reason: null,
        data: { assignee, name: person?.name ?? null, previous: row.assignedTo },
        occurredAt: new Date(),
        idempotencyKey: `assigned:${id}:${randomUUID()}`,
      });
      await this.audit.record(
        {
          action: 'notice.assign',
          target: { type: 'notice', id },
          summary: { before: { assignee: row.assignedTo }, after: { assignee }, by },
        },
        tx,
      );
    });
    return this.get(id, visibility);
  }

  /**
   * One action on many notices, each through the path its single route takes (`act`, `assign`): the same workflow
   * update, the same refusals, one audit row per notice with the caller as actor. At most BULK_CONCURRENCY at a time,
   * so that 200 notices neither flood Temporal nor hold every database connection. A notice the caller may not see
   * answers `not_found` exactly as one that does not exist.
   */
  async bulk(dto: BulkActionDto, principal: Principal, idempotencyKey?: string): Promise<BulkActionResponse> {
    const reason = dto.reason ?? dto.note;
    if (dto.action === 'reject-invalid' && !reason)
      throw new DomainError('REQUEST.INVALID', 'reason is required for reject-invalid', 'reason');
    if (dto.action === 'add-note' && !reason)
      throw new DomainError('REQUEST.INVALID', 'note is required for add-note', 'note');
    if (dto.action === 'assign' && dto.assignee) await this.people.find(dto.assignee);
    const one = async (id: string): Promise<BulkActionResult> => {
      try {
        const notice =
          dto.action === 'assign'
            ? await this.assign(id, dto.assignee ?? null, principal)
            : await this.act(id, dto.action, { reason }, principal, visibilityOf(principal), idempotencyKey);
        return { id, status: 'done', state: notice.state };
      } catch (err) {
        return bulkFailure(id, err, this.logger);
      }
    };
    const byId = new Map<string, BulkActionResult>();
    await lastValueFrom(
      from(dto.noticeIds).pipe(
        mergeMap(async (id) => byId.set(id, await one(id)), BULK_CONCURRENCY),
        defaultIfEmpty(null),
      ),
    );
    const results = dto.noticeIds.map((id) => byId.get(id)!);
    const counts = { done: 0, conflict: 0, not_found: 0, failed: 0 };
    for (const r of results) counts[r.status] += 1;
    return { action: dto.action, results, counts };
  }
}

function reportKey(dto: CreateNoticeDto): ReportKey {
  return { sourceKind: dto.source.kind, sourceName: dto.source.name, sourceReference: dto.sourceReference };
}

/**
 * A notice as it stands when its intake commits, from the rows that stored it: what `get` reads back at that moment
 * (no timeline or tasks yet: the workflow records those), without reading it back.
 */
function newNoticeView(
  rows: ReturnType<typeof newNoticeRows>,
  stored: Pick<NoticeEntity, 'ip' | 'state'>,
): NoticeView {
  const n = rows.notice;
  const report = rows.report;
  return {
    ...summary({
      customerId: null,
      outcome: null,
      deadline: null,
      closedAt: null,
      timeToRemovalSeconds: null,
      policyId: null,
      policyVersion: null,
      assignedTo: null,
      assignedToName: null,
      ...n,
      ...stored,
    } as NoticeEntity),
    reportedType: n.reportedType ?? null,
    reportDetails: n.reportDetails ?? null,
    originalText: n.originalText ?? null,
    host: n.host ?? null,
    repeatOf: null,
    hashListed: false,
    linkedNotices: [],
    reports: [
      {
        kind: report.sourceKind!,
        name: report.sourceName!,
        sourceReference: report.sourceReference!,
        receivedAt: report.receivedAt!.toISOString(),
        designationReference: report.designationReference ?? null,
        designatingAuthority: report.designatingAuthority ?? null,
      },
    ],
    pendingTasks: [],
    timeline: [],
  };
}

function summary(n: NoticeListRow): NoticeSummaryView {
  return {
    id: n.id,
    source: { kind: n.sourceKind, name: n.sourceName },
    sourceReference: n.sourceReference,
    category: n.category,
    urls: n.urls,
    ip: n.ip,
    customerId: n.customerId,
    state: n.state,
    outcome: n.outcome,
    receivedAt: n.receivedAt.toISOString(),
    deadline: n.deadline?.toISOString() ?? null,
    closedAt: n.closedAt?.toISOString() ?? null,
    timeToRemovalSeconds: n.timeToRemovalSeconds,
    policy: n.policyId ? `${n.policyId}@${n.policyVersion}` : null,
    workflowId: n.workflowId,
    assignedTo: n.assignedTo ?? null,
    assignedToName: n.assignedToName ?? null,
  };
}

/**
 * What a source reads of a notice, from the notice and the source's own reports of it (oldest first): the URLs those
 * named, its first reference and time, the state and the outcome.
 */
function sourceView(n: NoticeListRow, own: NoticeReportEntity[]): SourceNoticeView {
  const positions = new Set(own.flatMap((r) => r.urlPositions ?? []));
  const first = own[0];
  return {
    id: n.id,
    source: { kind: first.sourceKind, name: first.sourceName },
    sourceReference: first.sourceReference,
    category: n.category,
    urls: n.urls.filter((_, i) => positions.has(i + 1)),
    state: n.state,
    outcome: n.outcome,
    receivedAt: first.receivedAt.toISOString(),
    closedAt: n.closedAt?.toISOString() ?? null,
    reports: own.map(reportView),
  };
}

function reportView(r: NoticeDetail['reports'][number]): NoticeReportView {
  return {
    kind: r.sourceKind,
    name: r.sourceName,
    sourceReference: r.sourceReference,
    receivedAt: r.receivedAt.toISOString(),
    designationReference: r.designationReference,
    designatingAuthority: r.designatingAuthority,
  };
}

function reportVisible(r: Pick<NoticeReportEntity, 'sourceKind' | 'sourceName'>, v: Visibility): boolean {
  return v.all || !v.source || (r.sourceKind === v.source.kind && r.sourceName === v.source.name);
}

/** A notice of a bulk action that was not carried out, as its single route would have answered. */
function bulkFailure(id: string, err: unknown, logger: Logger): BulkActionResult {
  if (isDatabaseUnavailable(err)) {
    return {
      id,
      status: 'failed',
      code: 'DATABASE.UNAVAILABLE',
      message: 'the database is unavailable; retry',
    };
  }
  if (!(err instanceof DomainError)) {
    // Unexpected: logged as the errors filter logs a 500 (a query's error by its code: its text may quote values).
    const described =
      err instanceof QueryFailedError
        ? { error: 'QueryFailedError', code: (err.driverError as { code?: string }).code }
        : { error: (err as Error).name, message: (err as Error).message };
    logger.error({ noticeId: id, ...described }, 'bulk action failed for a notice');
    return { id, status: 'failed', code: 'INTERNAL', message: 'something went wrong on our side' };
  }
  if (/\.NOT_FOUND$/.test(err.code)) return { id, status: 'not_found' };
  if (err.state !== undefined || /\.(CONFLICT|ALREADY_\w+)$/.test(err.code))
    return { id, status: 'conflict', code: err.code, message: err.message, state: err.state as NoticeState };
  return { id, status: 'failed', code: err.code, message: err.message };
}
