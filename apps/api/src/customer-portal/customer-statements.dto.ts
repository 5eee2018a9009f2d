import { ApiProperty } from '@nestjs/swagger';

/** One of the customer's statements of reasons, without its bodies; `json` and `pdf` fetch it. */
export class CustomerStatementView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: ['termination', 'suspension'],
    description: 'What was restricted: the whole service (termination), or what served a notice’s content',
  })
  kind: 'termination' | 'suspension';
  @ApiProperty({ example: '2026-12-05T09:00:00.000Z', description: 'When the statement was made and sent' })
  createdAt: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The termination case (termination)',
  })
  caseId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The notice (suspension)' })
  noticeId: string | null;
  @ApiProperty({
    description: 'SHA-256 over the canonical JSON: the JSON’s `digest`, and the digest the PDF prints',
    example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  })
  digest: string;
  @ApiProperty({ description: 'SHA-256 over the PDF up to its signature line' }) pdfSha256: string;
  @ApiProperty({ description: 'The key that signed it (/.well-known/takedown-keys)', example: '2026-12' })
  kid: string;
  @ApiProperty({ example: '/v1/customer/statements/…/statement.json' }) json: string;
  @ApiProperty({ example: '/v1/customer/statements/…/statement.pdf' }) pdf: string;
}
