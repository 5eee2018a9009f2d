import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
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
import { actorLabel, type Principal } from '@takedown/domain';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { ApiIdempotencyKey, idempotencyKeyOf } from '../common/idempotency-key';
import { DeclareMeasureDto, MeasureView } from '../customers/measure.dto';
import { MeasuresService } from '../customers/measures.service';
import {
  CreateCustomerTokenDto,
  CustomerAnswerDto,
  CustomerBatchAnswerDto,
  CustomerBatchAnswerView,
  CustomerMeasureView,
  CustomerNoticeDetailView,
  CustomerNoticePage,
  CustomerNoticeQuery,
  CustomerProfileView,
  CustomerScopeQuery,
  CustomerStandingView,
  CustomerTokenView,
} from './customer-portal.dto';
import { CustomerPortalService } from './customer-portal.service';
import { assertCustomerAdmin, customerOf } from './customer-scope';

const error = (statusCode: number, code: string, message: string, extra: object = {}) => ({
  schema: { example: { statusCode, code, message, ...extra } },
});

/**
 * The customer's own API (and the portal's): a `customer` token sees and answers its own customer's notices only;
 * another customer's notice is 404, as if it did not exist.
 */
@ApiTags('customer')
@Controller('v1/customer')
export class CustomerPortalController {
  constructor(
    private readonly portal: CustomerPortalService,
    private readonly measureRecords: MeasuresService,
  ) {}

  @Get('notices')
  @Roles('customer')
  @ApiOperation({
    summary: 'The customer’s notices, open first by nearest deadline, then closed ones, newest first',
  })
  @ApiOkResponse({ type: CustomerNoticePage })
  @ApiBadRequestResponse({ description: 'A filter is invalid, or an admin did not name the customer' })
  list(@Query() q: CustomerNoticeQuery, @CurrentPrincipal() p: Principal): Promise<CustomerNoticePage> {
    return this.portal.list(customerOf(p, q.customerId), q);
  }

