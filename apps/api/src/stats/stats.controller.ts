import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TransparencyQuery, TransparencyView } from './stats.dto';
import { StatsService, transparencyCsv } from './stats.service';
import { Roles } from '../auth/access';

@ApiTags('stats')
@Controller('v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('transparency')
  @Roles('abuse_desk', 'abuse_lead', 'legal')
  @ApiOperation({
    summary:
      'DSA Art. 15 / 24 figures over the notices received in [from, to): by category and source type, actions taken, median and p90 time to removal, % removed within 24 h, % open after 48 h, suspensions, terminations; for one customer with customer=',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: TransparencyView, description: 'JSON, or CSV with format=csv' })
  @ApiBadRequestResponse({ description: 'from or to is missing or not ISO 8601, or from is not before to' })
  async transparency(
    @Query() q: TransparencyQuery,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TransparencyView | string> {
    const figures = await this.stats.transparency(q);
    if (q.format !== 'csv') return figures;
    res.type('text/csv').header('Content-Disposition', 'attachment; filename="transparency.csv"');
    return transparencyCsv(figures);
  }
}
