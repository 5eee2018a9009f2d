import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CATEGORIES, type Category } from '@takedown/domain';
import { XARF_CATEGORIES } from '@takedown/intake';

class XarfContactDto {
  @ApiProperty({ example: 'Example Hotline' }) org: string;
  @ApiProperty({ example: 'reports@hotline.example' }) contact: string;
  @ApiProperty({ example: 'hotline.example' }) domain: string;
}

class XarfEvidenceDto {
  @ApiProperty({ example: 'image/png' }) content_type: string;
  @ApiProperty({ description: 'Base64; dropped on arrival, never stored' }) payload: string;
  @ApiPropertyOptional({
    example: 'sha256:9a1b…',
    description: 'Kept; computed from the payload when absent',
  })
  hash?: string;
}

/**
 * An X-ARF v4 report (`Content-Type: application/vnd.xarf+json`, or any JSON body with `xarf_version`). For the
 * OpenAPI document only: X-ARF bodies are validated by the X-ARF schema in libs/intake, whose errors name X-ARF
 * fields.
 */
export class XarfReportDto {
  @ApiProperty({ example: '4.0.0' }) xarf_version: string;
  @ApiProperty({ example: 'hotline-nl-2026-000417', description: 'Becomes the source reference' })
  report_id: string;
  @ApiProperty({ example: '2026-11-20T08:14:00Z', description: 'When it was seen; not in the future' })
  timestamp: string;
  @ApiProperty({ type: XarfContactDto, description: 'Becomes the source' }) reporter: XarfContactDto;
  @ApiProperty({ type: XarfContactDto }) sender: XarfContactDto;
  @ApiProperty({
    example: '198.51.100.23',
    description: 'An IP address, or a host name (resolved at intake when the report names no URL)',
  })
  source_identifier: string;
  @ApiProperty({ enum: XARF_CATEGORIES, example: 'content' }) category: string;
  @ApiProperty({
    example: 'csam',
    description:
      'csam/csem, phishing, malware, spam, copyright; any other type becomes `other`, kept as reported',
  })
  type: string;
  @ApiProperty({ example: 'https://files.tenant-a.example/gallery/8f1c2e' }) url: string;
  @ApiPropertyOptional({ example: { sha256: '4f6d…' } }) hash_values?: Record<string, string>;
  @ApiPropertyOptional({ type: [XarfEvidenceDto] }) evidence?: XarfEvidenceDto[];
}

export class BatchItemResult {
  @ApiProperty({ description: 'Position in the batch (0-based; for JSON lines, among the non-empty lines)' })
  index: number;
  @ApiProperty({
    enum: ['created', 'existing', 'rejected'],
    description:
      '`created`: a new report, whether it opened a notice or joined an open one; `existing`: the same report (source and reference) was taken before; `rejected`: see `reason` and `field`.',
  })
  status: 'created' | 'existing' | 'rejected';
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ description: 'The field at fault, as the item named it' }) field?: string;
  @ApiPropertyOptional({ description: 'The item was fine; a dependency was down: send it again' })
  retryable?: boolean;
}

export class BatchResultView {
  @ApiProperty() created: number;
  @ApiProperty() existing: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [BatchItemResult] }) items: BatchItemResult[];
}

export class TriageDto {
  @ApiPropertyOptional({
    example: 'desk:j.devries',
    deprecated: true,
    description: 'Ignored: the actor is the signed-in principal. Kept so that older clients still work.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string;

  @ApiPropertyOptional({ enum: CATEGORIES, description: 'Confirms the category: the workflow starts now' })
  @IsOptional()
  @IsIn(CATEGORIES)
  category?: Category;

  @ApiPropertyOptional({
    description: 'Without a category: why the message is no notice (closed as invalid)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason?: string;
}

export class RawMessageView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ enum: ['smtp', 'pipe'] }) channel: string;
  @ApiPropertyOptional({ nullable: true, type: String }) sender: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) messageId: string | null;
  @ApiProperty() sizeBytes: number;
  @ApiProperty() error: string;
  @ApiProperty({ description: 'Headers' }) headers: string;
  @ApiProperty({ description: 'Text parts; attachments only by type, size and SHA-256' }) text: string;
}

