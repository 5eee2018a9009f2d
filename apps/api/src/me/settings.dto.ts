import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsTimeZone, ValidateIf } from 'class-validator';

export const CONSOLE_LANGUAGES = ['en', 'nl'] as const;
export type ConsoleLanguage = (typeof CONSOLE_LANGUAGES)[number];

/** A change of one's own settings: a field left out stays as it was; `null` goes back to the default. */
export class UpdateSettingsDto {
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'Europe/Amsterdam',
    description: 'IANA time zone the console shows times in; null: the provider’s',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsTimeZone({ message: 'timeZone must be an IANA time zone, such as Europe/Amsterdam' })
  timeZone?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    enum: CONSOLE_LANGUAGES,
    description: 'The console’s language; null: the browser’s',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsIn(CONSOLE_LANGUAGES)
  language?: ConsoleLanguage | null;
}

export class SettingsView {
  @ApiProperty({
    example: 'Europe/Amsterdam',
    description: 'The time zone in effect: the person’s, or the provider’s',
  })
  timeZone: string;
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'The provider’s time zone (PROVIDER_TIME_ZONE)' })
  providerTimeZone: string;
  @ApiProperty({ description: 'Whether the person picked the time zone (else it is the provider’s)' })
  ownTimeZone: boolean;
  @ApiPropertyOptional({
    nullable: true,
    enum: CONSOLE_LANGUAGES,
    description: 'The person’s language; null: none picked (the console follows the browser)',
  })
  language: ConsoleLanguage | null;
}
