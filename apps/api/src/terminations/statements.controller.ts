import { Controller, Get, Param, ParseUUIDPipe, Query, Res, type StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Audit } from '../audit/audit.decorator';
import { Roles } from '../auth/access';
import { ReportSnapshotView } from './report-snapshot.dto';
import { jsonFile, pdfFile } from './snapshot-files';
import { StatementsService } from './statements.service';

const error = (statusCode: number, code: string, message: string) => ({
  schema: { example: { statusCode, code, message } },
});

export class StatementExportQuery {
  @ApiProperty({ example: '2026-01-01T00:00:00Z', description: 'Statements made from this time (inclusive)' })
  @IsISO8601({ strict: true })
  from: string;

  @ApiProperty({
    example: '2027-01-01T00:00:00Z',
    description: 'Statements made before this time (exclusive)',
  })
  @IsISO8601({ strict: true })
  to: string;
}

/**
 * Statements of reasons (DSA Art. 17): each termination's, made by the worker when the formal notice goes out and
 * attached to it; signed snapshots like the termination reports.
 */
@ApiTags('terminations')
@Controller()
export class StatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get('v1/terminations/:id/statements')
  @Roles('abuse_lead', 'legal')
  @ApiOperation({ summary: 'The case’s statements of reasons (DSA Art. 17), newest first' })
  @ApiOkResponse({ type: [ReportSnapshotView] })
  @ApiNotFoundResponse({
    description: 'No such case',
    ...error(404, 'CASE.NOT_FOUND', 'termination case … does not exist'),
  })
  async list(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReportSnapshotView[]> {
    return (await this.statements.list(id)).map((s) => ReportSnapshotView.of(s));
  }

  @Get('v1/terminations/:id/statements/:snapshotId/statement.json')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.statement.json', { target: 'termination' })
  @ApiOperation({ summary: 'A statement of reasons as JSON, byte for byte as stored and sent' })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The signed statement' })
  @ApiNotFoundResponse({
    description: 'No such statement of the case',
    ...error(404, 'STATEMENT.NOT_FOUND', 'termination case … has no statement of reasons …'),
  })
  async json(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('snapshotId', new ParseUUIDPipe()) snapshotId: string,
  ): Promise<StreamableFile> {
    return jsonFile(await this.statements.get(id, snapshotId), 'statement-of-reasons');
  }

  @Get('v1/terminations/:id/statements/:snapshotId/statement.pdf')
  @Roles('abuse_lead', 'legal')
  @Audit('termination.statement.pdf', { target: 'termination' })
  @ApiOperation({
    summary: 'A statement of reasons as the PDF the customer received, its signature on the last line',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The statement as PDF' })
  @ApiNotFoundResponse({
    description: 'No such statement of the case',
    ...error(404, 'STATEMENT.NOT_FOUND', 'termination case … has no statement of reasons …'),
  })
  async pdf(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('snapshotId', new ParseUUIDPipe()) snapshotId: string,
  ): Promise<StreamableFile> {
    return pdfFile(await this.statements.get(id, snapshotId), 'statement-of-reasons');
  }

  @Get('v1/statements-of-reasons/transparency-db.jsonl')
  @Roles('legal')
  @ApiOperation({
    summary: 'The statements of reasons made in a period, in the EU Transparency Database’s statement shape',
    description:
      'One statement a line (JSON lines): decision_provision, decision_ground, the legal or contractual ground and ' +
      'explanation (500 and 2,000 characters at most), content_type, category and category_specification, ' +
      'territorial_scope, decision_facts (5,000 at most), source_type, automated_detection, automated_decision, ' +
      'content_date, application_date and a unique puid. No customer names, no URLs.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'JSON lines' })
  @ApiBadRequestResponse({
    description: 'from or to is missing or not an ISO 8601 time; the body names it',
    ...error(400, 'REQUEST.INVALID', 'from: from must be a valid ISO 8601 date string'),
  })
  async export(@Query() query: StatementExportQuery, @Res() res: FastifyReply): Promise<void> {
    const lines = await this.statements.transparencyDbLines(new Date(query.from), new Date(query.to));
    res.status(200).type('application/x-ndjson').send(lines);
  }
}
