import { ApiProperty } from '@nestjs/swagger';
import type { SnapshotSummary } from '@takedown/persistence';

/**
 * A stored snapshot (a termination report or a statement of reasons) without its bodies: what the listings show and
 * what taking one answers.
 */
export class ReportSnapshotView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ example: '2026-12-05T09:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: 'token:legal' }) createdBy: string;
  @ApiProperty({
    description: 'SHA-256 over the canonical JSON: the JSON\u2019s `digest`, and the digest the PDF prints',
    example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  })
  digest: string;
  @ApiProperty({ description: 'SHA-256 over the PDF up to its signature line' }) pdfSha256: string;
  @ApiProperty({ description: 'The key that signed it (/.well-known/takedown-keys)', example: '2026-12' })
  kid: string;
  @ApiProperty({ example: '/v1/terminations/…/reports/…/report.json' }) json: string;
  @ApiProperty({ example: '/v1/terminations/…/reports/…/report.pdf' }) pdf: string;

  static of(s: SnapshotSummary): ReportSnapshotView {
    const [folder, file] =
      s.kind === 'statement_of_reasons' ? ['statements', 'statement'] : ['reports', 'report'];
    const base = `/v1/terminations/${s.subjectId}/${folder}/${s.id}`;
    return {
      id: s.id,
      caseId: s.subjectId,
      createdAt: s.createdAt.toISOString(),
      createdBy: s.createdBy,
      digest: s.jsonSha256,
      pdfSha256: s.pdfSha256,
      kid: s.kid,
      json: `${base}/${file}.json`,
      pdf: `${base}/${file}.pdf`,
    };
  }
}
