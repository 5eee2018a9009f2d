import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { resolveUrlHashKeys } from '@takedown/config';
import { anonymisedText, DomainError, type UrlHashKey } from '@takedown/domain';
import {
  customerAppeals,
  getSnapshot,
  insertSnapshot,
  latestSnapshot,
  listSnapshots,
  type SnapshotSummary,
  type StoredSnapshot,
} from '@takedown/persistence';
import {
  redactedUrl,
  contentDigest,
  sealTerminationReport,
  type ReportNotice,
  type TerminationReport,
} from '@takedown/reports';
import { AppConfig } from '../app-config';
import { ReportKeys } from '../well-known/report-keys';

interface EventRow {
  notice_id: string;
  type: string;
  actor: string;
  reason: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
}

/** Notice steps that are a person's decision, with what was decided. */
const NOTICE_DECISIONS: Record<string, (e: EventRow) => string> = {
  task_completed: (e) => `${String(e.data.kind)}: ${String(e.data.outcome)}`,
  closed: (e) => `closed: ${String(e.data.outcome)}`,
  reopened: () => 'reopened',
  escalated: () => 'escalated',
  still_online: () => 'still online',
  appeal_upheld: () => 'appeal upheld',
  appeal_reversed: () => 'appeal reversed',
};

const KIND = 'termination_report';

/**
 * Gathers a case's evidence from PostgreSQL (never from Temporal) into a report, and keeps it as a snapshot: its JSON
 * and PDF rendered once, signed together, stored insert-only. Every download of a snapshot is the same bytes.
 */
@Injectable()
export class TerminationReportService {
  constructor(
    private readonly db: DataSource,
    private readonly keys: ReportKeys,
    config: AppConfig,
  ) {
    // Resolved at start: production without URL_HASH_KEYS stops at once, naming it.
    this.urlHashKey = resolveUrlHashKeys(config.env)[0];
  }

  private readonly urlHashKey: UrlHashKey;

  /**
   * Free text as a report shows it: reasons and notes quote URLs (the material) and addresses, which a report handed
   * to a customer or a court must not carry; they are anonymised as retention anonymises URLs, the words kept.
   */
  private freeText(text: string | null): string | null {
    return text === null ? null : anonymisedText(text, this.urlHashKey);
  }

