import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorLabel, DomainError, type Principal } from '@takedown/domain';
import { AssignDto } from '../people/people.dto';
import {
  BulkActionDto,
  BulkActionResponse,
  NOTICE_ACTIONS,
  NoticeActionDto,
  NoticeListQuery,
  NoticePage,
  NoticeView,
  type NoticeAction,
} from './notice.dto';
import { CurrentPrincipal, submittingSource, visibilityOf } from '../auth/principal';
import { disclosedNotice, readerOf } from './disclosed-notice';
import { BreachForecasts } from './breach-forecasts';
import { NoticesService } from './notices.service';
import { SourceNoticePage, SourceNoticeView } from './source-notice.dto';
import { Roles } from '../auth/access';
import { Audit } from '../audit/audit.decorator';
import { ApiIdempotencyKey, idempotencyKeyOf } from '../common/idempotency-key';

@ApiTags('notices')
@Controller('v1/notices')
export class NoticesController {
  constructor(
    private readonly notices: NoticesService,
    private readonly forecasts: BreachForecasts,
  ) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiOperation({
    summary:
      'Notices, filtered, searched and paginated (newest first by default; `sort=time_left` for the queue)',
  })
  @ApiExtraModels(SourceNoticePage)
  // The staff's schema is the one declared (the console is typed from it); a source's is named in the description.
  @ApiOkResponse({
    type: NoticePage,
    description:
      'A page of notices (CSAM URLs as scheme and host + `/[redacted]` for staff, each open notice with its breach ' +
      '`forecast`); a `source` token gets a SourceNoticePage: its own view of each',
  })
  @ApiBadRequestResponse({ description: 'A filter is invalid; the body names it' })
  async list(
    @Query() query: NoticeListQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticePage | SourceNoticePage> {
    const source = submittingSource(principal);
    if (source) {
      const own = await this.notices.listForSource(query, source, principal.roles);
      return { ...own, items: own.items.map((n) => disclosedNotice(n, readerOf(principal))) };
    }
    const page = await this.notices.list(
      query,
      visibilityOf(principal),
      principal.roles,
      actorLabel(principal.actor),
    );
    const items = page.items.map((n) => disclosedNotice(n, readerOf(principal)));
    return { ...page, items: await this.forecasts.of(items) };
  }

  @Get(':id')
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')
  @ApiOperation({
    summary: 'A notice with its reports, pending tasks and full timeline',
    description:
      'A `source` token reads its own view (SourceNoticeView): its own reports, the URLs they named, the state and ' +
      'the outcome; never another reporter, their reference or URLs, notes, tasks or the timeline. Staff read a CSAM ' +
      'notice’s URLs, and URLs in its text, timeline and task summaries, as scheme and host + `/[redacted]` ' +
      '(`GET /v1/notices/{id}/urls` gives them in full and is audited); `forecast` says whether it will miss its ' +
      'deadline.',
  })
  @ApiExtraModels(SourceNoticeView)
  @ApiOkResponse({ type: NoticeView, description: 'The notice; for a `source` token a SourceNoticeView' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  async get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView | SourceNoticeView> {
    const source = submittingSource(principal);
    if (source) return disclosedNotice(await this.notices.getForSource(id, source), readerOf(principal));
    // The forecast's history needs only the id: read beside the notice, one round trip's wait instead of two.
    const [notice, history] = await Promise.all([
      this.notices.get(id, visibilityOf(principal)),
      this.forecasts.read([id]),
    ]);
    return this.forecasts.apply([disclosedNotice(notice, readerOf(principal))], history)[0];
  }

  @Post('bulk-actions')
  @Roles('abuse_desk', 'abuse_lead')
  // Each notice carried out has its own row; a call that carried none out still has this one.
  @Audit('notice.bulk_actions', { target: null })
  @HttpCode(200)
  @ApiOperation({
    summary:
      'One action on up to 200 notices: confirm removal, escalate now, reject as invalid, add a note, assign',
    description:
      'Each notice goes the way of its single route (`POST /v1/notices/:id/actions/:action`, ' +
      '`POST /v1/notices/:id/assignee`): the same workflow update, the same refusals, an audit row per notice with ' +
      'the caller as actor. The answer has a result per notice, in the order given; one refused notice does not ' +
      'stop the others.',
  })
  @ApiOkResponse({ type: BulkActionResponse })
  @ApiIdempotencyKey(
    'Sending the same bulk action again with the same key carries each notice’s action out once (as its single ' +
      'route does with that key)',
  )
  @ApiBadRequestResponse({
    description:
      'The body is invalid (unknown action, more than 200 ids or a repeated one, a missing reason/note/assignee); ' +
      'the body names the field. Nothing was carried out',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'reason is required for reject-invalid',
        field: 'reason',
      },
    },
  })
  bulk(
    @Body() dto: BulkActionDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') header?: string,
  ): Promise<BulkActionResponse> {
    return this.notices.bulk(dto, principal, idempotencyKeyOf(header));
  }

  @Post(':id/assignee')
  @Roles('abuse_desk', 'abuse_lead')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Assign the notice to a person (or, with null, to nobody); on its timeline and in the audit trail',
  })
  @ApiOkResponse({ type: NoticeView, description: 'The notice as it now stands' })
  @ApiBadRequestResponse({
    description: 'The assignee is not a known person (GET /v1/people)',
    schema: {
      example: {
        statusCode: 400,
        code: 'PERSON.UNKNOWN',
        message: 'assignee: no person is known as oidc:nobody',
        field: 'assignee',
      },
    },
  })
  @ApiNotFoundResponse({ description: 'No such notice' })
  async assign(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: AssignDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return disclosedNotice(await this.notices.assign(id, dto.assignee, principal), readerOf(principal));
  }

  @Post(':id/actions/:action')
  @Roles('abuse_desk', 'abuse_lead')
  @Audit((req) => `notice.${(req.params as { action: string }).action}`)
  @HttpCode(200)
  @ApiParam({ name: 'action', enum: NOTICE_ACTIONS })
  @ApiOperation({
    summary: 'Act on a notice',
    description:
      'confirm-removal (source or desk: the material is gone), still-online (a removal claim was false), ' +
      'customer-response (kind removed|dispute, reason for a dispute), attribute (customerId), reopen (a closed ' +
      'notice, the same content back), reject-invalid (reason), withdraw (reason), escalate-now, add-note (reason). ' +
      'The notice workflow carries the action out and the answer is the notice with its effect. The actor is the ' +
      'signed-in principal (a `by` in the body is not an identity and is ignored).',
  })
  @ApiOkResponse({ type: NoticeView, description: 'Carried out: the notice as it now stands' })
  @ApiBadRequestResponse({ description: 'Unknown action, or a field the action needs is missing or invalid' })
  @ApiNotFoundResponse({ description: 'No such notice' })
  @ApiConflictResponse({
    description:
      'The action does not fit the notice’s state: `code` says why (NOTICE.ALREADY_CLOSED, NOTICE.NO_CLAIM, ' +
      'NOTICE.REOPEN_WINDOW_PASSED, …) and `state` is the notice’s state; nothing changed',
  })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; retry (with the same Idempotency-Key)',
  })
  @ApiIdempotencyKey(
    'Sending the same action again with the same key (a retry after a timeout or a 503) carries it out once: the ' +
      'answer is the notice with that one action’s effect. A key is yours alone: another caller’s same key is ' +
      'another action',
  )
  async act(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('action') action: string,
    @Body() dto: NoticeActionDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') header?: string,
  ): Promise<NoticeView> {
    if (!(NOTICE_ACTIONS as readonly string[]).includes(action)) {
      throw new DomainError(
        'REQUEST.INVALID',
        `unknown action "${action}"; one of ${NOTICE_ACTIONS.join(', ')}`,
        'action',
      );
    }
    const idempotencyKey = idempotencyKeyOf(header);
    return disclosedNotice(
      await this.notices.act(id, action as NoticeAction, dto, principal, undefined, idempotencyKey),
      readerOf(principal),
    );
  }
}
