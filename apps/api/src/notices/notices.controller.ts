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
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError, type Principal } from '@takedown/domain';
import {
  CreateNoticeDto,
  NOTICE_ACTIONS,
  NoticeActionDto,
  NoticeListQuery,
  NoticePage,
  NoticeView,
  type NoticeAction,
} from './notice.dto';
import { IntakeService } from '../intake/intake.service';
import { XARF_MEDIA_TYPE, XarfReportDto } from '../intake/intake.dto';
import { CurrentPrincipal, submittingSource, visibilityOf } from '../auth/principal';
import { disclosedNotice } from './disclosed-notice';
import { narrowNoticeView, NoticesService } from './notices.service';
import { Roles } from '../auth/access';
import { Audit } from '../audit/audit.decorator';

@ApiTags('notices')
@Controller('v1/notices')
export class NoticesController {
  constructor(
    private readonly notices: NoticesService,
    private readonly intake: IntakeService,
  ) {}

  @Post()
  @Roles('abuse_desk', 'abuse_lead', 'source')
  @ApiOperation({
    summary: 'Submit a notice',
    description:
      'The same source and source reference always give the same notice. A report of a URL that an open notice ' +
      'already covers joins that notice (a duplicate_report event; the reporter is added). An X-ARF v4 report ' +
      `(Content-Type ${XARF_MEDIA_TYPE}, or a body with xarf_version) is taken as the same notice: report_id is ` +
      'the source reference, reporter the source; evidence payloads are dropped and their hashes kept; 400s name ' +
      'the X-ARF field. With a `source` token the notice is always its own source’s (kind and name from the ' +
      'token; the body’s may be left out).',
  })
  @ApiExtraModels(CreateNoticeDto, XarfReportDto)
  @ApiConsumes('application/json', XARF_MEDIA_TYPE)
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(CreateNoticeDto) }, { $ref: getSchemaPath(XarfReportDto) }] },
  })
  @ApiCreatedResponse({ type: NoticeView, description: 'A new notice; its workflow has started' })
  @ApiOkResponse({
    type: NoticeView,
    description: 'The report was known already, or joined the open notice for its URL',
  })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; nothing was stored, retry' })
  async submit(
    // Typed `unknown` so that the global ValidationPipe leaves it alone: the intake validates either format.
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    const { notice, created } = await this.intake.submit(body, {
      xarf: contentType?.startsWith(XARF_MEDIA_TYPE),
      asSource: submittingSource(principal),
    });
    res.status(created ? 201 : 200);
    return disclosedNotice(narrowNoticeView(notice, visibilityOf(principal)), principal.roles);
  }

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiOperation({ summary: 'Notices, filtered and paginated (newest first by default)' })
  @ApiOkResponse({ type: NoticePage })
  @ApiBadRequestResponse({ description: 'A filter is invalid; the body names it' })
  async list(@Query() query: NoticeListQuery, @CurrentPrincipal() principal: Principal): Promise<NoticePage> {
    const page = await this.notices.list(query, visibilityOf(principal));
    return { ...page, items: page.items.map((n) => disclosedNotice(n, principal.roles)) };
  }

  @Get(':id')
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiOperation({ summary: 'A notice with its reports, pending tasks and full timeline' })
  @ApiOkResponse({ type: NoticeView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  async get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return disclosedNotice(await this.notices.get(id, visibilityOf(principal)), principal.roles);
  }

  @Post(':id/actions/:action')
  @Roles('abuse_desk', 'abuse_lead')
  @Audit((req) => `notice.${String(req.params.action)}`)
  @HttpCode(202)
  @ApiParam({ name: 'action', enum: NOTICE_ACTIONS })
  @ApiOperation({
    summary: 'Act on a notice',
    description:
      'confirm-removal (source or desk: the material is gone), still-online (a removal claim was false), ' +
      'customer-response (kind removed|dispute, reason for a dispute), attribute (customerId), reopen (a closed ' +
      'notice, the same content back), reject-invalid (reason), withdraw (reason), escalate-now, add-note (reason). ' +
      'The notice workflow carries the action out; read the notice to see its effect.',
  })
  @ApiAcceptedResponse({ type: NoticeView, description: 'Accepted; the workflow records it on the timeline' })
  @ApiBadRequestResponse({ description: 'Unknown action, or a field the action needs is missing or invalid' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  @ApiConflictResponse({
    description: 'The action does not fit the notice’s state (closed, attributed already, …)',
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  act(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('action') action: string,
    @Body() dto: NoticeActionDto,
  ): Promise<NoticeView> {
    if (!(NOTICE_ACTIONS as readonly string[]).includes(action)) {
      throw new DomainError(
        'REQUEST.INVALID',
        `unknown action "${action}"; one of ${NOTICE_ACTIONS.join(', ')}`,
        'action',
      );
    }
    return this.notices.act(id, action as NoticeAction, dto);
  }
}
