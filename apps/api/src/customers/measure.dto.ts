import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MEASURE_KIND_PATTERN } from '@takedown/domain';
import { IsCalendarDate } from '../common/calendar-date';

export class DeclareMeasureDto {
  @ApiProperty({ example: 'hash_check_uploads', description: 'What the customer does, as a kind' })
  @Matches(MEASURE_KIND_PATTERN, { message: 'kind must be lower-case letters, digits and underscores' })
  kind: string;

  @ApiProperty({
    example: 'Every upload is checked against the hotline’s hash list since March; see ticket 2026-117',
    description: 'The evidence the desk checks',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  evidence: string;

  @ApiProperty({ example: '2026-03-01', format: 'date', description: 'Since when (a calendar date)' })
  @IsCalendarDate()
  date: string;
}

export class RejectMeasureDto {
  @ApiProperty({ example: 'The hash list named is not one the hotline publishes' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason: string;
}

export class MeasureView {
  @ApiProperty({ example: 'hash_check_uploads' }) kind: string;
  @ApiProperty({ enum: ['declared', 'verified', 'rejected'], description: 'Only a verified measure counts' })
  status: 'declared' | 'verified' | 'rejected';
  @ApiPropertyOptional({ nullable: true, type: String }) evidence: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2026-03-01' }) evidenceDate: string | null;
  @ApiProperty() declaredAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) declaredBy: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) verifiedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) verifiedBy: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) rejectedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) rejectionReason: string | null;
}