export class RawMessagePage {
  @ApiProperty({ type: [RawMessageView] }) items: RawMessageView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

class HotlineLineDto {
  @ApiProperty({ example: 'http://203.0.113.70/gallery/a8f3/001.jpg' }) url: string;
  @ApiPropertyOptional({ example: '203.0.113.70' }) ip?: string;
  @ApiPropertyOptional({
    example: '2026-12-03 09:41',
    description: 'ISO 8601, or YYYY-MM-DD HH:MM in Dutch time',
  })
  firstSeen?: string;
  @ApiPropertyOptional({ example: '2026-12-03 10:02' }) lastSeen?: string;
  @ApiPropertyOptional({ example: 'image' }) note?: string;
}

class HotlineSourceDto {
  @ApiProperty({ example: 'hotline' }) kind: string;
  @ApiProperty({ example: 'Meldpunt Kinderporno' }) name: string;
}

/** For the OpenAPI document only: the push is read by libs/intake's hotline rules, whose errors name the line. */
export class HotlinePushDto {
  @ApiProperty({ example: '2026-0412873', description: 'The hotline’s file number' }) fileNumber: string;
  @ApiProperty({ type: [HotlineLineDto], minItems: 1, maxItems: 1000 }) urls: HotlineLineDto[];
  @ApiPropertyOptional({ example: 'ntd@hotline.example', description: 'Where feedback goes' })
  contact?: string;
  @ApiPropertyOptional({
    type: HotlineSourceDto,
    description: 'Staff only; a source token’s own source is used',
  })
  source?: HotlineSourceDto;
}

class HotlinePushItemView {
  @ApiProperty({ description: 'Position in urls' }) index: number;
  @ApiProperty({
    enum: ['created', 'existing', 'rejected'],
    description:
      '`created`: a new report, whether it opened a notice or joined an open one; `existing`: the same report (source and reference) was taken before; `rejected`: see `reason` and `field`.',
  })
  status: 'created' | 'existing' | 'rejected';
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ example: 'urls[2].ip' }) field?: string;
}

export class HotlinePushResultView {
  @ApiProperty() fileNumber: string;
  @ApiProperty() created: number;
  @ApiProperty() existing: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [HotlinePushItemView] }) items: HotlinePushItemView[];
}

class HotlineCheckDto {
  @ApiProperty({ maxLength: 2048, description: 'The URL as the file named it' }) url: string;
  @ApiProperty({ description: 'Whether the hotline still found the material there' }) online: boolean;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the hotline checked' }) checkedAt?: string;
}

/** For the OpenAPI document only: the service reads the checks, naming the field of a bad one. */
export class HotlineChecksDto {
  @ApiProperty({ example: '2026-0412873', description: 'The hotline’s file number' }) fileNumber: string;
  @ApiProperty({ type: [HotlineCheckDto], minItems: 1, maxItems: 500 }) checks: HotlineCheckDto[];
  @ApiPropertyOptional({
    type: HotlineSourceDto,
    description: 'Staff only (kind hotline); a source token’s own source is used',
  })
  source?: HotlineSourceDto;
}

class HotlineCheckItemView {
  @ApiProperty({ description: 'Position in checks (the URL is never echoed)' }) index: number;
  @ApiProperty({ enum: ['confirmed', 'still_online', 'unknown', 'refused'] })
  outcome: 'confirmed' | 'still_online' | 'unknown' | 'refused';
  @ApiPropertyOptional({ format: 'uuid' }) noticeId?: string;
  @ApiPropertyOptional({ example: 'NOTICE.CLOSED', description: 'Why the notice refused it' }) code?: string;
  @ApiPropertyOptional({ description: 'The notice’s state when it refused' }) state?: string;
}

export class HotlineChecksResultView {
  @ApiProperty() fileNumber: string;
  @ApiProperty({ type: [HotlineCheckItemView] }) items: HotlineCheckItemView[];
}
