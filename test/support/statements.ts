import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { insertSnapshot } from '@takedown/persistence';
import {
  buildStatementOfReasons,
  contentDigest,
  newReportKeyEntry,
  parseReportKeys,
  sealStatementOfReasons,
} from '@takedown/reports';

/**
 * Stores the signed statement of reasons for suspending what serves a notice's content, as the worker stores it
 * (for tests whose stack runs the worker without a handle on its services). Returns the snapshot's id.
 */
export async function storeSuspensionStatement(db: DataSource, noticeId: string): Promise<string> {
  const [n] = (await db.query(
    `SELECT n.category, n.source_kind, n.received_at, c.id, c.reference, c.name, c.language
       FROM notices n JOIN customers c ON c.id = n.customer_id WHERE n.id = $1`,
    [noticeId],
  )) as {
    category: string;
    source_kind: string;
    received_at: Date;
    id: string;
    reference: string;
    name: string;
    language: 'nl' | 'en';
  }[];
  const now = new Date().toISOString();
  const statement = buildStatementOfReasons({
    snapshotId: randomUUID(),
    generatedAt: now,
    language: n.language,
    restriction: 'suspension',
    case: { id: noticeId, openedAt: n.received_at.toISOString(), reason: 'Still online after the call.' },
    customer: { id: n.id, reference: n.reference, name: n.name },
    effectiveAt: now,
    immediate: true,
    notices: [
      {
        category: n.category,
        sourceKind: n.source_kind,
        receivedAt: n.received_at.toISOString(),
        deadlineMissed: true,
      },
    ],
    legalEmail: 'legal@provider.example',
  });
  const key = parseReportKeys(newReportKeyEntry('test'))[0];
  const sealed = await sealStatementOfReasons(statement, key, 'Provider B.V.');
  await insertSnapshot(db, {
    id: statement.snapshotId,
    kind: 'statement_of_reasons',
    subjectId: noticeId,
    createdAt: new Date(now),
    createdBy: 'workflow',
    contentSha256: contentDigest(statement),
    ...sealed,
  });
  return statement.snapshotId;
}
