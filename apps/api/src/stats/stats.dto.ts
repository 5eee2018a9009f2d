import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import type { NotifierKind } from '@takedown/domain';

export class TransparencyQuery {
  @ApiProperty({ example: '2026-01-01T00:00:00Z', description: 'Notices received from (inclusive)' })
  @IsISO8601()
  from: string;

  @ApiProperty({ example: '2026-07-01T00:00:00Z', description: 'Notices received before (exclusive)' })
  @IsISO8601()
  to: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The same figures for one customer (account managers)',
  })
  @IsOptional()
  @IsUUID()
  customer?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class TransparencyView {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiPropertyOptional({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty() notices: number;
  @ApiProperty({ type: Object, example: { csam: 12, phishing: 40 } }) byCategory: Record<string, number>;
  @ApiProperty({
    type: Object,
    example: {
      authority_order: 1,
      authority: 3,
      trusted_flagger: 12,
      hotline: 5,
      other: 30,
      own_initiative: 2,
    },
    description:
      'By who sent them, as the Art. 15 report counts them: removal orders (TCO Regulation), the authorities’ other notices, trusted flaggers (DSA Art. 22), hotlines, other (the public, other providers), the provider’s own initiative. Every kind is present.',
  })
  byNotifierKind: Record<NotifierKind, number>;
  @ApiProperty({ type: Object, example: { removed_in_time: 40, suspended: 2 }, description: 'Actions taken' })
  byOutcome: Record<string, number>;
  @ApiPropertyOptional({ nullable: true, type: Number }) medianTimeToRemovalSeconds: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) p90TimeToRemovalSeconds: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Of the notices received' })
  percentRemovedWithin24h: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Of the notices received at least 48 h ago',
  })
  percentOpenAfter48h: number | null;
  @ApiProperty() suspensions: number;
  @ApiProperty({ description: 'Contracts terminated in the period' }) terminations: number;
}
