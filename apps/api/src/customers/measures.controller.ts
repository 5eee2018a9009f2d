import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorLabel, DomainError, MEASURE_KIND_PATTERN, type Principal } from '@takedown/domain';
import { Roles } from '../auth/access';
import { CurrentPrincipal, visibilityOf } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { MeasureView, RejectMeasureDto } from './measure.dto';
import { MeasuresService } from './measures.service';

const kindOf = (kind: string): string => {
  if (!MEASURE_KIND_PATTERN.test(kind)) {
    throw new DomainError(
      'REQUEST.INVALID',
      'kind must be lower-case letters, digits and underscores',
      'kind',
    );
  }
  return kind;
};

/** The desk's side of preventive measures: what a customer declared, with its evidence, and the verdict. */
@ApiTags('customers')
@Controller('v1/customers/:id/measures')
export class MeasuresController {
  constructor(private readonly measures: MeasuresService) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal')
  @ApiOperation({
    summary: 'A customer’s preventive measures: declared, verified or rejected, with evidence',
  })
  @ApiOkResponse({ type: [MeasureView] })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such customer (or not an account manager’s own)' })
  list(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<MeasureView[]> {
    return this.measures.list(id, visibilityOf(p));
  }

  @Post(':kind/verify')
  @Roles('abuse_desk', 'abuse_lead')
  @HttpCode(200)
  @Audit('measure.verify', { target: 'customer' })
  @ApiOperation({
    summary:
      'Verify a measure: it counts in the customer’s standing from now (the standing re-evaluates at once)',
  })
  @ApiOkResponse({ type: MeasureView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID, or kind is malformed' })
  @ApiNotFoundResponse({ description: 'No such customer' })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; the verdict is stored, retry to tell it',
  })
  verify(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('kind') kind: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<MeasureView> {
    return this.measures.judge(id, kindOf(kind), 'verified', actorLabel(p.actor));
  }

  @Post(':kind/reject')
  @Roles('abuse_desk', 'abuse_lead')
  @HttpCode(200)
  @Audit('measure.reject', { target: 'customer' })
  @ApiOperation({
    summary: 'Reject (or drop) a measure, with the reason: it no longer counts in the standing',
  })
  @ApiOkResponse({ type: MeasureView })
  @ApiBadRequestResponse({ description: 'reason is missing, or kind is malformed' })
  @ApiNotFoundResponse({ description: 'No such customer, or the customer declared no such measure' })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; the verdict is stored, retry to tell it',
  })
  reject(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('kind') kind: string,
    @Body() dto: RejectMeasureDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<MeasureView> {
    return this.measures.judge(id, kindOf(kind), 'rejected', actorLabel(p.actor), dto.reason);
  }
}
