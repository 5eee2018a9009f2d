import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import {
  actorLabel,
  DomainError,
  emptyCounts,
  standingPolicyFor,
  STANDING_LEVELS,
  urlsFor,
  type CountName,
  type CustomerLanguage,
  type NoticeState,
  type Principal,
  type StandingCounts,
  type StandingLevel,
} from '@takedown/domain';
import {
  createApiToken,
  listMeasures,
  NoticeEntity,
  NoticeEventEntity,
  recordAudit,
  verifiedMeasureKinds,
} from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { actionUpdateId } from '../common/idempotency-key';
import { startNoticeAction } from '../temporal/notice-signal';
import type {
  CreateCustomerTokenDto,
  CustomerAnswerDto,
  CustomerAnswerKind,
  CustomerAnswerResult,
  CustomerBatchAnswerItem,
  CustomerMeasureView,
  CustomerNoticeDetailView,
  CustomerNoticePage,
  CustomerNoticeQuery,
  CustomerNoticeView,
  CustomerProfileView,
  CustomerStandingView,
  CustomerTokenView,
} from './customer-portal.dto';

/** States in which the customer still has something to do, or a claim is being checked. */
const ANSWERABLE: readonly NoticeState[] = [
  'customer_notified',
  'reminded',
  'escalated',
  'suspension_requested',
  'awaiting_confirmation',
];

/** Timeline steps the customer sees; desk notes, tasks and source details stay with the desk. */
const CUSTOMER_EVENTS = new Set([
  'received',
  'attributed',
  'reseller_notified',
  'customer_notified',
  'reminded',
  'last_call',
  'removal_claimed',
  'disputed',
  'removal_confirmed',
  'still_online',
  'escalated',
  'suspension_requested',
  'reopened',
  'closed',
  'appeal_filed',
  'appeal_review_overdue',
  'appeal_upheld',
  'appeal_reversed',
]);

/** Events whose reason the customer wrote itself. */
const OWN_WORDS = new Set(['removal_claimed', 'disputed']);

const DAY_MS = 86_400_000;

