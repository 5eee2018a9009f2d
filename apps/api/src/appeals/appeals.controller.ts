import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@takedown/domain';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { CustomerScopeQuery } from '../customer-portal/customer-portal.dto';
import { customerOf } from '../customer-portal/customer-scope';
import {
  AppealListQuery,
  AppealPage,
  AppealView,
  CustomerAppealListQuery,
  DeskAppealPage,
  DeskAppealView,
  FileCustomerAppealDto,
  FileSourceAppealDto,
  ReviewAppealDto,
} from './appeal.dto';
import { AppealsService } from './appeals.service';

const error = (statusCode: number, code: string, message: string, extra: object = {}) => ({
  schema: { example: { statusCode, code, message, ...extra } },
});

const LATE = error(409, 'APPEAL.PERIOD_PASSED', 'the period to appeal (P14D) ended at …', {
  state: 'closed',
});

/** The customer's appeals, under its own API: its strikes, suspensions and termination decisions. */
@ApiTags('customer')
@Controller('v1/customer/appeals')
export class CustomerAppealsController {
  constructor(private readonly appeals: AppealsService) {}

  @Post()
  @Roles('customer')
  @Audit('appeal.file', { target: 'appeal' })
  @ApiOperation({
    summary: 'Appeal a strike or suspension (noticeId) or a termination decision (caseId), with a reason',
    description:
      'Within the appeal period after the decision (`appeal_settings`). Someone other than the one who decided ' +
      'reviews it; a reversal takes the strike out of the standing, or withdraws the termination. A reseller ' +
      'appeals, on its end customer’s notice, the strike in its own standing of an act_first window it let pass.',
  })
  @ApiCreatedResponse({ type: AppealView })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiNotFoundResponse({ description: 'No such notice or case of this customer' })
  @ApiConflictResponse({
    description:
      'Too late (APPEAL.PERIOD_PASSED), appealed already (APPEAL.ALREADY_FILED), or nothing to appeal ' +
      '(APPEAL.NOT_APPEALABLE: the notice did not count against the standing, the case was not approved, or the ' +
      'reseller was informed or answered in time)',
    ...LATE,
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  file(
    @Query() q: CustomerScopeQuery,
    @Body() dto: FileCustomerAppealDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<AppealView> {
    return this.appeals.fileForCustomer(customerOf(p, q.customerId), dto, p);
  }

  @Get()
  @Roles('customer')
  @ApiOperation({ summary: 'The customer’s appeals, those under review first, and how they were decided' })
  @ApiOkResponse({ type: AppealPage })
  @ApiBadRequestResponse({ description: 'A filter is invalid, or an admin did not name the customer' })
  list(@Query() q: CustomerAppealListQuery, @CurrentPrincipal() p: Principal): Promise<AppealPage> {
    return this.appeals.listForCustomer(customerOf(p, q.customerId), q);
  }
}

/** Appeals for the desk and legal to review, and the notifier's appeal of a rejection. */
@ApiTags('appeals')
@Controller('v1/appeals')
export class AppealsController {
  constructor(private readonly appeals: AppealsService) {}

  @Post()
  @Roles('source')
  @Audit('appeal.file', { target: 'appeal' })
  @ApiOperation({ summary: 'A notifier appeals the rejection (closed as invalid) of a notice it reported' })
  @ApiCreatedResponse({ type: DeskAppealView })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiNotFoundResponse({ description: 'No such notice of this source' })
  @ApiConflictResponse({
    description: 'Too late, appealed already, or the notice was not rejected (APPEAL.NOT_APPEALABLE)',
    ...LATE,
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  file(@Body() dto: FileSourceAppealDto, @CurrentPrincipal() p: Principal): Promise<DeskAppealView> {
    return this.appeals.fileForSource(dto, p);
  }

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'source')
  @ApiOperation({ summary: 'Appeals, those under review first by their review deadline (a source: its own)' })
  @ApiOkResponse({ type: DeskAppealPage })
  @ApiBadRequestResponse({ description: 'A filter is invalid' })
  list(@Query() q: AppealListQuery, @CurrentPrincipal() p: Principal): Promise<DeskAppealPage> {
    return this.appeals.list(q, p);
  }

  @Get(':id')
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'source')
  @ApiOperation({ summary: 'One appeal: what it contests, who decided, and its review' })
  @ApiOkResponse({ type: DeskAppealView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'No such appeal',
    ...error(404, 'APPEAL.NOT_FOUND', 'appeal … does not exist'),
  })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<DeskAppealView> {
    return this.appeals.get(id, p);
  }

  @Post(':id/review')
  @Roles('abuse_desk', 'abuse_lead', 'legal')
  @HttpCode(200)
  @Audit('appeal.review')
  @ApiOperation({
    summary: 'Decide an appeal: uphold, or reverse, with a reason; never by the person who made the decision',
    description:
      'A reversal of a strike or suspension takes it out of the customer’s standing; of a termination decision, ' +
      'withdraws the case; of a rejection, puts it on the notice’s record.',
  })
  @ApiOkResponse({ type: DeskAppealView, description: 'Decided: the appeal as it now stands' })
  @ApiBadRequestResponse({ description: 'decision is missing or unknown, or the reason is missing' })
  @ApiNotFoundResponse({ description: 'No such appeal' })
  @ApiConflictResponse({
    description:
      'The reviewer made the contested decision, or the appeal is decided already; `code` says which',
    ...error(409, 'APPEAL.REVIEWER_IS_DECIDER', 'the person who made the decision cannot review its appeal', {
      state: 'under_review',
    }),
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  review(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: ReviewAppealDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<DeskAppealView> {
    return this.appeals.review(id, dto, p);
  }
}
