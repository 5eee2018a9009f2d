import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  type StreamableFile,
} from '@nestjs/common';
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
import type { FastifyReply } from 'fastify';
import { actorLabel, type Principal } from '@takedown/domain';
import { Audit } from '../audit/audit.decorator';
import { TerminationReportService } from './report.service';
import { ReportSnapshotView } from './report-snapshot.dto';
import { jsonFile, pdfFile } from './snapshot-files';
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
      'The case’s current report snapshot for machines: customer, contract, standing history, every notice with its timestamps, decisions, a SHA-256 digest over the canonical JSON and an Ed25519 signature',
    description:
      'The latest snapshot, or a new one when the evidence changed since (GET /v1/terminations/:id/reports lists ' +
      'them). No reported content: URLs only as host and SHA-256 of the path. Verify with `takedown verify-report FILE`.',
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The signed report' })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  async reportJson(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    const { snapshot } = await this.reports.current(id, actorLabel(principal.actor));
    return jsonFile(snapshot);
  }

  @Get(':id/report.pdf')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.report.pdf')
  @ApiOperation({
    summary:
      'The case’s current report snapshot for people (PDF): title page with the JSON’s digest, summary and chart, notices, timeline, decision log',
    description:
      'The same snapshot as report.json: the PDF prints the digest of that JSON, and carries the signature.',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The report as PDF' })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  async reportPdf(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    const { snapshot } = await this.reports.current(id, actorLabel(principal.actor));
    return pdfFile(snapshot);
  }

  @Post(':id/reports')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.report.snapshot')
  @ApiOperation({
    summary: 'Takes a report snapshot of the case now: signed, stored for good',
    description:
      'When nothing changed since the latest snapshot, that one is answered (200) instead of a copy (201).',
  })
  @ApiCreatedResponse({ type: ReportSnapshotView, description: 'A new snapshot' })
  @ApiOkResponse({ type: ReportSnapshotView, description: 'The evidence is unchanged: the latest snapshot' })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  async takeSnapshot(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ReportSnapshotView> {
    const { snapshot, created } = await this.reports.current(id, actorLabel(principal.actor));
    res.status(created ? 201 : 200);
    return ReportSnapshotView.of(snapshot);
  }

  @Get(':id/reports')
  @Roles('abuse_lead', 'legal')
  @ApiOperation({ summary: 'The case’s report snapshots, newest first' })
  @ApiOkResponse({ type: [ReportSnapshotView] })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  async snapshots(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReportSnapshotView[]> {
    return (await this.reports.list(id)).map((s) => ReportSnapshotView.of(s));
  }

  @Get(':id/reports/:snapshotId/report.json')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.report.json')
  @ApiOperation({ summary: 'One report snapshot’s JSON, byte for byte as stored' })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The signed report' })
  @ApiNotFoundResponse({
    description: 'No such case, or no such snapshot of it',
    ...error(404, 'REPORT.NOT_FOUND', 'termination case … has no report snapshot …'),
  })
  async snapshotJson(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('snapshotId', new ParseUUIDPipe()) snapshotId: string,
  ): Promise<StreamableFile> {
    return jsonFile(await this.reports.get(id, snapshotId));
  }

  @Get(':id/reports/:snapshotId/report.pdf')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.report.pdf')
  @ApiOperation({
    summary: 'One report snapshot’s PDF, byte for byte as stored, its signature on the last line',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The report as PDF' })
  @ApiNotFoundResponse({
    description: 'No such case, or no such snapshot of it',
    ...error(404, 'REPORT.NOT_FOUND', 'termination case … has no report snapshot …'),
  })
  async snapshotPdf(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('snapshotId', new ParseUUIDPipe()) snapshotId: string,
  ): Promise<StreamableFile> {
    return pdfFile(await this.reports.get(id, snapshotId));
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
