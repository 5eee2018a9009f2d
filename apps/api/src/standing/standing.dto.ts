import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { MEASURE_KIND_PATTERN, STANDING_LEVELS, type StandingLevel } from '@takedown/domain';

export const DESK_STANDING_EVENTS = ['refusal', 'bad_faith', 'measure_verified', 'measure_dropped'] as const;
export type DeskStandingEvent = (typeof DESK_STANDING_EVENTS)[number];

/** What the desk tells a customer's standing: a refusal or bad-faith finding (a case at once), or a measure. */
export class StandingEventDto {
  @ApiProperty({ enum: DESK_STANDING_EVENTS, example: 'bad_faith' })
  @IsIn(DESK_STANDING_EVENTS)
  type: DeskStandingEvent;

  @ApiPropertyOptional({
    example: 'desk:lead.bakker',
    deprecated: true,
    description: 'Ignored: the actor is the signed-in principal. Kept so that older clients still work.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string;

  @ApiPropertyOptional({
    example: 'Told us on the phone it will not act on notices from this hotline',
    description: 'Required for refusal and bad_faith',
  })
  @ValidateIf((o: StandingEventDto) => o.type === 'refusal' || o.type === 'bad_faith')
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason?: string;

  @ApiPropertyOptional({ example: 'hash_check_uploads', description: 'Required for a measure' })
  // `type` is not checked yet when this runs: it may be anything a client sent.
  @ValidateIf((o: StandingEventDto) => typeof o.type === 'string' && o.type.startsWith('measure_'))
  @Matches(MEASURE_KIND_PATTERN)
  measure?: string;
}

export class StandingCountsView {
  @ApiProperty() missedDeadlines: number;
  @ApiProperty() missedCsamDeadlines: number;
  @ApiProperty() ignored: number;
  @ApiProperty() falseClaims: number;
  @ApiProperty() contentBack: number;
}

export class StandingEventView {
  @ApiProperty({ example: 'notice_closed' }) type: string;
  @ApiProperty() actor: string;
  @ApiPropertyOptional({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: STANDING_LEVELS }) level: StandingLevel;
  @ApiProperty({ enum: STANDING_LEVELS }) previousLevel: StandingLevel;
  @ApiProperty() at: string;
  @ApiProperty({ type: Object, description: 'The event (never reported content) and the counts after it' })
  data: Record<string, unknown>;
}

export class StandingView {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: STANDING_LEVELS }) level: StandingLevel;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Since when at this level' })
  levelSince: string | null;
  @ApiProperty({ type: StandingCountsView, description: 'Counts in the rolling window' })
  counts: StandingCountsView;
  @ApiProperty({ description: 'Every event the standing received' }) eventCount: number;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'default@1' }) policy: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) terminationCaseId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) updatedAt: string | null;
  @ApiProperty({ type: [StandingEventView], description: 'The last 50 events and changes, newest first' })
  events: StandingEventView[];
}
