import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
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
import { StandingService } from './standing.service';

const error = (statusCode: number, code: string, message: string) => ({
  schema: { example: { statusCode, code, message } },
});

@ApiTags('customers')
@Controller('v1/customers/:id/standing')
export class StandingController {
  constructor(private readonly standing: StandingService) {}

  @Get()
  @ApiOperation({
    summary: 'A customer’s standing: level, counts in the rolling window, and its last events and changes',
  })
  @ApiOkResponse({ type: StandingView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'No such customer',
    ...error(404, 'CUSTOMER.NOT_FOUND', 'customer … does not exist'),
  })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<StandingView> {
    return this.standing.get(id);
  }

  @Post('events')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Tell the standing of a refusal or bad-faith finding (a termination case at once), or of a preventive measure verified or dropped',
  })
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
  async add(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: StandingEventDto): Promise<void> {
    await this.standing.addEvent(id, dto, randomUUID());
  }
}
