import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsIP,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORIES,
  NOTICE_OUTCOMES,
  NOTICE_STATES,
  SOURCE_KINDS,
  type Category,
  type NoticeOutcome,
  type NoticeState,
  type SourceKind,
} from '@takedown/domain';

export class NoticeSourceDto {
  @ApiProperty({ enum: SOURCE_KINDS, example: 'hotline' })
  @IsIn(SOURCE_KINDS)
  kind: SourceKind;

  @ApiProperty({ example: 'Example Hotline', description: 'The reporting organisation or person' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({
    example: 'reports@hotline.example',
    description: 'Where feedback goes when the notice closes',
  })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  contact?: string;
}

export class NoticeHashesDto {
  @ApiPropertyOptional({ example: '4f6d0b1c9a7e2d35b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/i, { message: 'sha256 must be 64 hexadecimal characters' })
  sha256?: string;

  @ApiPropertyOptional({ example: '9e107d9d372bb6826bd81d3542a419d6' })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/i, { message: 'md5 must be 32 hexadecimal characters' })
  md5?: string;

  @ApiPropertyOptional({ description: 'A perceptual hash (PhotoDNA-like), kept as an opaque string' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  perceptual?: string;
}

export class CreateNoticeDto {
  @ApiProperty({ type: NoticeSourceDto })
  @ValidateNested()
  @Type(() => NoticeSourceDto)
  source: NoticeSourceDto;

  @ApiProperty({
    example: 'hotline-nl-2026-000417',
    description: 'The source’s own id; the same reference twice is the same notice',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  sourceReference: string;

  @ApiProperty({ enum: CATEGORIES, example: 'csam' })
  @IsIn(CATEGORIES)
  category: Category;

  @ApiProperty({ type: [String], example: ['https://files.tenant-a.example/gallery/8f1c2e'] })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUrl({ require_protocol: true, require_tld: false, protocols: ['http', 'https', 'ftp'] }, { each: true })
  urls: string[];

  @ApiPropertyOptional({
    example: '198.51.100.23',
    description: 'IPv4 or IPv6 address; hostnames are never resolved',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ example: '2026-11-20T08:14:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  observedAt?: string;

  @ApiPropertyOptional({ type: NoticeHashesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => NoticeHashesDto)
  hashes?: NoticeHashesDto;

  @ApiPropertyOptional({ example: 'Reported by analyst A-177', maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;
}

export class ConfirmRemovalDto {
  @ApiProperty({ example: 'desk:j.devries', description: 'Who confirms that the material is gone' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  by: string;

  @ApiPropertyOptional({ example: 'Checked by the hotline at 10:12' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class NoticeEventView {
  @ApiProperty() type: string;
  @ApiProperty() actor: string;
  @ApiPropertyOptional({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ type: Object }) data: Record<string, unknown>;
}

export class NoticeView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: NoticeSourceDto }) source: { kind: SourceKind; name: string };
  @ApiProperty() sourceReference: string;
  @ApiProperty({ enum: CATEGORIES }) category: Category;
  @ApiProperty({ type: [String] }) urls: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ enum: NOTICE_STATES }) state: NoticeState;
  @ApiPropertyOptional({ enum: NOTICE_OUTCOMES, nullable: true }) outcome: NoticeOutcome | null;
  @ApiProperty() receivedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) deadline: string | null;
  @ApiProperty({ example: 'default@1' }) policy: string;
  @ApiProperty({ example: 'notice-0b6c…' }) workflowId: string;
  @ApiProperty({ type: [NoticeEventView] }) timeline: NoticeEventView[];
}
