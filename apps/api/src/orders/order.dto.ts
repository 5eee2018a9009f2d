import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsIP,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { MEMBER_STATE_CODES } from '@takedown/domain';

/** A removal order (TCO Regulation 2021/784, Art. 3) as the competent authority issued it. */
export class CreateOrderDto {
  @ApiProperty({ example: 'Nationale Politie, Team Internet Referral Unit', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  authority: string;

  @ApiProperty({
    enum: MEMBER_STATE_CODES,
    example: 'NL',
    description: 'The issuing authority’s member state',
  })
  @IsIn(MEMBER_STATE_CODES, { message: 'memberState must be an EU member state code such as NL' })
  memberState: string;

  @ApiProperty({
    example: 'TCO-NL-2026-0042',
    description: 'The order’s own reference; the same one twice is the same order',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  reference: string;

  @ApiProperty({ example: '2026-12-05T09:12:00Z', description: 'When the authority issued the order' })
  @IsDefined()
  @IsISO8601({ strict: true })
  issuedAt: string;

  @ApiProperty({ type: [String], example: ['https://files.tenant-a.example/videos/5d1e'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUrl({ require_protocol: true, require_tld: false, protocols: ['http', 'https', 'ftp'] }, { each: true })
  urls: string[];

  @ApiPropertyOptional({
    example: '198.51.100.23',
    description:
      'The address that serves the URLs, when the desk knows it: the notice is then attributed to its customer at ' +
      'once (hostnames are never resolved)',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiProperty({ example: 'Incitement to commit terrorist offences (Art. 2(7)(a))', maxLength: 5000 })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reasons: string;

  @ApiProperty({
    example: 'tco-contact@provider.example',
    description: 'The provider’s contact point the order was addressed to',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  contactPoint: string;

  @ApiProperty({
    description:
      'Whether the content provider (the customer) may be told about the order; false when the authority decided ' +
      'it must not (Art. 11(3))',
  })
  @IsDefined()
  @IsBoolean()
  informProvider: boolean;
}

export class OrderListQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;
}

export class OrderPagingView {
  @ApiProperty({ description: 'Pages sent so far' }) sent: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastPagedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) acknowledgedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) acknowledgedBy: string | null;
}

export class OrderView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The terrorist_content notice that carries the order’s clock' })
  noticeId: string;
  @ApiProperty() authority: string;
  @ApiProperty() memberState: string;
  @ApiProperty() reference: string;
  @ApiProperty() issuedAt: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({
    type: [String],
    description: 'In full for the desk; reduced to host and hash for other roles',
  })
  urls: string[];
  @ApiProperty() reasons: string;
  @ApiProperty() contactPoint: string;
  @ApiProperty() informProvider: boolean;
  @ApiProperty() receivedBy: string;
  @ApiPropertyOptional({ nullable: true, type: String }) deadline: string | null;
  @ApiProperty({ description: 'The notice’s state' }) state: string;
  @ApiPropertyOptional({ nullable: true, type: String }) outcome: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({ type: OrderPagingView }) paging: OrderPagingView;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The removed content’s metadata is kept until then (Art. 6); set when the notice closes',
  })
  preserveUntil: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    enum: ['sent', 'withheld'],
    description:
      'TCO Art. 11: the content provider was told of the removal (sent), or not because the order says so (withheld); null until the content is removed',
  })
  providerInformed: 'sent' | 'withheld' | null;
  @ApiPropertyOptional({ nullable: true, type: String }) providerInformedAt: string | null;
}

export class OrderPage {
  @ApiProperty({ type: [OrderView] }) items: OrderView[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as `after` for the next page' })
  next: string | null;
}
