import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@takedown/domain';
import type { SignedTerminationReport } from '@takedown/reports';
import { Audit } from '../audit/audit.decorator';
import { TerminationReportService } from './report.service';
import {
  OpenTerminationDto,
  TerminationListQuery,
  TerminationPage,
  TerminationView,
  WithdrawTerminationDto,
} from './termination.dto';
import { TerminationsService } from './terminations.service';
import { Roles } from '../auth/access';
import { CurrentPrincipal } from '../auth/principal';

const error = (statusCode: number, code: string, message: string) => ({
  schema: { example: { statusCode, code, message } },
});

@ApiTags('terminations')
@Controller('v1/terminations')
export class TerminationsController {
  constructor(
    private readonly terminations: TerminationsService,
    private readonly reports: TerminationReportService,
  ) {}

  @Post()
  @Roles('abuse_lead', 'legal')
  @ApiOperation({
    summary: 'Legal opens a termination case for a customer; it starts with legal’s review task',
  })
  @ApiCreatedResponse({ type: TerminationView })
  @ApiBadRequestResponse({ description: 'A field is invalid, or the customer does not exist' })
  @ApiConflictResponse({
    description: 'The customer has a case running, or is terminated',
    ...error(409, 'CASE.ALREADY_RUNNING', 'customer … has a termination case running'),
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; nothing was stored, retry' })
  open(@Body() dto: OpenTerminationDto, @CurrentPrincipal() principal: Principal): Promise<TerminationView> {
    return this.terminations.open(dto, principal);
  }

  @Get()
  @Roles('abuse_lead', 'legal')
  @ApiOperation({ summary: 'Termination cases, newest first, by status and customer, paginated' })
  @ApiOkResponse({ type: TerminationPage })
  @ApiBadRequestResponse({
    description: 'A filter is invalid; the body names it',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'status: status must be one of the following values: …',
        fields: [{ field: 'status', problems: ['status must be one of the following values: …'] }],
      },
    },
  })
  list(@Query() query: TerminationListQuery): Promise<TerminationPage> {
    return this.terminations.list(query);
  }

  @Get(':id')
  @Roles('abuse_lead', 'legal')
  @ApiOperation({ summary: 'A termination case with its timeline' })
  @ApiOkResponse({ type: TerminationView })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<TerminationView> {
    return this.terminations.get(id);
  }

  @Get(':id/report.json')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.report.json')
  @ApiOperation({
    summary:
      'The termination report for machines: customer, contract, standing history, every notice with its timestamps, decisions, and a SHA-256 digest over the canonical JSON',
    description:
      'No reported content: URLs only as host and SHA-256 of the path. Verify with `takedown verify-report FILE`.',
  })
  @ApiOkResponse({ description: 'The signed report' })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  reportJson(@Param('id', new ParseUUIDPipe()) id: string): Promise<SignedTerminationReport> {
    return this.reports.json(id);
  }

  @Get(':id/report.pdf')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.report.pdf')
  @ApiOperation({
    summary:
      'The termination report for people (PDF): title page, summary and chart, notices, timeline, decision log',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The report as PDF' })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  async reportPdf(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    const pdf = await this.reports.pdf(id);
    res
      .status(200)
      .type('application/pdf')
      .set('Content-Disposition', `attachment; filename="termination-${id}.pdf"`)
      .send(pdf);
  }

  @Post(':id/withdraw')
  @Roles('legal')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Legal withdraws the case (the customer remedied); possible until decommissioning',
  })
  @ApiAcceptedResponse({ description: 'The case’s workflow was told' })
  @ApiNotFoundResponse({ description: 'No such case' })
  @ApiConflictResponse({
    description: 'The case is past the point of withdrawal, or has ended',
    ...error(409, 'CASE.ALREADY_DECOMMISSIONING', 'the case is decommissioning: …'),
  })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unavailable; retry' })
  async withdraw(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: WithdrawTerminationDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.terminations.withdraw(id, dto, principal);
  }
}
