import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { getSnapshot, type StoredSnapshot } from '@takedown/persistence';
import type { CustomerStatementView } from './customer-statements.dto';

interface Row {
  id: string;
  subject_id: string;
  created_at: Date;
  json_sha256: string;
  pdf_sha256: string;
  kid: string;
  restriction: 'termination' | 'suspension';
  is_case: boolean;
}

/**
 * A statement is the customer's when its subject (a termination case, or the notice whose content was suspended) is
 * the customer's; `s` is the snapshot row.
 */
const OWNED = `s.kind = 'statement_of_reasons'
  AND (EXISTS (SELECT 1 FROM termination_cases tc WHERE tc.id = s.subject_id AND tc.customer_id = $1)
    OR EXISTS (SELECT 1 FROM notices n WHERE n.id = s.subject_id AND n.customer_id = $1))`;

/** The customer's own statements of reasons (DSA Art. 17), the same stored snapshots the desk and legal get. */
@Injectable()
export class CustomerStatementsService {
  constructor(private readonly db: DataSource) {}

  async list(customerId: string): Promise<CustomerStatementView[]> {
    const rows = (await this.db.query(
      `SELECT s.id, s.subject_id, s.created_at, s.json_sha256, s.pdf_sha256, s.kid,
              s.json::jsonb #>> '{restriction,type}' AS restriction,
              EXISTS (SELECT 1 FROM termination_cases tc WHERE tc.id = s.subject_id) AS is_case
         FROM report_snapshots s WHERE ${OWNED} ORDER BY s.created_at DESC, s.id`,
      [customerId],
    )) as Row[];
    return rows.map((r) => {
      const base = `/v1/customer/statements/${r.id}`;
      return {
        id: r.id,
        kind: r.restriction,
        createdAt: r.created_at.toISOString(),
        caseId: r.is_case ? r.subject_id : null,
        noticeId: r.is_case ? null : r.subject_id,
        digest: r.json_sha256,
        pdfSha256: r.pdf_sha256,
        kid: r.kid,
        json: `${base}/statement.json`,
        pdf: `${base}/statement.pdf`,
      };
    });
  }

  /** Another customer's statement is as missing as one that does not exist. */
  async get(customerId: string, id: string): Promise<StoredSnapshot> {
    const [row] = (await this.db.query(
      `SELECT s.subject_id FROM report_snapshots s WHERE s.id = $2 AND ${OWNED}`,
      [customerId, id],
    )) as { subject_id: string }[];
    const snapshot = row && (await getSnapshot(this.db, 'statement_of_reasons', row.subject_id, id));
    if (!snapshot)
      throw new DomainError('STATEMENT.NOT_FOUND', `statement of reasons ${id} does not exist`, 'id');
    return snapshot;
  }
}
