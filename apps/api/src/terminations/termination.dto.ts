import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { TERMINATION_STATUSES, type TerminationStatus } from '@takedown/domain';
import { PageQuery } from '../common/page-query';

export class OpenTerminationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiPropertyOptional({
    example: 'legal:m.devries',
    deprecated: true,
    description: 'Ignored: the actor is the signed-in principal. Kept so that older clients still work.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string;

  @ApiProperty({ example: 'Structural failure to act on CSAM notices despite a final warning' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason: string;
}

export class WithdrawTerminationDto {
  @ApiPropertyOptional({
    example: 'legal:m.devries',
    deprecated: true,
    description: 'Ignored: the actor is the signed-in principal. Kept so that older clients still work.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string;

  @ApiProperty({ example: 'The customer deployed a hash check on uploads; verified on site' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason: string;
}

export class TerminationEventView {
  @ApiProperty({ example: 'approved' }) type: string;
  @ApiProperty() actor: string;
  @ApiPropertyOptional({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() at: string;
  @ApiProperty({ type: Object }) data: Record<string, unknown>;
}

export class TerminationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: TERMINATION_STATUSES }) status: TerminationStatus;
  @ApiProperty() openedBy: string;
  @ApiProperty() reason: string;
  @ApiProperty() openedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) effectiveAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({ type: [TerminationEventView] }) events: TerminationEventView[];
}

export class TerminationListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TERMINATION_STATUSES, example: 'legal_review' })
  @IsOptional()
  @IsIn(TERMINATION_STATUSES)
  status?: TerminationStatus;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this customer’s cases' })
  @IsOptional()
  @IsUUID()
  customer?: string;
}

export class TerminationCustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C-1001' }) reference: string;
  @ApiProperty({ example: 'Tenant A B.V.' }) name: string;
}

/** A case as the list shows it: no timeline (GET /v1/terminations/:id has it). */
export class TerminationSummaryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: TerminationCustomerView }) customer: TerminationCustomerView;
  @ApiProperty({ enum: TERMINATION_STATUSES, example: 'legal_review' }) status: TerminationStatus;
  @ApiProperty({ example: 'token:3f2a…' }) openedBy: string;
  @ApiProperty({ example: 'Structural failure to act on CSAM notices despite a final warning' })
  reason: string;
  @ApiProperty({ example: '2026-11-20T08:14:00.000Z' }) openedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) effectiveAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
}

export class TerminationPage {
  @ApiProperty({ type: [TerminationSummaryView] }) items: TerminationSummaryView[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}
