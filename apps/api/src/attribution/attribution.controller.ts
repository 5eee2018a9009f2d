import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { attribute } from '@takedown/persistence';
import { ATTRIBUTION_EXAMPLE, AttributionQueryDto, AttributionView } from './attribution.dto';
import { Roles } from '../auth/access';

@ApiTags('attribution')
@Controller('v1/attribution')
export class AttributionController {
  constructor(private readonly db: DataSource) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'legal', 'noc')
  @ApiOperation({
    summary: 'Whose address is this? The customer of the most specific prefix containing the IP at a moment',
    description:
      'Answers 200 with status "unattributed" (and an empty chain) when no assignment contains the address then.',
  })
  @ApiOkResponse({
    type: AttributionView,
    examples: {
      attributed: { summary: 'An end customer inside a reseller block', value: ATTRIBUTION_EXAMPLE },
      unattributed: {
        summary: 'Nobody held the address then',
        value: {
          status: 'unattributed',
          ip: '192.0.2.1',
          at: '2026-11-20T08:14:00.000Z',
          customer: null,
          prefix: null,
          chain: [],
        },
      },
    },
  })
  @ApiBadRequestResponse({
    description:
      'The ip is not an address (hostnames included) or at is not ISO 8601; the body names the field',
    schema: {
      example: {
        statusCode: 400,
        code: 'IP.INVALID',
        message: 'ip: not an IPv4 or IPv6 address',
        field: 'ip',
      },
    },
  })
  get(@Query() query: AttributionQueryDto): Promise<AttributionView> {
    return attribute(this.db, query.ip, query.at ? new Date(query.at) : new Date());
  }
}
