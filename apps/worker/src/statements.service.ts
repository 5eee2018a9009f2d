import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { anonymisedText, type UrlHashKey } from '@takedown/domain';
import { insertSnapshot, latestSnapshot, type StoredSnapshot } from '@takedown/persistence';
import {
  buildStatementOfReasons,
  contentDigest,
  sealStatementOfReasons,
  type ReportKey,
} from '@takedown/reports';
import { TerminationSettings } from './termination-settings';

/** The key the worker signs statements of reasons with (the first of REPORT_SIGNING_KEYS). */
export class StatementSigningKey {
  constructor(readonly key: ReportKey) {}
}

/** The key of the path hashes URLs quoted in a statement are reduced to (the first of URL_HASH_KEYS). */
export class StatementUrlHashKey {
  constructor(readonly key: UrlHashKey) {}
}

/**
 * A termination case's statement of reasons (DSA Art. 17), made once per case as a signed, insert-only snapshot: the
 * formal notice carries it, so it reaches the customer no later than the restriction. Made again (by a retry) it is
 * the stored one.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly db: DataSource,
    private readonly settings: TerminationSettings,
    private readonly signing: StatementSigningKey,
    private readonly urlHash: StatementUrlHashKey,
  ) {}

  async ensure(input: { caseId: string; effectiveAt: string; immediate: boolean }): Promise<StoredSnapshot> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('report_snapshots'), hashtext($1))`, [
        `${input.caseId}:statement`,
      ]);
      const existing = await latestSnapshot(tx, 'statement_of_reasons', input.caseId);
      if (existing) return existing;
      const [c] = (await tx.query(
        `SELECT tc.id, tc.opened_at, tc.reason, cu.id AS customer_id, cu.reference, cu.name, cu.language
         FROM termination_cases tc JOIN customers cu ON cu.id = tc.customer_id WHERE tc.id = $1`,
        [input.caseId],
      )) as {
        id: string;
        opened_at: Date;
        reason: string;
        customer_id: string;
        reference: string;
        name: string;
        language: 'nl' | 'en';
      }[];
      const notices = (await tx.query(
        `SELECT category, source_kind, received_at,
                (outcome IN ('removed_late', 'suspended') OR (closed_at IS NULL AND deadline < now())) AS missed,
                (SELECT r.designating_authority FROM notice_reports r
                  WHERE r.notice_id = n.id AND r.source_kind = n.source_kind AND r.source_name = n.source_name
                    AND r.source_reference = n.source_reference) AS designating_authority
         FROM notices n WHERE customer_id = $1 AND outcome IS DISTINCT FROM 'invalid' ORDER BY received_at, id`,
        [c.customer_id],
      )) as {
        category: string;
        source_kind: string;
        received_at: Date;
        missed: boolean | null;
        designating_authority: string | null;
      }[];
      const statement = buildStatementOfReasons({
        snapshotId: randomUUID(),
        generatedAt: new Date().toISOString(),
        language: c.language,
        // Reasons quote URLs and addresses: the statement, like the report, shows them anonymised.
        case: {
          id: c.id,
          openedAt: c.opened_at.toISOString(),
          reason: anonymisedText(c.reason, this.urlHash.key),
        },
        customer: { id: c.customer_id, reference: c.reference, name: c.name },
        effectiveAt: input.effectiveAt,
        immediate: input.immediate,
        notices: notices.map((n) => ({
          category: n.category,
          sourceKind: n.source_kind,
          designatingAuthority: n.designating_authority,
          receivedAt: n.received_at.toISOString(),
          deadlineMissed: n.missed === true,
        })),
        legalEmail: this.settings.legalEmail,
      });
      const sealed = await sealStatementOfReasons(statement, this.signing.key, this.settings.providerName);
      const snapshot: StoredSnapshot = {
        id: statement.snapshotId,
        kind: 'statement_of_reasons',
        subjectId: c.id,
        createdAt: new Date(statement.generatedAt),
        createdBy: 'workflow',
        contentSha256: contentDigest(statement),
        ...sealed,
      };
      await insertSnapshot(tx, snapshot);
      return snapshot;
    });
  }

  /**
   * The statement of reasons for suspending what serves a notice's content (DSA Art. 17), made once per notice when
   * a person requests the suspension, before the NOC is asked to act: the facts are the notice and the request's
   * reason (anonymised: it may quote the URL).
   */
  async ensureForSuspension(input: { noticeId: string }): Promise<StoredSnapshot> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('report_snapshots'), hashtext($1))`, [
        `${input.noticeId}:statement`,
      ]);
      const existing = await latestSnapshot(tx, 'statement_of_reasons', input.noticeId);
      if (existing) return existing;
      const [n] = (await tx.query(
        `SELECT n.id, n.category, n.source_kind, n.received_at, cu.id AS customer_id, cu.reference, cu.name,
                cu.language, (SELECT r.designating_authority FROM notice_reports r
                   WHERE r.notice_id = n.id AND r.source_kind = n.source_kind AND r.source_name = n.source_name
                     AND r.source_reference = n.source_reference) AS designating_authority,
                (SELECT e.reason FROM notice_events e WHERE e.notice_id = n.id AND e.type = 'suspension_requested'
                  ORDER BY e.id DESC LIMIT 1) AS reason
           FROM notices n JOIN customers cu ON cu.id = n.customer_id WHERE n.id = $1`,
        [input.noticeId],
      )) as {
        id: string;
        category: string;
        source_kind: string;
        received_at: Date;
        customer_id: string;
        reference: string;
        name: string;
        language: 'nl' | 'en';
        designating_authority: string | null;
        reason: string | null;
      }[];
      const now = new Date().toISOString();
      const statement = buildStatementOfReasons({
        snapshotId: randomUUID(),
        generatedAt: now,
        language: n.language,
        restriction: 'suspension',
        case: {
          id: n.id,
          openedAt: n.received_at.toISOString(),
          reason: anonymisedText(
            n.reason ?? 'The reported content was not removed by the deadline.',
            this.urlHash.key,
          ),
        },
        customer: { id: n.customer_id, reference: n.reference, name: n.name },
        effectiveAt: now,
        immediate: true,
        notices: [
          {
            category: n.category,
            sourceKind: n.source_kind,
            designatingAuthority: n.designating_authority,
            receivedAt: n.received_at.toISOString(),
            deadlineMissed: true,
          },
        ],
        legalEmail: this.settings.legalEmail,
      });
      const sealed = await sealStatementOfReasons(statement, this.signing.key, this.settings.providerName);
      const snapshot: StoredSnapshot = {
        id: statement.snapshotId,
        kind: 'statement_of_reasons',
        subjectId: n.id,
        createdAt: new Date(statement.generatedAt),
        createdBy: 'workflow',
        contentSha256: contentDigest(statement),
        ...sealed,
      };
      await insertSnapshot(tx, snapshot);
      return snapshot;
    });
  }
}
