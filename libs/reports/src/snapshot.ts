import { createHash } from 'node:crypto';
import {
  pdfSignedBytes,
  sha256Hex,
  signSnapshot,
  withPdfSignature,
  type ReportKey,
  type SnapshotSignaturePayload,
} from './signing';
import { renderStatementPdf, type StatementOfReasons } from './statement-of-reasons';
import { renderTerminationPdf } from './termination-pdf';
import { canonicalJson, type TerminationReport } from './termination-report';

/** A document made evidence: its JSON and its PDF, each the bytes every download gives, signed together. */
export interface SealedReport {
  json: string;
  jsonSha256: string;
  pdf: Buffer;
  pdfSha256: string;
  kid: string;
  jws: string;
}

/** What every snapshot document carries: which snapshot it is and when it was made. */
export interface SnapshotDocument {
  snapshotId: string;
  generatedAt: string;
}

export type Digested<T> = T & { digest: { algorithm: 'sha256'; value: string } };

/**
 * Digests the document (SHA-256 over its canonical JSON), renders its PDF from the digested JSON (so the PDF prints
 * the JSON's digest), signs both digests in one JWS, and puts that JWS in the JSON (`signature`) and on the PDF's
 * last line. `kind` and `subjectId` (the case) are signed too.
 */
export async function sealSnapshot<T extends SnapshotDocument>(
  doc: T,
  opts: { kind: string; subjectId: string; render: (digested: Digested<T>) => Promise<Buffer> },
  key: ReportKey,
): Promise<SealedReport> {
  const value = createHash('sha256').update(canonicalJson(doc)).digest('hex');
  const digested: Digested<T> = { ...doc, digest: { algorithm: 'sha256', value } };
  const pdf = pdfSignedBytes(await opts.render(digested));
  const payload: SnapshotSignaturePayload = {
    format: 'takedown.report-signature',
    version: 1,
    snapshotId: doc.snapshotId,
    kind: opts.kind,
    subjectId: opts.subjectId,
    jsonSha256: value,
    pdfSha256: sha256Hex(pdf),
    signedAt: doc.generatedAt,
  };
  const jws = await signSnapshot(key, payload);
  return {
    json: JSON.stringify({ ...digested, signature: { alg: 'EdDSA', kid: key.kid, jws } }),
    jsonSha256: value,
    pdf: withPdfSignature(pdf, jws),
    pdfSha256: payload.pdfSha256,
    kid: key.kid,
    jws,
  };
}

/** The digest of what a document says, leaving out when it was made and which snapshot it is. */
export function contentDigest(doc: SnapshotDocument): string {
  return createHash('sha256')
    .update(canonicalJson({ ...doc, generatedAt: '', snapshotId: '' }))
    .digest('hex');
}

export const sealTerminationReport = (report: TerminationReport, key: ReportKey): Promise<SealedReport> =>
  sealSnapshot(
    report,
    { kind: 'termination_report', subjectId: report.case.id, render: renderTerminationPdf },
    key,
  );

export const sealStatementOfReasons = (
  statement: StatementOfReasons,
  key: ReportKey,
  sender: string,
): Promise<SealedReport> =>
  sealSnapshot(
    statement,
    {
      kind: 'statement_of_reasons',
      subjectId: statement.case.id,
      render: (digested) => renderStatementPdf(digested, sender),
    },
    key,
  );
