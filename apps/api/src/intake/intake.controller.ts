import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { actorLabel, DomainError, type Principal } from '@takedown/domain';
import { MAX_BATCH } from '@takedown/intake';
import { CurrentPrincipal, submittingSource } from '../auth/principal';
import { CreateNoticeDto, NoticeView } from '../notices/notice.dto';
import { NoticesService } from '../notices/notices.service';
import { SourceNoticeView } from '../notices/source-notice.dto';
import {
  BatchResultView,
  HotlineChecksDto,
  HotlineChecksResultView,
  HotlinePushDto,
  HotlinePushResultView,
  RawMessagePage,
  TriageDto,
  XarfReportDto,
} from './intake.dto';
import { NDJSON_MEDIA_TYPES, XARF_MEDIA_TYPE } from './media-types';
import { PageQuery } from '../common/page-query';
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

  @Post('notices')
  @ApiTags('notices')
  @Roles('abuse_desk', 'abuse_lead', 'source')
  @ApiOperation({
    summary: 'Submit a notice',
    description:
      'The same source and source reference always give the same notice. A report of a URL that an open notice ' +
      'already covers joins that notice (a duplicate_report event; the reporter is added). An X-ARF v4 report ' +
      `(Content-Type ${XARF_MEDIA_TYPE}, or a body with xarf_version) is taken as the same notice: report_id is ` +
      'the source reference, reporter the source; evidence payloads are dropped and their hashes kept; 400s name ' +
      'every X-ARF field at fault. With a `source` token the notice is always its own source’s (kind and name ' +
      'from the token; the body’s may be left out).',
  })
  @ApiExtraModels(CreateNoticeDto, XarfReportDto)
  @ApiConsumes('application/json', XARF_MEDIA_TYPE)
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(CreateNoticeDto) }, { $ref: getSchemaPath(XarfReportDto) }] },
  })
  @ApiExtraModels(NoticeView, SourceNoticeView)
  @ApiCreatedResponse({
    description:
      'A new notice; its workflow has started. For a `source` token also a report that joined another source’s ' +
      'open notice, answered with its own view of it (SourceNoticeView) as a new notice is',
    schema: { oneOf: [{ $ref: getSchemaPath(NoticeView) }, { $ref: getSchemaPath(SourceNoticeView) }] },
  })
  @ApiOkResponse({
    description:
      'The report was known already (the same source reference), or (staff) joined the open notice for its URL',
    schema: { oneOf: [{ $ref: getSchemaPath(NoticeView) }, { $ref: getSchemaPath(SourceNoticeView) }] },
  })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; nothing was stored, retry' })
  async submit(
    // Typed `unknown` so that the global ValidationPipe leaves it alone: the intake validates either format.
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView | SourceNoticeView> {
    const submitted = await this.intake.submit(body, {
      xarf: contentType?.startsWith(XARF_MEDIA_TYPE),
      asSource: submittingSource(principal),
    });
    const answer = await this.notices.intakeAnswer(submitted, principal);
    res.status(answer.status);
    return answer.body;
  }

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
  @ApiBody({ schema: { type: 'array', items: { type: 'object' }, minItems: 1, maxItems: MAX_BATCH } })
  @ApiOkResponse({ type: BatchResultView })
  @ApiBadRequestResponse({ description: `Not a batch, empty, or more than ${MAX_BATCH} items` })
  submitBatch(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<BatchResultView> {
    return this.intake.submitBatch(body, { asSource: submittingSource(principal) });
  }

  @Post('intake/hotline')
  @Roles('abuse_desk', 'abuse_lead', 'source')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A hotline’s notice-and-take-down file, pushed (SCARt)',
    description:
      'The same data as the hotline’s NTD mail: its file number and list of URLs with IP, first and last seen ' +
      '(ISO 8601, or `YYYY-MM-DD HH:MM` in Dutch time) and note. Every URL is a CSAM notice of its own, its source ' +
      'reference the file number with the URL’s digest (sending the file again changes nothing). With a `source` ' +
      'token the notices are that source’s (a hotline’s token: notifier kind `hotline`); staff give `source`. ' +
      '`contact` is where feedback goes. Every line gets its own result; a bad line never stops the others.',
  })
  @ApiExtraModels(HotlinePushDto)
  @ApiBody({ type: HotlinePushDto })
  @ApiOkResponse({ type: HotlinePushResultView })
  @ApiBadRequestResponse({ description: 'No file number, no list, or no source; the body names the field' })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; lines not yet taken were not stored, retry',
  })
  submitHotline(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HotlinePushResultView> {
    return this.intake.submitHotlinePush(body, submittingSource(principal));
  }

  @Post('intake/hotline/checks')
  @Roles('abuse_desk', 'abuse_lead', 'source')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The hotline’s own check of the URLs it reported: still online, or gone',
    description:
      'For CSAM the hotline’s check is the proof of removal (nobody else fetches the material). Each check names a ' +
      'URL of a file the hotline sent: `online: false` confirms the removal of its notice, `online: true` counts the ' +
      'customer’s removal claim false so that the clock runs on. Answered per check by its index, never its URL: ' +
      'confirmed, still_online, unknown (no such report of this source), or refused with the notice’s code and state.',
  })
  @ApiExtraModels(HotlineChecksDto)
  @ApiBody({ type: HotlineChecksDto })
  @ApiOkResponse({ type: HotlineChecksResultView })
  @ApiBadRequestResponse({
    description: 'No file number, no checks, a bad check, or no source; the body names the field',
  })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; checks from the first failure on were not applied, retry',
  })
  submitHotlineChecks(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HotlineChecksResultView> {
    return this.intake.submitHotlineChecks(body, principal, submittingSource(principal));
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
  @ApiExtraModels(TriageDto)
  @ApiBody({
    schema: {
      allOf: [{ $ref: getSchemaPath(TriageDto) }],
      anyOf: [{ required: ['category'] }, { required: ['reason'] }],
    },
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
  @ApiOperation({
    summary:
      'Mail that could not be made into a notice, newest first, with the reason (paged as other lists)',
  })
  @ApiOkResponse({ type: RawMessagePage })
  @ApiBadRequestResponse({ description: 'limit or offset is out of range; the body names it' })
  async rawMessages(@Query() query: PageQuery): Promise<RawMessagePage> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [rows, total] = await this.intake.listRawMessages(limit, offset);
    return {
      items: rows.map((r) => ({
        id: r.id,
        receivedAt: r.receivedAt.toISOString(),
        channel: r.channel,
        sender: r.sender,
        messageId: r.messageId,
        sizeBytes: r.sizeBytes,
        error: r.error,
        headers: r.headers,
        text: r.text,
      })),
      total,
      limit,
      offset,
    };
  }
}
