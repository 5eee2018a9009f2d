import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { StandingEventDto, StandingView } from './standing.dto';
import { actorLabel, type Principal } from '@takedown/domain';
import { CurrentPrincipal, visibilityOf } from '../auth/principal';
import { StandingService } from './standing.service';
import { Roles } from '../auth/access';
import { Audit } from '../audit/audit.decorator';
import { ApiIdempotencyKey, idempotencyKeyOf } from '../common/idempotency-key';

const error = (statusCode: number, code: string, message: string) => ({
  schema: { example: { statusCode, code, message } },
});

@ApiTags('customers')
@Controller('v1/customers/:id/standing')
export class StandingController {
  constructor(private readonly standing: StandingService) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal')
  @ApiOperation({
    summary: 'A customer’s standing: level, counts in the rolling window, and its last events and changes',
  })
  @ApiOkResponse({ type: StandingView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'No such customer',
    ...error(404, 'CUSTOMER.NOT_FOUND', 'customer … does not exist'),
  })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StandingView> {
    return this.standing.get(id, visibilityOf(principal));
  }

  @Post('events')
  @Roles('abuse_desk', 'abuse_lead', 'legal')
  @Audit('standing.event', { target: 'customer' })
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Tell the standing of a refusal or bad-faith finding (a termination case at once), or of a preventive measure verified or dropped',
  })
  @ApiIdempotencyKey('Sending the same finding again with the same key (a retry) records it once')
  @ApiAcceptedResponse({ description: 'Passed on to the customer’s standing workflow' })
  @ApiBadRequestResponse({ description: 'A field is invalid; the body names it' })
  @ApiNotFoundResponse({
    description: 'No such customer',
    ...error(404, 'CUSTOMER.NOT_FOUND', 'customer … does not exist'),
  })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; retry',
    ...error(503, 'TEMPORAL.UNAVAILABLE', 'the workflow engine is unavailable, try again: …'),
  })
  async add(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: StandingEventDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') header?: string,
  ): Promise<void> {
    const idempotencyKey = idempotencyKeyOf(header);
    // A client that retries with the same key tells the standing once: the workflow drops an id it has seen.
    await this.standing.addEvent(
      id,
      dto,
      actorLabel(principal.actor),
      idempotencyKey ? `${id}:${idempotencyKey}` : randomUUID(),
    );
  }
}