/** A customer's own notices, its answers to them, its standing and measures: everything scoped to one customer. */
@Injectable()
export class CustomerPortalService {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  async list(customerId: string, q: CustomerNoticeQuery): Promise<CustomerNoticePage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    // A reseller's list holds its end customers' notices it was involved in (as of their receipt) beside its own.
    const qb = this.db
      .getRepository(NoticeEntity)
      .createQueryBuilder('n')
      .where('(n.customer_id = :customerId OR n.reseller_id = :customerId)', { customerId });
    if (q.status === 'open') qb.andWhere(`n.state <> 'closed'`);
    if (q.status === 'closed') qb.andWhere(`n.state = 'closed'`);
    // Open notices by the nearest deadline first; then the rest, newest first.
    qb.orderBy(`CASE WHEN n.state = 'closed' THEN 1 ELSE 0 END`, 'ASC')
      .addOrderBy('n.deadline', 'ASC', 'NULLS LAST')
      .addOrderBy('n.receivedAt', 'DESC')
      .addOrderBy('n.id', 'ASC');
    const [rows, total] = await qb.take(limit).skip(offset).getManyAndCount();
    const names = await this.endCustomers(customerId, rows);
    const strikes = await this.resellerStrikes(customerId, rows);
    return { items: rows.map((n) => view(n, customerId, names, strikes)), total, limit, offset };
  }

  /** The end customers of a reseller's notices among `rows`, by id: each of its notices names whose it is. */
  private async endCustomers(customerId: string, rows: NoticeEntity[]): Promise<EndCustomers> {
    const ids = [...new Set(rows.filter((n) => n.customerId !== customerId).map((n) => n.customerId))];
    if (!ids.length) return new Map();
    const found = (await this.db.query(`SELECT id, reference, name FROM customers WHERE id = ANY($1)`, [
      ids,
    ])) as { id: string; reference: string; name: string }[];
    return new Map(found.map((c) => [c.id, { id: c.id, reference: c.reference, name: c.name }]));
  }

  /** The act_first notices among `rows` whose window the reseller let pass: a strike in its own standing. */
  private async resellerStrikes(customerId: string, rows: NoticeEntity[]): Promise<Set<string>> {
    const ids = rows
      .filter((n) => n.resellerId === customerId && n.resellerMode === 'act_first' && n.state === 'closed')
      .map((n) => n.id);
    if (!ids.length) return new Set();
    const found = (await this.db.query(
      `SELECT DISTINCT data->'event'->>'noticeId' AS id FROM customer_standing_events
        WHERE customer_id = $1 AND type = 'notice_closed' AND (data->'event'->>'deadlineMissed')::boolean
          AND data->'event'->>'noticeId' = ANY($2::text[])`,
      [customerId, ids],
    )) as { id: string }[];
    return new Set(found.map((r) => r.id));
  }

  /** Another customer's notice is as missing as one that does not exist. */
  async get(customerId: string, id: string): Promise<CustomerNoticeDetailView> {
    const notice = await this.own(customerId, id);
    const names = await this.endCustomers(customerId, [notice]);
    const strikes = await this.resellerStrikes(customerId, [notice]);
    const events = await this.db
      .getRepository(NoticeEventEntity)
      .find({ where: { noticeId: id }, order: { occurredAt: 'ASC', id: 'ASC' } });
    // A reseller's appeal of its own strike on this notice is the reseller's, and the end customer's is its own.
    const othersAppeals = new Set(
      (
        (await this.db.query(
          `SELECT id FROM appeals WHERE notice_id = $1 AND customer_id IS DISTINCT FROM $2::uuid`,
          [id, customerId],
        )) as { id: string }[]
      ).map((a) => a.id),
    );
    return {
      ...view(notice, customerId, names, strikes),
      timeline: events
        // A notifier's appeal of a rejection is between the notifier and the desk.
        .filter(
          (e) =>
            CUSTOMER_EVENTS.has(e.type) &&
            e.data.kind !== 'rejection' &&
            !othersAppeals.has(e.data.appealId as string),
        )
        .map((e) => ({
          type: e.type,
          occurredAt: e.occurredAt.toISOString(),
          reason: OWN_WORDS.has(e.type) ? e.reason : null,
        })),
    };
  }

  /** The customer's answer, through the notice workflow's update: 409 with the state when it does not fit. */
  async answer(
    customerId: string,
    id: string,
    dto: CustomerAnswerDto,
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<CustomerNoticeDetailView> {
    const accepted = await this.startAnswer(customerId, id, dto, principal, idempotencyKey);
    await accepted.result();
    return this.get(customerId, id);
  }

  /**
   * Many answers at once, each on its own: one refused (closed, not this customer's) does not stop the others. All
   * are handed to their workflows first, then their effects awaited together. With an idempotency key, the batch
   * sent again takes no answer twice: each notice's answer is its first one's (`actionUpdateId` per notice).
   */
  async answerMany(
    customerId: string,
    items: CustomerBatchAnswerItem[],
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<CustomerAnswerResult[]> {
    const started: (CustomerAnswerResult | { noticeId: string; result: () => Promise<unknown> })[] = [];
    for (const item of items) {
      try {
        const accepted = await this.startAnswer(customerId, item.noticeId, item, principal, idempotencyKey);
        started.push({ noticeId: item.noticeId, result: accepted.result });
      } catch (err) {
        if (!(err instanceof DomainError) || err.code === 'TEMPORAL.UNAVAILABLE') throw err;
        started.push({
          noticeId: item.noticeId,
          result: err.code === 'NOTICE.NOT_FOUND' ? 'not_found' : 'refused',
          code: err.code,
          message: err.message,
          ...(typeof err.state === 'string' ? { state: err.state as NoticeState } : {}),
        });
      }
    }
    return Promise.all(
      started.map(async (s): Promise<CustomerAnswerResult> => {
        if (typeof s.result !== 'function') return s as CustomerAnswerResult;
        await s.result();
        const [row] = (await this.db.query(`SELECT state FROM notices WHERE id = $1`, [s.noticeId])) as {
          state: NoticeState;
        }[];
        return { noticeId: s.noticeId, result: 'accepted', state: row.state };
      }),
    );
  }

  /** Who the customer is, and the language and time zone its portal speaks in. */
  async profile(customerId: string): Promise<CustomerProfileView> {
    const [row] = (await this.db.query(
      `SELECT id, reference, name, language, time_zone FROM customers WHERE id = $1`,
      [customerId],
    )) as { id: string; reference: string; name: string; language: CustomerLanguage; time_zone: string }[];
    if (!row) throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${customerId} does not exist`);
    return {
      id: row.id,
      reference: row.reference,
      name: row.name,
      language: row.language,
      timeZone: row.time_zone,
    };
  }

  async standing(customerId: string): Promise<CustomerStandingView> {
    await this.customerExists(customerId);
    const [[row], [contract], measures] = (await Promise.all([
      this.db.query(`SELECT level, counts, level_since FROM customer_standings WHERE customer_id = $1`, [
        customerId,
      ]),
      this.db.query(`SELECT policy_profile FROM contracts WHERE customer_id = $1`, [customerId]),
      verifiedMeasureKinds(this.db, customerId),
    ])) as [
      { level: StandingLevel; counts: StandingCounts; level_since: Date }[],
      { policy_profile: string }[],
      string[],
    ];
    const policy = standingPolicyFor(contract?.policy_profile ?? this.config.env.POLICY_PROFILE);
    const level = row?.level ?? 'good';
    const counts = row?.counts ?? emptyCounts();
    const verified = measures;
    const levels = STANDING_LEVELS.filter((l) => l !== 'good') as Exclude<StandingLevel, 'good'>[];
    return {
      level,
      levelSince: row?.level_since.toISOString() ?? null,
      window: policy.window,
      counts,
      thresholds: levels.map((l) => ({ level: l, counts: policy.thresholds[l] })),
      movesBack: movesBack(level, counts, policy.thresholds, policy.window, verified.length > 0),
      verifiedMeasures: verified,
    };
  }

  async measures(customerId: string): Promise<CustomerMeasureView[]> {
    await this.customerExists(customerId);
    return (await listMeasures(this.db, customerId)).map((m) => ({
      kind: m.kind,
      status: m.status,
      evidence: m.evidence,
      evidenceDate: m.evidenceDate,
      declaredAt: m.declaredAt.toISOString(),
      verifiedAt: m.verifiedAt?.toISOString() ?? null,
      rejectedAt: m.rejectedAt?.toISOString() ?? null,
      rejectionReason: m.rejectionReason,
    }));
  }

  /** A token of the same customer, made by its admin contact; it can never reach another customer. */
  async createToken(
    customerId: string,
    dto: CreateCustomerTokenDto,
    principal: Principal,
  ): Promise<CustomerTokenView> {
    await this.customerExists(customerId);
    const expiresAt = new Date(Date.now() + (dto.expiresInDays ?? 90) * DAY_MS);
    const { token, record } = await this.db.transaction(async (tx) => {
      const issued = await createApiToken(tx, {
        name: dto.name,
        role: 'customer',
        customerId,
        customerAdmin: !!dto.admin,
        expiresAt,
        createdBy: actorLabel(principal.actor),
      });
      await recordAudit(tx, {
        action: 'token.create',
        target: { type: 'api_token', id: issued.record.id },
        summary: {
          role: 'customer',
          customerId,
          customerAdmin: !!dto.admin,
          expiresAt: expiresAt.toISOString(),
        },
      });
      return issued;
    });
    return {
      token,
      id: record.id,
      name: record.name,
      admin: record.customerAdmin,
      expiresAt: expiresAt.toISOString(),
    };
  }

  async customerExists(customerId: string): Promise<void> {
    const [found] = (await this.db.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId])) as unknown[];
    if (!found) throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${customerId} does not exist`);
  }

  private async startAnswer(
    customerId: string,
    id: string,
    dto: CustomerAnswerDto,
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<{ result: () => Promise<unknown> }> {
    const notice = await this.own(customerId, id);
    if (!answersFor(notice, customerId)) {
      throw new DomainError(
        'NOTICE.RESELLER_INFORMED',
        'your contract has you informed of this notice of your customer; your customer answers it',
        undefined,
        undefined,
        notice.state,
      );
    }
    if (dto.kind === 'dispute' && !dto.reason) {
      throw new DomainError('REQUEST.INVALID', 'reason is required for a dispute', 'reason');
    }
    const by = actorLabel(principal.actor);
    const accepted = await startNoticeAction(
      this.temporal,
      id,
      { type: 'customer', kind: dto.kind, reason: dto.reason, by },
      idempotencyKey && actionUpdateId(by, 'customer-response', idempotencyKey),
    );
    await recordAudit(this.db, {
      action: 'notice.customer-response',
      target: { type: 'notice', id },
      summary: {
        before: { state: notice.state },
        request: { kind: dto.kind },
        customerId,
        ...(idempotencyKey && { idempotencyKey }),
      },
    });
    return accepted;
  }

  /** Its own notice, or one of an end customer's it was involved in as reseller; any other is as missing. */
  private async own(customerId: string, id: string): Promise<NoticeEntity> {
    const notice = await this.db.getRepository(NoticeEntity).findOneBy([
      { id, customerId },
      { id, resellerId: customerId },
    ]);
    if (!notice) throw new DomainError('NOTICE.NOT_FOUND', `notice ${id} does not exist`);
    return notice;
  }
}

type EndCustomers = Map<string | null, { id: string; reference: string; name: string }>;

/** Whether `customerId` answers the notice: its own, or an end customer's where its contract has it act first. */
function answersFor(n: NoticeEntity, customerId: string): boolean {
  return n.customerId === customerId || n.resellerMode === 'act_first';
}

function view(
  n: NoticeEntity,
  customerId: string,
  names: EndCustomers,
  resellerStrikes: Set<string>,
): CustomerNoticeView {
  const endCustomer = n.customerId === customerId ? null : (names.get(n.customerId) ?? null);
  const answers: CustomerAnswerKind[] = !answersFor(n, customerId)
    ? []
    : ANSWERABLE.includes(n.state)
      ? n.state === 'awaiting_confirmation'
        ? ['dispute']
        : ['removed', 'dispute']
      : [];
  return {
    id: n.id,
    category: n.category,
    urls: urlsFor('customer', n.category, n.urls),
    ip: n.ip,
    state: n.state,
    outcome: n.outcome,
    receivedAt: n.receivedAt.toISOString(),
    deadline: n.deadline?.toISOString() ?? null,
    closedAt: n.closedAt?.toISOString() ?? null,
    asked: endCustomer && !answersFor(n, customerId) ? INFORMED_ONLY : asked(n),
    answers,
    endCustomer,
    resellerMode: endCustomer ? n.resellerMode : null,
    resellerStrike: endCustomer ? resellerStrikes.has(n.id) : null,
  };
}

const INFORMED_ONLY = 'Nothing: you are informed of this notice; your customer is asked to act.';

function asked(n: NoticeEntity): string {
  const by = n.deadline ? ` by ${n.deadline.toISOString()}` : '';
  if (n.state === 'closed') return 'Nothing: the notice is closed.';
  if (n.state === 'awaiting_confirmation') {
    return `Nothing for now: your removal claim is being checked; the deadline${by} runs on until it is confirmed.`;
  }
  if (!ANSWERABLE.includes(n.state)) return 'Nothing yet: the notice is being processed.';
  return `Remove the material at the reported URLs${by} and answer "removed", or answer "dispute" with your reason.`;
}

const COUNT_WORDS: Record<CountName, string> = {
  missedDeadlines: 'missed deadlines',
  missedCsamDeadlines: 'missed CSAM deadlines',
  ignored: 'ignored notices',
  falseClaims: 'false removal claims',
  contentBack: 'content back after removal',
};

/** In plain sentences: which counts hold the level where it is, and what lowers it. */
function movesBack(
  level: StandingLevel,
  counts: StandingCounts,
  thresholds: Record<Exclude<StandingLevel, 'good'>, Partial<StandingCounts>>,
  window: string,
  hasVerifiedMeasure: boolean,
): string[] {
  if (level === 'good') return ['Nothing to move back: the standing is good.'];
  if (level === 'termination_case') {
    return [
      'A termination case is open: legal decides; its rejection or withdrawal returns the standing to the counts.',
    ];
  }
  const holding = (Object.entries(thresholds[level]) as [CountName, number][])
    .filter(([name, n]) => counts[name] >= n)
    .map(([name, n]) => `${COUNT_WORDS[name]}: ${counts[name]} (the level starts at ${n})`);
  const sentences = [
    `Counts fall as events leave the rolling window of ${window}; below every threshold of ${level} the level drops.`,
    ...holding,
  ];
  if (!hasVerifiedMeasure && level !== 'final_warning') {
    sentences.push('A preventive measure verified by the abuse desk lowers the level by one.');
  }
  return sentences;
}
