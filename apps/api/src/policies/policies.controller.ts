import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DEFAULT_POLICY } from '@takedown/domain';
import { Roles } from '../auth/access';
import { PoliciesService } from './policies.service';
import { CreatePolicyDto, PolicyListView, PolicyQueryDto, PolicyVersionView, PolicyView } from './policy.dto';

const notFound = {
  description: 'No such profile, or no such version of it (or none in force yet, for `current`)',
  schema: {
    example: {
      statusCode: 404,
      code: 'POLICY.NOT_FOUND',
      message: 'policy default has no version 9',
      field: 'version',
    },
  },
};

/**
 * Timer policies as data: each profile (a contract's `policyProfile`) is a line of versions, each taking effect at
 * its time. A notice is pinned to the version in force when it was received, so a new version changes new notices
 * only. Read by those who answer for the timers; written by admins (the CLI writes through the same path).
 */
@ApiTags('policies')
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get()
  @Roles('abuse_lead', 'legal')
  @ApiOperation({
    summary: 'Every policy profile: its versions, when each takes effect, who made it, which is in force',
  })
  @ApiOkResponse({ type: PolicyListView })
  list(): Promise<PolicyListView> {
    return this.policies.list();
  }

  @Get(':id')
  @Roles('abuse_lead', 'legal')
  @ApiOperation({
    summary: 'A policy profile with its versions and their timers; ?version=N or ?version=current for one',
  })
  @ApiOkResponse({ type: PolicyView })
  @ApiBadRequestResponse({
    description: 'version is neither a number nor `current`',
    schema: {
      example: {
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'version: version must be a version number or "current"',
      },
    },
  })
  @ApiNotFoundResponse(notFound)
  get(@Param('id') id: string, @Query() query: PolicyQueryDto): Promise<PolicyView> {
    return this.policies.get(id, query.version);
  }

  @Post()
  @Roles()
  @ApiOperation({
    summary:
      'Add the next version of a policy profile (or start a profile), in effect from effectiveFrom (default now)',
    description:
      'Every category covered, no unknown category or field, ISO 8601 durations of a fixed length, reminders ascending ' +
      'and before the deadline, a last call shorter than the deadline, no removal probe of csam or terrorist_content; ' +
      'effectiveFrom not in the past nor before the ' +
      'latest version’s. Every problem is named in one 400 (`fields`); nothing is stored then. Audited as ' +
      '`policy.create` with the caller as actor.',
  })
  @ApiBody({
    type: CreatePolicyDto,
    examples: {
      'shorter phishing deadline': {
        value: {
          id: 'default',
          effectiveFrom: '2027-01-01T00:00:00Z',
          categories: { ...DEFAULT_POLICY.categories, phishing: { reminders: ['PT12H'], deadline: 'PT24H' } },
        },
      },
    },
  })
  @ApiCreatedResponse({ type: PolicyVersionView, description: 'The version stored' })
  @ApiBadRequestResponse({
    description: 'The policy breaks a rule; `fields` names every field that does, by its path',
    schema: {
      example: {
        statusCode: 400,
        code: 'POLICY.INVALID',
        message:
          'categories.csam.reminders[1]: "PT30H" must be before the deadline ("PT24H"); categories.spam: is required',
        field: 'categories.csam.reminders[1]',
        fields: [
          {
            field: 'categories.csam.reminders[1]',
            problems: ['"PT30H" must be before the deadline ("PT24H")'],
          },
          { field: 'categories.spam', problems: ['is required'] },
        ],
      },
    },
  })
  create(@Body() dto: CreatePolicyDto): Promise<PolicyVersionView> {
    return this.policies.create(dto);
  }
}
