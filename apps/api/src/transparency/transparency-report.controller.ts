import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '@takedown/domain';
import { Roles } from '../auth/access';
import { TransparencyReportQuery, TransparencyReportView } from './transparency-report.dto';
import { sectionCsv, TransparencyReportService } from './transparency-report.service';

@ApiTags('stats')
@Controller('v1/reports')
export class TransparencyReportController {
  constructor(private readonly reports: TransparencyReportService) {}

  @Get('transparency')
  @Roles('abuse_lead', 'legal')
  @ApiOperation({
    summary:
      'The yearly DSA Art. 15 report (Implementing Regulation (EU) 2024/2835): removal orders by Member State, Art. 16 notices by category and notifier kind (trusted flaggers apart), own-initiative actions; actions on the law or the terms, median times. JSON, or one section as CSV',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: TransparencyReportView, description: 'JSON, or one section as CSV with format=csv' })
  @ApiBadRequestResponse({
    description: 'year is missing or not a whole number from 2000 to 9999; csv without section',
  })
  async transparency(
    @Query() q: TransparencyReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TransparencyReportView | string> {
    if (q.format === 'csv' && !q.section) {
      throw new DomainError('REQUEST.INVALID', 'section is required with format=csv', 'section');
    }
    const report = await this.reports.year(q.year);
    if (q.format !== 'csv') return report;
    const name = `transparency-${q.year}-${q.section}.csv`;
    res.type('text/csv').set('Content-Disposition', `attachment; filename="${name}"`);
    return sectionCsv(report, q.section!);
  }
}