  /**
   * The case's current snapshot: the latest when the evidence has not changed since (the same content digest), else
   * a new one. Serialised per case, so that two requests at once do not take two identical snapshots.
   */
  async current(caseId: string, by: string): Promise<{ snapshot: StoredSnapshot; created: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('report_snapshots'), hashtext($1))`, [caseId]);
      const id = randomUUID();
      const report = await this.build(caseId, id);
      const contentSha256 = contentDigest(report);
      const latest = await latestSnapshot(tx, KIND, caseId);
      if (latest?.contentSha256 === contentSha256) return { snapshot: latest, created: false };

      const sealed = await sealTerminationReport(report, this.keys.signingKey);
      const snapshot: StoredSnapshot = {
        id,
        kind: KIND,
        subjectId: caseId,
        createdAt: new Date(report.generatedAt),
        createdBy: by,
        contentSha256,
        ...sealed,
      };
      await insertSnapshot(tx, snapshot);
      return { snapshot, created: true };
    });
  }

  async list(caseId: string): Promise<SnapshotSummary[]> {
    await this.assertCase(caseId);
    return listSnapshots(this.db, KIND, caseId);
  }

  async get(caseId: string, snapshotId: string): Promise<StoredSnapshot> {
    const snapshot = await getSnapshot(this.db, KIND, caseId, snapshotId);
    if (!snapshot) {
      await this.assertCase(caseId);
      throw new DomainError(
        'REPORT.NOT_FOUND',
        `termination case ${caseId} has no report snapshot ${snapshotId}`,
        'snapshotId',
      );
    }
    return snapshot;
  }

  private async assertCase(caseId: string): Promise<void> {
    const [row] = (await this.db.query(`SELECT 1 FROM termination_cases WHERE id = $1`, [
      caseId,
    ])) as unknown[];
    if (!row) throw new DomainError('CASE.NOT_FOUND', `termination case ${caseId} does not exist`);
  }

  private async build(caseId: string, snapshotId: string): Promise<TerminationReport> {
    const [c] = (await this.db.query(
      `SELECT tc.id, tc.status, tc.opened_by, tc.reason, tc.opened_at, tc.effective_at, tc.closed_at,
              cu.id AS customer_id, cu.reference, cu.name, cu.contract_type, cu.status AS customer_status, cu.language,
              co.starts_on::text AS starts_on, co.notice_period_days, co.immediate_termination_for_illegal_content,
              co.policy_profile, cs.level
       FROM termination_cases tc
       JOIN customers cu ON cu.id = tc.customer_id
       LEFT JOIN contracts co ON co.customer_id = cu.id
       LEFT JOIN customer_standings cs ON cs.customer_id = cu.id
       WHERE tc.id = $1`,
      [caseId],
    )) as {
      id: string;
      status: string;
      opened_by: string;
      reason: string;
      opened_at: Date;
      effective_at: Date | null;
      closed_at: Date | null;
      customer_id: string;
      reference: string;
      name: string;
      contract_type: string;
      customer_status: string;
      language: string;
      starts_on: string | null;
      notice_period_days: number | null;
      immediate_termination_for_illegal_content: boolean | null;
      policy_profile: string | null;
      level: string | null;
    }[];
    if (!c) throw new DomainError('CASE.NOT_FOUND', `termination case ${caseId} does not exist`);

    const notices = (await this.db.query(
      `SELECT id, category, source_kind, source_name, urls, received_at, deadline, removed_at, closed_at, outcome,
              time_to_removal_seconds
       FROM notices WHERE customer_id = $1 ORDER BY received_at, id`,
      [c.customer_id],
    )) as {
      id: string;
      category: string;
      source_kind: string;
      source_name: string;
      urls: string[];
      received_at: Date;
      deadline: Date | null;
      removed_at: Date | null;
      closed_at: Date | null;
      outcome: string | null;
      time_to_removal_seconds: number | null;
    }[];
    const events = (await this.db.query(
      `SELECT e.notice_id, e.type, e.actor, e.reason, e.data, e.occurred_at FROM notice_events e
       JOIN notices n ON n.id = e.notice_id WHERE n.customer_id = $1 ORDER BY e.occurred_at, e.id`,
      [c.customer_id],
    )) as EventRow[];
    const byNotice = new Map<string, EventRow[]>();
    for (const e of events) byNotice.set(e.notice_id, [...(byNotice.get(e.notice_id) ?? []), e]);

    const now = Date.now();
    const reportNotices: ReportNotice[] = notices.map((n) => {
      const ev = byNotice.get(n.id) ?? [];
      const first = (type: string) => ev.find((e) => e.type === type)?.occurred_at.toISOString() ?? null;
      const deadlineMet =
        n.removed_at && n.deadline
          ? n.removed_at <= n.deadline
          : n.outcome === 'suspended' || (!n.closed_at && n.deadline !== null && n.deadline.getTime() < now)
            ? false
            : null;
      return {
        id: n.id,
        category: n.category,
        source: { kind: n.source_kind, name: n.source_name },
        urls: n.urls.map((u) => redactedUrl(u, this.urlHashKey)),
        receivedAt: n.received_at.toISOString(),
        notifiedAt: first('customer_notified'),
        remindedAt: ev.filter((e) => e.type === 'customer_reminded').map((e) => e.occurred_at.toISOString()),
        escalatedAt: first('escalated'),
        removedAt: n.removed_at?.toISOString() ?? null,
        closedAt: n.closed_at?.toISOString() ?? null,
        deadline: n.deadline?.toISOString() ?? null,
        deadlineMet,
        outcome: n.outcome,
        timeToRemovalSeconds: n.time_to_removal_seconds,
        customerAnswers: ev
          .filter((e) => e.type === 'removal_claimed' || e.type === 'disputed')
          .map((e) => ({
            at: e.occurred_at.toISOString(),
            type: e.type,
            by: e.actor,
            reason: this.freeText(e.reason),
          })),
      };
    });

    const standing = (await this.db.query(
      `SELECT type, actor, reason, level, previous_level, occurred_at FROM customer_standing_events
       WHERE customer_id = $1 ORDER BY occurred_at, id`,
      [c.customer_id],
    )) as {
      type: string;
      actor: string;
      reason: string | null;
      level: string;
      previous_level: string;
      occurred_at: Date;
    }[];
    const timeline = (await this.db.query(
      `SELECT type, actor, reason, data, occurred_at FROM termination_case_events WHERE case_id = $1
       ORDER BY occurred_at, id`,
      [caseId],
    )) as {
      type: string;
      actor: string;
      reason: string | null;
      data: Record<string, unknown>;
      occurred_at: Date;
    }[];

    const decisions = [
      ...events
        .filter((e) => e.actor !== 'workflow' && NOTICE_DECISIONS[e.type])
        .map((e) => ({
          at: e.occurred_at.toISOString(),
          by: e.actor,
          decision: NOTICE_DECISIONS[e.type](e),
          why: this.freeText(e.reason),
          subject: `notice ${e.notice_id.slice(0, 8)}`,
        })),
      ...standing
        .filter((s) => s.actor !== 'workflow')
        .map((s) => ({
          at: s.occurred_at.toISOString(),
          by: s.actor,
          decision: s.type,
          why: this.freeText(s.reason),
          subject: 'standing',
        })),
      ...timeline
        .filter((t) => t.actor !== 'workflow')
        .map((t) => ({
          at: t.occurred_at.toISOString(),
          by: t.actor,
          decision:
            t.type === 'task_completed' ? `${String(t.data.kind)}: ${String(t.data.outcome)}` : t.type,
          why: this.freeText(t.reason),
          subject: 'case',
        })),
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

    const removalTimes = reportNotices
      .map((n) => n.timeToRemovalSeconds)
      .filter((s): s is number => s !== null)
      .sort((a, b) => a - b);
    const byOutcome: Record<string, number> = {};
    for (const n of reportNotices) byOutcome[n.outcome ?? 'open'] = (byOutcome[n.outcome ?? 'open'] ?? 0) + 1;
    return {
      format: 'takedown.termination-report',
      version: 2,
      snapshotId,
      generatedAt: new Date(now).toISOString(),
      case: {
        id: c.id,
        status: c.status,
        openedBy: c.opened_by,
        reason: anonymisedText(c.reason, this.urlHashKey),
        openedAt: c.opened_at.toISOString(),
        effectiveAt: c.effective_at?.toISOString() ?? null,
        closedAt: c.closed_at?.toISOString() ?? null,
      },
      customer: {
        id: c.customer_id,
        reference: c.reference,
        name: c.name,
        contractType: c.contract_type,
        status: c.customer_status,
        language: c.language,
      },
      contract:
        c.starts_on !== null
          ? {
              startsOn: c.starts_on,
              noticePeriodDays: c.notice_period_days as number,
              immediateTerminationForIllegalContent: !!c.immediate_termination_for_illegal_content,
              policyProfile: c.policy_profile as string,
            }
          : null,
      summary: {
        notices: reportNotices.length,
        deadlinesMet: reportNotices.filter((n) => n.deadlineMet === true).length,
        deadlinesMissed: reportNotices.filter((n) => n.deadlineMet === false).length,
        open: reportNotices.filter((n) => n.closedAt === null).length,
        byOutcome,
        medianTimeToRemovalSeconds: removalTimes.length
          ? removalTimes[Math.floor((removalTimes.length - 1) / 2)]
          : null,
      },
      standing: {
        level: c.level ?? 'good',
        history: standing.map((s) => ({
          at: s.occurred_at.toISOString(),
          type: s.type,
          actor: s.actor,
          reason: this.freeText(s.reason),
          level: s.level,
          previousLevel: s.previous_level,
        })),
      },
      notices: reportNotices,
      timeline: timeline.map((t) => ({
        at: t.occurred_at.toISOString(),
        type: t.type,
        actor: t.actor,
        reason: this.freeText(t.reason),
      })),
      decisions,
      appeals: (await customerAppeals(this.db, c.customer_id)).map((a) => ({
        id: a.id,
        kind: a.kind,
        subject: a.caseId ? `case ${a.caseId.slice(0, 8)}` : `notice ${(a.noticeId as string).slice(0, 8)}`,
        filedAt: a.filedAt.toISOString(),
        reason: anonymisedText(a.reason, this.urlHashKey),
        decidedBy: a.decidedBy,
        status: a.status,
        reviewedBy: a.reviewedBy,
        reviewedAt: a.reviewedAt?.toISOString() ?? null,
        reviewReason: this.freeText(a.reviewReason),
      })),
      statementsOfReasons: (await listSnapshots(this.db, 'statement_of_reasons', caseId))
        .reverse()
        .map((s) => ({ snapshotId: s.id, issuedAt: s.createdAt.toISOString(), digest: s.jsonSha256 })),
    };
  }
}
