import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import {
  actorLabel,
  assertAppealInTime,
  assertReviewerIsNotDecider,
  DomainError,
  durationToMs,
  type AppealKind,
  type Principal,
} from '@takedown/domain';
import {
  appealPeriodsFor,
  findAppeal,
  insertAppeal,
  listAppeals,
  noticeDecision,
  NoticeEntity,
  terminationDecision,
  type Appeal,
} from '@takedown/persistence';
import { appealWorkflow } from '@takedown/workflows/appeal.workflow';
import { appealWorkflowId, reviewAppealUpdate } from '@takedown/workflows/appeal-messages';
import { AppConfig } from '../app-config';
import { withTemporal } from '../temporal/notice-signal';
import type {
  AppealListQuery,
  AppealPage,
  AppealView,
  DeskAppealPage,
  DeskAppealView,
  FileCustomerAppealDto,
  FileSourceAppealDto,
  ReviewAppealDto,
} from './appeal.dto';

interface Contested {
  kind: AppealKind;
  customerId: string | null;
  noticeId: string | null;
  caseId: string | null;
  source: { kind: string; name: string } | null;
  decidedBy: string;
  decidedAt: Date;
}

/** The review waits for the decision to be on the record (a few activities). */
const REVIEW_DEADLINE_MS = 15_000;

/**
 * Appeals: filed by a customer (a strike, a suspension, a termination decision) or a source (a rejection), within
 * the period of `appeal_settings`, each run by its own workflow; reviewed by the desk or legal, never by the person
 * who made the contested decision (checked here and again by the workflow's update validator).
 */
@Injectable()
export class AppealsService {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  /** A customer's appeal; a notice or case of another customer is as missing as one that does not exist. */
  async fileForCustomer(customerId: string, dto: FileCustomerAppealDto, p: Principal): Promise<AppealView> {
    if (dto.noticeId && dto.caseId) {
      throw new DomainError('REQUEST.INVALID', 'caseId: name either a notice or a case, not both', 'caseId');
    }
    const contested = dto.caseId
      ? await this.terminationContested(customerId, dto.caseId)
      : await this.noticeContested(customerId, dto.noticeId as string);
    return publicView(await this.file(contested, dto.reason, p));
  }

  /** A source's appeal of the rejection of a notice it reported. */
  async fileForSource(dto: FileSourceAppealDto, p: Principal): Promise<DeskAppealView> {
    const source = p.roles.includes('source') ? p.scope.source : undefined;
    const notice = await this.db
      .getRepository(NoticeEntity)
      .createQueryBuilder('n')
      .where('n.id = :id', { id: dto.noticeId })
      .andWhere(
        source
          ? `EXISTS (SELECT 1 FROM notice_reports r WHERE r.notice_id = n.id AND r.source_kind = :kind AND r.source_name = :name)`
          : 'true',
        { kind: source?.kind, name: source?.name },
      )
      .getOne();
    if (!notice) throw new DomainError('NOTICE.NOT_FOUND', `notice ${dto.noticeId} does not exist`);
    const decision = await noticeDecision(this.db, notice.id);
    if (notice.state !== 'closed' || notice.outcome !== 'invalid' || !decision) {
      throw new DomainError(
        'APPEAL.NOT_APPEALABLE',
        'a notifier can appeal only the rejection of its notice (closed as invalid)',
        undefined,
        undefined,
        notice.outcome ?? notice.state,
      );
    }
    const appeal = await this.file(
      {
        kind: 'rejection',
        customerId: notice.customerId,
        noticeId: notice.id,
        caseId: null,
        source: source ?? { kind: notice.sourceKind, name: notice.sourceName },
        ...decision,
      },
      dto.reason,
      p,
    );
    return deskView(appeal);
  }

