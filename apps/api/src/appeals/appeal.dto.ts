import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { APPEAL_KINDS, APPEAL_STATUSES, type AppealKind, type AppealStatus } from '@takedown/domain';
import { PageQuery } from '../common/page-query';

/**
 * A customer's appeal: of a closed notice that counted against it (a strike, or a suspension) or of legal's
 * decision to terminate (the case). Exactly one of the two.
 */
export class FileCustomerAppealDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The notice whose strike or suspension is contested' })
  @ValidateIf((o: FileCustomerAppealDto) => o.caseId === undefined || o.noticeId !== undefined)
  @IsUUID()
  noticeId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The termination case whose decision is contested' })
  @ValidateIf((o: FileCustomerAppealDto) => o.noticeId === undefined || o.caseId !== undefined)
  @IsUUID()
  caseId?: string;

  @ApiProperty({ example: 'The material was removed within the hour; the source confirmed it late.' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason: string;
}

/** A notifier's appeal of the rejection of its notice. */
export class FileSourceAppealDto {
  @ApiProperty({ format: 'uuid', description: 'The notice the desk rejected as invalid' })
  @IsUUID()
  noticeId: string;

  @ApiProperty({ example: 'The URL still serves the material; screenshot hash attached to our report.' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason: string;
}

export const APPEAL_DECISIONS = ['uphold', 'reverse'] as const;

export class ReviewAppealDto {
  @ApiProperty({
    enum: APPEAL_DECISIONS,
    description: 'uphold: the decision stands; reverse: it is undone (a strike leaves the standing)',
  })
  @IsIn(APPEAL_DECISIONS)
  decision: (typeof APPEAL_DECISIONS)[number];

  @ApiProperty({ example: 'The deadline was missed by the source’s late confirmation, not the customer.' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason: string;
}

export class AppealListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: APPEAL_STATUSES })
  @IsOptional()
  @IsIn(APPEAL_STATUSES)
  status?: AppealStatus;
}

/** The customer's list: an admin (support) names the customer, a customer token lists its own. */
export class CustomerAppealListQuery extends AppealListQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'For an admin only: the customer to act for' })
  @IsOptional()
  @IsUUID()
  customerId?: string;
}

export class AppealView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: APPEAL_KINDS }) kind: AppealKind;
  @ApiProperty({ enum: APPEAL_STATUSES }) status: AppealStatus;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) noticeId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) caseId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ description: 'The appellant’s reason' }) reason: string;
  @ApiProperty({ format: 'date-time', description: 'When the contested decision was made' })
  decidedAt: string;
  @ApiProperty({ format: 'date-time' }) filedAt: string;
  @ApiProperty({ format: 'date-time', description: 'The review is due by then' }) reviewDueAt: string;
  @ApiProperty({ description: 'Not reviewed by its due time' }) overdue: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) reviewedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The reviewer’s reason' })
  reviewReason: string | null;
}

/** The desk's view adds who decided and who reviewed (actor labels). */
export class DeskAppealView extends AppealView {
  @ApiProperty({ description: 'Who made the contested decision: never its reviewer' }) decidedBy: string;
  @ApiProperty({ nullable: true, type: String }) reviewedBy: string | null;
  @ApiProperty({ description: 'Who filed it' }) appellant: string;
}

export class AppealPage {
  @ApiProperty({ type: [AppealView] }) items: AppealView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class DeskAppealPage {
  @ApiProperty({ type: [DeskAppealView] }) items: DeskAppealView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
