import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@takedown/domain';
import { Roles } from '../auth/access';
import {
  TcoReportQuery,
  TcoReportView,
  TransparencyReportQuery,
  TransparencyReportView,
} from './transparency-report.dto';
import { sectionCsv, tcoCsv, TransparencyReportService } from './transparency-report.service';

@ApiTags('stats')
@Controller('v1/reports')
export class TransparencyReportController {
  constructor(private readonly reports: TransparencyReportService) {}

  @Get('transparency')
  @Roles('abuse_lead', 'legal')
  @ApiOperation({
    summary:
      'The yearly DSA Art. 15 report (Implementing Regulation (EU) 2024/2835): removal orders by Member State, Art. 16 notices by category and notifier kind (trusted flaggers apart), own-initiative actions; actions on the law or the terms, median times; appeals; the use of automated means. JSON, or one section as CSV',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: TransparencyReportView, description: 'JSON, or one section as CSV with format=csv' })
  @ApiBadRequestResponse({
    description: 'year is missing or not a whole number from 2000 to 9999; csv without section',
  })
  async transparency(
    @Query() q: TransparencyReportQuery,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TransparencyReportView | string> {
    if (q.format === 'csv' && !q.section) {
      throw new DomainError('REQUEST.INVALID', 'section is required with format=csv', 'section');
    }
    const report = await this.reports.year(q.year);
    if (q.format !== 'csv') return report;
    const name = `transparency-${q.year}-${q.section}.csv`;
    res.type('text/csv').header('Content-Disposition', `attachment; filename="${name}"`);
    return sectionCsv(report, q.section!);
  }

  @Get('tco')
  @Roles('legal')
  @ApiOperation({
    summary:
      'The yearly figures of the TCO Regulation (EU) 2021/784 Art. 7(2): removal orders received, executed (and the items removed or disabled), not executed and why; content providers’ complaints (Art. 10) by outcome and the restorations they led to. JSON, or CSV',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: TcoReportView, description: 'JSON, or one figure a line as CSV with format=csv' })
  @ApiBadRequestResponse({ description: 'year is missing or not a whole number from 2000 to 9999' })
  async tco(
    @Query() q: TcoReportQuery,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TcoReportView | string> {
    const report = await this.reports.tco(q.year);
    if (q.format !== 'csv') return report;
    res.type('text/csv').header('Content-Disposition', `attachment; filename="tco-${q.year}.csv"`);
    return tcoCsv(report);
  }
}