  async listForCustomer(customerId: string, q: AppealListQuery): Promise<AppealPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    // A notifier's appeal of a rejection is between the notifier and the desk.
    const { items, total } = await listAppeals(this.db, {
      customerId,
      status: q.status,
      kinds: ['strike', 'suspension', 'termination', 'order_removal'],
      limit,
      offset,
    });
    return { items: items.map(publicView), total, limit, offset };
  }

  /** The desk sees every appeal; a source only its own. */
  async list(q: AppealListQuery, p: Principal): Promise<DeskAppealPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { items, total } = await listAppeals(this.db, {
      source: this.sourceOnly(p),
      status: q.status,
      limit,
      offset,
    });
    return { items: items.map(deskView), total, limit, offset };
  }

  async get(id: string, p: Principal): Promise<DeskAppealView> {
    return deskView(await this.visible(id, p));
  }

  /** The review: refused to the decider (409 APPEAL.REVIEWER_IS_DECIDER); answers once the decision is recorded. */
  async review(id: string, dto: ReviewAppealDto, p: Principal): Promise<DeskAppealView> {
    const appeal = await this.visible(id, p);
    const by = actorLabel(p.actor);
    if (appeal.status !== 'under_review') {
      throw new DomainError(
        'APPEAL.ALREADY_DECIDED',
        `the appeal is ${appeal.status}`,
        undefined,
        undefined,
        appeal.status,
      );
    }
    assertReviewerIsNotDecider(by, appeal.decidedBy);
    const handle = this.temporal.workflow.getHandle(appealWorkflowId(id));
    // A refusal by the workflow's validator is an answer, not an outage: it is handed out of withTemporal as a value.
    const refused = await withTemporal(
      this.temporal,
      () =>
        handle
          .executeUpdate(reviewAppealUpdate, { args: [{ decision: dto.decision, by, reason: dto.reason }] })
          .then(
            () => null,
            (err: unknown) => {
              if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
                return err.cause;
              throw err;
            },
          ),
      REVIEW_DEADLINE_MS,
    );
    if (refused) {
      const state = (refused.details?.[0] as { status?: string } | undefined)?.status ?? appeal.status;
      throw new DomainError(refused.type ?? 'APPEAL.CONFLICT', refused.message, undefined, undefined, state);
    }
    return deskView(await this.visible(id, p));
  }

  private async file(c: Contested, reason: string, p: Principal): Promise<Appeal> {
    const periods = await appealPeriodsFor(this.db, c.customerId, this.config.env.POLICY_PROFILE);
    const filedAt = Date.now();
    assertAppealInTime(c.decidedAt.getTime(), filedAt, periods.appealPeriod);
    const id = randomUUID();
    const appellant = actorLabel(p.actor);
    return this.db.transaction(async (tx) => {
      const appeal = await insertAppeal(tx, {
        id,
        ...c,
        appellant,
        reason,
        reviewDueAt: new Date(filedAt + durationToMs(periods.reviewPeriod)),
        workflowId: appealWorkflowId(id),
      });
      // Inside the transaction: Temporal unreachable rolls the row back (503), so no appeal waits without a workflow.
      await withTemporal(this.temporal, () =>
        this.temporal.workflow.start(appealWorkflow, {
          workflowId: appealWorkflowId(id),
          taskQueue: this.config.env.TEMPORAL_TASK_QUEUE,
          args: [
            {
              version: 1,
              appealId: id,
              kind: c.kind,
              customerId: c.customerId,
              noticeId: c.noticeId,
              caseId: c.caseId,
              decidedBy: c.decidedBy,
              decidedAt: c.decidedAt.toISOString(),
              appellant,
              periods,
            },
          ],
        }),
      );
      return appeal;
    });
  }

  /**
   * A closed notice of the customer that counted against it: a suspension, or else a strike; or a removal under a
   * removal order that counted nothing (TCO Art. 10: the content provider's complaint). A reseller appeals, on its
   * end customer's notice, only the strike in its own standing of an act_first window it let pass.
   */
  private async noticeContested(customerId: string, noticeId: string): Promise<Contested> {
    const notice = await this.db.getRepository(NoticeEntity).findOne({
      where: [
        { id: noticeId, customerId },
        { id: noticeId, resellerId: customerId },
      ],
    });
    if (!notice) throw new DomainError('NOTICE.NOT_FOUND', `notice ${noticeId} does not exist`, 'noticeId');
    const decision = await noticeDecision(this.db, noticeId, customerId);
    if (notice.customerId !== customerId) {
      if (notice.resellerMode !== 'act_first' || notice.state !== 'closed' || !decision?.counted) {
        throw new DomainError(
          'APPEAL.NOT_APPEALABLE',
          'a reseller can appeal only the strike of an act_first window it let pass; the rest of the notice is its end customer’s',
          undefined,
          undefined,
          notice.resellerMode === 'act_first'
            ? (notice.outcome ?? notice.state)
            : (notice.resellerMode ?? 'none'),
        );
      }
      return {
        kind: 'strike',
        customerId,
        noticeId,
        caseId: null,
        source: null,
        decidedBy: decision.decidedBy,
        decidedAt: decision.decidedAt,
      };
    }
    const underOrder =
      (notice.outcome === 'removed_in_time' || notice.outcome === 'removed_late') &&
      (
        (await this.db.query(`SELECT 1 FROM removal_orders WHERE notice_id = $1 LIMIT 1`, [
          noticeId,
        ])) as unknown[]
      ).length > 0;
    if (
      notice.state !== 'closed' ||
      !decision ||
      !(decision.counted || notice.outcome === 'suspended' || underOrder)
    ) {
      throw new DomainError(
        'APPEAL.NOT_APPEALABLE',
        'only a closed notice that counted against the standing (a strike or a suspension), or a removal under a removal order, can be appealed',
        undefined,
        undefined,
        notice.outcome ?? notice.state,
      );
    }
    return {
      kind: notice.outcome === 'suspended' ? 'suspension' : decision.counted ? 'strike' : 'order_removal',
      customerId,
      noticeId,
      caseId: null,
      source: null,
      decidedBy: decision.decidedBy,
      decidedAt: decision.decidedAt,
    };
  }

  /** The customer's own termination case, once legal approved it. */
  private async terminationContested(customerId: string, caseId: string): Promise<Contested> {
    const [row] = (await this.db.query(
      `SELECT status FROM termination_cases WHERE id = $1 AND customer_id = $2`,
      [caseId, customerId],
    )) as { status: string }[];
    if (!row) throw new DomainError('CASE.NOT_FOUND', `termination case ${caseId} does not exist`, 'caseId');
    const decision = await terminationDecision(this.db, caseId);
    if (!decision) {
      throw new DomainError(
        'APPEAL.NOT_APPEALABLE',
        'only a decision to terminate (a case legal approved) can be appealed',
        undefined,
        undefined,
        row.status,
      );
    }
    return { kind: 'termination', customerId, noticeId: null, caseId, source: null, ...decision };
  }

  private sourceOnly(p: Principal): { kind: string; name: string } | undefined {
    const staff = p.roles.some((r) => r !== 'source');
    if (staff) return undefined;
    return p.scope.source ?? { kind: '', name: '' };
  }

  private async visible(id: string, p: Principal): Promise<Appeal> {
    const appeal = await findAppeal(this.db, id);
    const source = this.sourceOnly(p);
    if (!appeal || (source && (appeal.source?.kind !== source.kind || appeal.source?.name !== source.name))) {
      throw new DomainError('APPEAL.NOT_FOUND', `appeal ${id} does not exist`);
    }
    return appeal;
  }
}

const publicView = (a: Appeal): AppealView => ({
  id: a.id,
  kind: a.kind,
  status: a.status,
  noticeId: a.noticeId,
  caseId: a.caseId,
  customerId: a.customerId,
  reason: a.reason,
  decidedAt: a.decidedAt.toISOString(),
  filedAt: a.filedAt.toISOString(),
  reviewDueAt: a.reviewDueAt.toISOString(),
  overdue: a.status === 'under_review' && a.reviewDueAt.getTime() < Date.now(),
  reviewedAt: a.reviewedAt?.toISOString() ?? null,
  reviewReason: a.reviewReason,
});

const deskView = (a: Appeal): DeskAppealView => ({
  ...publicView(a),
  decidedBy: a.decidedBy,
  reviewedBy: a.reviewedBy,
  appellant: a.appellant,
});
