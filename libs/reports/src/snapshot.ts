import {
  pdfSignedBytes,
  sha256Hex,
  signSnapshot,
  withPdfSignature,
  type ReportKey,
  type SnapshotSignaturePayload,
} from './signing';
import { renderTerminationPdf } from './termination-pdf';
import { digestReport, type SignedTerminationReport, type TerminationReport } from './termination-report';

/** A report made evidence: its JSON and its PDF, each the bytes every download gives, signed together. */
export interface SealedReport {
  json: string;
  jsonSha256: string;
  pdf: Buffer;
  pdfSha256: string;
  kid: string;
  jws: string;
}

/**
 * Digests the report, renders its PDF from the digested JSON (so the PDF prints the JSON's digest), signs both
 * digests in one JWS, and puts that JWS in the JSON (`signature`) and on the PDF's last line.
 */
export async function sealTerminationReport(
  report: TerminationReport,
  key: ReportKey,
): Promise<SealedReport> {
  const digested = digestReport(report);
  const pdf = pdfSignedBytes(await renderTerminationPdf(digested));
  const payload: SnapshotSignaturePayload = {
    format: 'takedown.report-signature',
    version: 1,
    snapshotId: report.snapshotId,
    kind: 'termination_report',
    subjectId: report.case.id,
    jsonSha256: digested.digest.value,
    pdfSha256: sha256Hex(pdf),
    signedAt: report.generatedAt,
  };
  const jws = await signSnapshot(key, payload);
  const signed: SignedTerminationReport = { ...digested, signature: { alg: 'EdDSA', kid: key.kid, jws } };
  return {
    json: JSON.stringify(signed),
    jsonSha256: payload.jsonSha256,
    pdf: withPdfSignature(pdf, jws),
    pdfSha256: payload.pdfSha256,
    kid: key.kid,
    jws,
  };
}
