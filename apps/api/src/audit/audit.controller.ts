import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { listAuditHeads } from '@takedown/persistence';
import { Roles } from '../auth/access';
import { AuditHeadsQuery, AuditPage, AuditQuery } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly db: DataSource,
  ) {}

  @Get()
  @Roles('legal')
  @ApiOperation({
    summary: 'The audit trail: every write, by whom, from where, on what; newest first',
    description:
      'Each row carries the SHA-256 of the row before it; `takedown audit verify` checks the whole chain. ' +
      'Filters combine: target (`type:id` or an id), actor (`kind:id` or an id), action (exact, or a prefix ' +
      'ending in `.*`), from (inclusive) and to (exclusive).',
  })
  @ApiOkResponse({ type: AuditPage })
  @ApiBadRequestResponse({
    description: 'A filter is invalid; the body names it',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'from: from must be a valid ISO 8601 date string',
      },
    },
  })
  list(@Query() query: AuditQuery): Promise<AuditPage> {
    return this.audit.list(query);
  }

  @Get('heads')
  @Roles('legal')
  @ApiOperation({
    summary: 'The audit chain’s signed heads, one JSON object a line, oldest first',
    description:
      'What the audit-head schedule signed with AUDIT_HEAD_KEY at each interval when the chain had grown. Keep a copy ' +
      'outside the database: `takedown audit verify --heads FILE` then finds rows changed or cut after the export. ' +
      '`after`: only heads of rows after that audit row id (for incremental copies).',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'JSON lines: `{"id","hash","at","mac"}`' })
  @ApiBadRequestResponse({
    description: 'after is not a row id',
    schema: { example: { statusCode: 400, code: 'REQUEST.INVALID', message: 'after: after must be …' } },
  })
  async heads(@Query() query: AuditHeadsQuery, @Res() res: FastifyReply): Promise<void> {
    const heads = await listAuditHeads(this.db, { after: query.after });
    res
      .status(200)
      .type('application/x-ndjson')
      .send(heads.map((h) => `${JSON.stringify(h)}\n`).join(''));
  }
}
