import {
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorLabel, DomainError, type Principal } from '@takedown/domain';
import { MAX_BATCH } from '@takedown/intake';
import { CurrentPrincipal, submittingSource } from '../auth/principal';
import { NoticeView } from '../notices/notice.dto';
import { NoticesService } from '../notices/notices.service';
import { BatchResultView, NDJSON_MEDIA_TYPES, RawMessageView, TriageDto } from './intake.dto';
import { IntakeService } from './intake.service';
import { Roles } from '../auth/access';
import { PerItemInput } from '../common/unstorable-text';
import { Audit } from '../audit/audit.decorator';

@ApiTags('intake')
@Controller('v1')
export class IntakeController {
  constructor(
    private readonly intake: IntakeService,
    private readonly notices: NoticesService,
  ) {}

  @Post('notices/batch')
  @PerItemInput()
  @Roles('abuse_desk', 'abuse_lead', 'source')
  @Audit('notice.batch', { target: null, always: true })
  @HttpCode(200)
  @ApiOperation({
    summary: `Submit up to ${MAX_BATCH} notices at once`,
    description:
      'A JSON array, or JSON lines (application/x-ndjson), of native notices or X-ARF reports. Each item is taken ' +
      'as by POST /v1/notices and gets its own result: created, existing, or rejected with the reason. A bad item ' +
      'never stops the others. When Temporal is down, the items not yet taken are rejected with retryable: true. ' +
      'With a `source` token every item is that source’s.',
  })
  @ApiConsumes('application/json', ...NDJSON_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiOkResponse({ type: BatchResultView })
  @ApiBadRequestResponse({ description: `Not a batch, empty, or more than ${MAX_BATCH} items` })
  submitBatch(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<BatchResultView> {
    return this.intake.submitBatch(body, { asSource: submittingSource(principal) });
  }

  @Post('notices/:id/triage')
  @Roles('abuse_desk', 'abuse_lead')
  @Audit('notice.triage', { target: 'notice' })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Triage a notice that came as plain email',
    description:
      'With a category, the notice’s workflow starts and the customer’s clock runs from now; with only a reason, ' +
      'the notice is closed as invalid.',
  })
  @ApiOkResponse({ type: NoticeView })
  @ApiBadRequestResponse({ description: 'Neither category nor reason, or a field is invalid' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  @ApiConflictResponse({ description: 'The notice does not await triage' })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; nothing changed, retry' })
  triage(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: TriageDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    if (!dto.category && !dto.reason) {
      throw new DomainError('REQUEST.INVALID', 'a category to confirm, or a reason to reject', 'category');
    }
    return this.notices.triage(id, {
      by: actorLabel(principal.actor),
      category: dto.category,
      reason: dto.reason,
    });
  }

  @Get('raw-messages')
  @Roles('abuse_desk', 'abuse_lead')
  @ApiOperation({ summary: 'Mail that could not be made into a notice, newest first, with the reason' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  })
  @ApiOkResponse({ type: [RawMessageView] })
  async rawMessages(
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number,
  ): Promise<RawMessageView[]> {
    const rows = await this.intake.listRawMessages(Math.min(Math.max(limit, 1), 200));
    return rows.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() }));
  }
}