  @Get('notices/:id')
  @Roles('customer')
  @ApiOperation({ summary: 'One of the customer’s notices, with what is asked and its timeline' })
  @ApiOkResponse({ type: CustomerNoticeDetailView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'No such notice of this customer',
    ...error(404, 'NOTICE.NOT_FOUND', 'notice … does not exist'),
  })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: CustomerScopeQuery,
    @CurrentPrincipal() p: Principal,
  ): Promise<CustomerNoticeDetailView> {
    return this.portal.get(customerOf(p, q.customerId), id);
  }

  @Post('notices/:id/answer')
  @Roles('customer')
  @HttpCode(200)
  @Audit('notice.customer-response', { target: 'notice' })
  @ApiOperation({
    summary:
      'Answer a notice: removed (checked before it counts; the deadline runs on), or dispute with a reason',
  })
  @ApiOkResponse({ type: CustomerNoticeDetailView, description: 'Taken: the notice as it now stands' })
  @ApiBadRequestResponse({ description: 'kind is missing or unknown, or a dispute has no reason' })
  @ApiNotFoundResponse({ description: 'No such notice of this customer' })
  @ApiConflictResponse({
    description: 'The answer does not fit the notice’s state; `code` says why, `state` is the state',
    ...error(409, 'NOTICE.ALREADY_CLOSED', 'the notice is closed and can no longer be changed', {
      state: 'closed',
    }),
  })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; retry (with the same Idempotency-Key)',
  })
  @ApiIdempotencyKey(
    'Sending the same answer again with the same key (a retry after a timeout or a 503) takes it once: the answer ' +
      'is the notice as that one answer left it, not a 409',
  )
  answer(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() q: CustomerScopeQuery,
    @Body() dto: CustomerAnswerDto,
    @CurrentPrincipal() p: Principal,
    @Headers('idempotency-key') header?: string,
  ): Promise<CustomerNoticeDetailView> {
    return this.portal.answer(customerOf(p, q.customerId), id, dto, p, idempotencyKeyOf(header));
  }

  @Post('answers')
  @Roles('customer')
  @HttpCode(200)
  @Audit('notice.customer-response', { target: null })
  @ApiOperation({
    summary: 'Answer many notices at once (up to 100): a result per notice, in the order given',
    description:
      'Each answer stands alone: a closed notice is `refused` with its code and state, a notice that is not this ' +
      'customer’s is `not_found`; the others are taken.',
  })
  @ApiOkResponse({ type: CustomerBatchAnswerView })
  @ApiBadRequestResponse({ description: 'An answer is invalid; the body names it (answers.N.field)' })
  @ApiServiceUnavailableResponse({
    description:
      'Temporal is unavailable; retry (taken answers are kept; with the same Idempotency-Key none is taken twice)',
  })
  @ApiIdempotencyKey(
    'Sending the same batch again with the same key takes each answer once: an answer taken before is `accepted` ' +
      'again, not `refused`',
  )
  async answerMany(
    @Query() q: CustomerScopeQuery,
    @Body() dto: CustomerBatchAnswerDto,
    @CurrentPrincipal() p: Principal,
    @Headers('idempotency-key') header?: string,
  ): Promise<CustomerBatchAnswerView> {
    const key = idempotencyKeyOf(header);
    return { results: await this.portal.answerMany(customerOf(p, q.customerId), dto.answers, p, key) };
  }

  @Get('profile')
  @Roles('customer')
  @ApiOperation({
    summary: 'Who the customer is: reference, name, and the language and time zone it reads in',
  })
  @ApiOkResponse({ type: CustomerProfileView })
  @ApiNotFoundResponse({ description: 'No such customer (an admin’s customerId)' })
  profile(@Query() q: CustomerScopeQuery, @CurrentPrincipal() p: Principal): Promise<CustomerProfileView> {
    return this.portal.profile(customerOf(p, q.customerId));
  }

  @Get('standing')
  @Roles('customer')
  @ApiOperation({
    summary:
      'The customer’s standing: level, counts in the rolling window, thresholds and what moves it back',
  })
  @ApiOkResponse({ type: CustomerStandingView })
  @ApiNotFoundResponse({ description: 'No such customer (an admin’s customerId)' })
  standing(@Query() q: CustomerScopeQuery, @CurrentPrincipal() p: Principal): Promise<CustomerStandingView> {
    return this.portal.standing(customerOf(p, q.customerId));
  }

  @Get('measures')
  @Roles('customer')
  @ApiOperation({ summary: 'The customer’s preventive measures, and which the desk verified' })
  @ApiOkResponse({ type: [CustomerMeasureView] })
  @ApiNotFoundResponse({ description: 'No such customer (an admin’s customerId)' })
  measures(@Query() q: CustomerScopeQuery, @CurrentPrincipal() p: Principal): Promise<CustomerMeasureView[]> {
    return this.portal.measures(customerOf(p, q.customerId));
  }

  @Post('measures')
  @Roles('customer')
  @ApiOperation({
    summary: 'Declare a preventive measure with its evidence and since when; the desk verifies or rejects it',
    description: 'Only a verified measure counts in the standing. A rejected one may be declared again.',
  })
  @ApiCreatedResponse({ type: MeasureView })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiNotFoundResponse({ description: 'No such customer (an admin’s customerId)' })
  @ApiConflictResponse({ description: 'The measure is verified already (MEASURE.ALREADY_VERIFIED)' })
  declareMeasure(
    @Query() q: CustomerScopeQuery,
    @Body() dto: DeclareMeasureDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<MeasureView> {
    return this.measureRecords.declare(customerOf(p, q.customerId), dto, actorLabel(p.actor));
  }

  @Post('tokens')
  @Roles('customer')
  @Audit('token.create', { target: 'api_token' })
  @ApiOperation({
    summary: 'Make another token of this customer (its admin contact only), e.g. for its ticket system',
    description: 'The token is in the answer only. It reaches this customer’s notices and nothing else.',
  })
  @ApiCreatedResponse({ type: CustomerTokenView })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiNotFoundResponse({ description: 'No such customer (an admin’s customerId)' })
  createToken(
    @Query() q: CustomerScopeQuery,
    @Body() dto: CreateCustomerTokenDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<CustomerTokenView> {
    assertCustomerAdmin(p);
    return this.portal.createToken(customerOf(p, q.customerId), dto, p);
  }
}
