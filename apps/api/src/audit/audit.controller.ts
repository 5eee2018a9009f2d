import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access';
import { AuditPage, AuditQuery } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

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
}
