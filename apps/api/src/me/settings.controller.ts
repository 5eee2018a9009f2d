import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { actorLabel, type Principal } from '@takedown/domain';
import { AppConfig } from '../app-config';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { SettingsView, UpdateSettingsDto, type ConsoleLanguage } from './settings.dto';

/** Each person's own console settings, stored by the API so that they follow the person to any browser. */
@ApiTags('me')
@Controller('v1/me/settings')
export class SettingsController {
  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiOperation({ summary: 'Your console settings: time zone (default the provider’s) and language' })
  @ApiOkResponse({ type: SettingsView })
  get(@CurrentPrincipal() principal: Principal): Promise<SettingsView> {
    return this.read(actorLabel(principal.actor));
  }

  @Put()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @Audit('person.settings', { target: null })
  @ApiOperation({
    summary: 'Change your console settings; a field left out stays, null goes back to the default',
  })
  @ApiBody({
    type: UpdateSettingsDto,
    examples: { zone: { value: { timeZone: 'America/New_York', language: 'en' } } },
  })
  @ApiOkResponse({ type: SettingsView })
  @ApiBadRequestResponse({
    description: 'Not an IANA time zone, or not a language of the console; the body names the field',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'timeZone: timeZone must be an IANA time zone, such as Europe/Amsterdam',
        fields: [
          { field: 'timeZone', problems: ['timeZone must be an IANA time zone, such as Europe/Amsterdam'] },
        ],
      },
    },
  })
  async put(@Body() dto: UpdateSettingsDto, @CurrentPrincipal() principal: Principal): Promise<SettingsView> {
    const subject = actorLabel(principal.actor);
    // A field left out keeps its stored value (COALESCE over a flag), null clears it.
    await this.db.query(
      `INSERT INTO person_settings (subject, time_zone, language, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (subject) DO UPDATE SET
         time_zone = CASE WHEN $4 THEN EXCLUDED.time_zone ELSE person_settings.time_zone END,
         language = CASE WHEN $5 THEN EXCLUDED.language ELSE person_settings.language END,
         updated_at = now()`,
      [
        subject,
        dto.timeZone ?? null,
        dto.language ?? null,
        dto.timeZone !== undefined,
        dto.language !== undefined,
      ],
    );
    return this.read(subject);
  }

  private async read(subject: string): Promise<SettingsView> {
    const [row] = (await this.db.query(`SELECT time_zone, language FROM person_settings WHERE subject = $1`, [
      subject,
    ])) as { time_zone: string | null; language: ConsoleLanguage | null }[];
    const provider = this.config.env.PROVIDER_TIME_ZONE;
    return {
      timeZone: row?.time_zone ?? provider,
      providerTimeZone: provider,
      ownTimeZone: Boolean(row?.time_zone),
      language: row?.language ?? null,
    };
  }
}
