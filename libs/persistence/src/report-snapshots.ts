import type { DataSource, EntityManager } from 'typeorm';

/** The kinds of report kept as snapshots. */
export type SnapshotKind = 'termination_report' | 'statement_of_reasons' | 'order_completion';

/** A stored snapshot without its bodies, as listings show it. */
export interface SnapshotSummary {
  id: string;
  kind: SnapshotKind;
  subjectId: string;
  createdAt: Date;
  createdBy: string;
  contentSha256: string;
  jsonSha256: string;
  pdfSha256: string;
  kid: string;
}

export interface StoredSnapshot extends SnapshotSummary {
  json: string;
  pdf: Buffer;
  jws: string;
}

interface Row {
  id: string;
  kind: SnapshotKind;
  subject_id: string;
  created_at: Date;
  created_by: string;
  content_sha256: string;
  json_sha256: string;
  pdf_sha256: string;
  kid: string;
  json?: string;
  pdf?: Buffer;
  jws?: string;
}

const SUMMARY = `id, kind, subject_id, created_at, created_by, content_sha256, json_sha256, pdf_sha256, kid`;

const summary = (r: Row): SnapshotSummary => ({
  id: r.id,
  kind: r.kind,
  subjectId: r.subject_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
  contentSha256: r.content_sha256,
  jsonSha256: r.json_sha256,
  pdfSha256: r.pdf_sha256,
  kid: r.kid,
});

/**
 * `report_snapshots`: insert-only (the database refuses UPDATE and DELETE), so a snapshot, once handed out, is the
 * same bytes at every download.
 */
export async function insertSnapshot(db: DataSource | EntityManager, s: StoredSnapshot): Promise<void> {
  await db.query(
    `INSERT INTO report_snapshots (id, kind, subject_id, created_at, created_by, content_sha256, json, json_sha256,
       pdf, pdf_sha256, kid, jws)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      s.id,
      s.kind,
      s.subjectId,
      s.createdAt,
      s.createdBy,
      s.contentSha256,
      s.json,
      s.jsonSha256,
      s.pdf,
      s.pdfSha256,
      s.kid,
      s.jws,
    ],
  );
}

/** A subject's snapshots of one kind, newest first. */
export async function listSnapshots(
  db: DataSource | EntityManager,
  kind: SnapshotKind,
  subjectId: string,
): Promise<SnapshotSummary[]> {
  const rows = (await db.query(
    `SELECT ${SUMMARY} FROM report_snapshots WHERE subject_id = $1 AND kind = $2 ORDER BY created_at DESC, id`,
    [subjectId, kind],
  )) as Row[];
  return rows.map(summary);
}

export async function getSnapshot(
  db: DataSource | EntityManager,
  kind: SnapshotKind,
  subjectId: string,
  id: string,
): Promise<StoredSnapshot | null> {
  const [row] = (await db.query(
    `SELECT ${SUMMARY}, json, pdf, jws FROM report_snapshots WHERE id = $1 AND subject_id = $2 AND kind = $3`,
    [id, subjectId, kind],
  )) as Row[];
  return row
    ? { ...summary(row), json: row.json as string, pdf: row.pdf as Buffer, jws: row.jws as string }
    : null;
}

/** The newest snapshot of a subject, or null. */
export async function latestSnapshot(
  db: DataSource | EntityManager,
  kind: SnapshotKind,
  subjectId: string,
): Promise<StoredSnapshot | null> {
  const [row] = (await db.query(
    `SELECT id FROM report_snapshots WHERE subject_id = $1 AND kind = $2 ORDER BY created_at DESC, id LIMIT 1`,
    [subjectId, kind],
  )) as { id: string }[];
  return row ? getSnapshot(db, kind, subjectId, row.id) : null;
}

/** Snapshots of a kind made in [from, to), oldest first, with their JSON: for exports. */
export async function snapshotsBetween(
  db: DataSource | EntityManager,
  kind: SnapshotKind,
  from: Date,
  to: Date,
): Promise<(SnapshotSummary & { json: string })[]> {
  const rows = (await db.query(
    `SELECT ${SUMMARY}, json FROM report_snapshots
     WHERE kind = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at, id`,
    [kind, from, to],
  )) as Row[];
  return rows.map((r) => ({ ...summary(r), json: r.json as string }));
}

/** Statements of reasons not yet accepted by the Transparency Database, oldest first, at most `limit`. */
export async function unsubmittedStatements(
  db: DataSource | EntityManager,
  limit: number,
): Promise<{ id: string; json: string }[]> {
  return (await db.query(
    `SELECT s.id, s.json FROM report_snapshots s
     WHERE s.kind = 'statement_of_reasons'
       AND NOT EXISTS (SELECT 1 FROM statement_submissions t WHERE t.snapshot_id = s.id)
     ORDER BY s.created_at, s.id LIMIT $1`,
    [limit],
  )) as { id: string; json: string }[];
}

/** Notes a batch the Transparency Database accepted. */
export async function recordSubmissions(
  db: DataSource | EntityManager,
  batchId: string,
  statements: { id: string; puid: string }[],
): Promise<void> {
  await db.query(
    `INSERT INTO statement_submissions (snapshot_id, puid, batch_id)
     SELECT id, puid, $1 FROM unnest($2::uuid[], $3::text[]) AS s(id, puid) ON CONFLICT DO NOTHING`,
    [batchId, statements.map((s) => s.id), statements.map((s) => s.puid)],
  );
}
