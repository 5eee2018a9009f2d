import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import {
  getSnapshot,
  listSnapshots,
  snapshotsBetween,
  type SnapshotSummary,
  type StoredSnapshot,
} from '@takedown/persistence';
import { transparencyDbStatement, type StatementOfReasons } from '@takedown/reports';

const KIND = 'statement_of_reasons';

/** Statements of reasons, as the worker stored them when it sent the formal notice: read, downloaded, exported. */
@Injectable()
export class StatementsService {
  constructor(private readonly db: DataSource) {}

  async list(caseId: string): Promise<SnapshotSummary[]> {
    const [row] = (await this.db.query(`SELECT 1 FROM termination_cases WHERE id = $1`, [
      caseId,
    ])) as unknown[];
    if (!row) throw new DomainError('CASE.NOT_FOUND', `termination case ${caseId} does not exist`);
    return listSnapshots(this.db, KIND, caseId);
  }

  async get(caseId: string, snapshotId: string): Promise<StoredSnapshot> {
    const snapshot = await getSnapshot(this.db, KIND, caseId, snapshotId);
    if (!snapshot) {
      throw new DomainError(
        'STATEMENT.NOT_FOUND',
        `termination case ${caseId} has no statement of reasons ${snapshotId}`,
        'snapshotId',
      );
    }
    return snapshot;
  }

  /** The statements made in [from, to) in the Transparency Database's shape, one JSON object a line. */
  async transparencyDbLines(from: Date, to: Date): Promise<string> {
    const rows = await snapshotsBetween(this.db, KIND, from, to);
    return rows
      .map((r) => `${JSON.stringify(transparencyDbStatement(JSON.parse(r.json) as StatementOfReasons))}\n`)
      .join('');
  }
}
