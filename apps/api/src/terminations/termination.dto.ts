import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { TERMINATION_STATUSES, type TerminationStatus } from '@takedown/domain';

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
