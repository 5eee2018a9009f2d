import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CompleteTaskDto, TaskListQuery, TaskPage, TaskView } from './task.dto';
import { actorLabel, type Principal } from '@takedown/domain';
import { AssignDto } from '../people/people.dto';
import { CurrentPrincipal, visibilityOf } from '../auth/principal';
import { TasksService } from './tasks.service';
import { Roles } from '../auth/access';

const error = (statusCode: number, code: string, message: string, field?: string) => ({
  schema: { example: { statusCode, code, message, ...(field ? { field } : {}) } },
});

@ApiTags('tasks')
@Controller('v1/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @ApiOperation({
    summary: 'Tasks, filtered by assignee (role or email), status and notice; soonest due first',
  })
  @ApiOkResponse({ type: TaskPage })
  @ApiBadRequestResponse({
    description: 'A filter is invalid; the body names it',
    ...error(400, 'REQUEST.INVALID', 'limit: limit must not be greater than 200'),
  })
  list(@Query() query: TaskListQuery, @CurrentPrincipal() principal: Principal): Promise<TaskPage> {
    return this.tasks.list(query, visibilityOf(principal), actorLabel(principal.actor));
  }

  @Get(':id')
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @ApiOperation({
    summary: 'A task: what it asks, about which notice and customer, when due, which outcomes it takes',
  })
  @ApiOkResponse({ type: TaskView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({
    description: 'No such task',
    ...error(404, 'TASK.NOT_FOUND', 'task … does not exist'),
  })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TaskView> {
    return this.tasks.get(id, visibilityOf(principal));
  }

  @Post(':id/assignee')
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Assign the task to a person (or, with null, to nobody); on its notice’s timeline and in the audit trail',
    description: 'Whoever may see the task may assign it; an account manager the tasks it sees only.',
  })
  @ApiOkResponse({ type: TaskView, description: 'The task as it now stands' })
  @ApiBadRequestResponse({
    description: 'The assignee is not a known person (GET /v1/people)',
    ...error(400, 'PERSON.UNKNOWN', 'assignee: no person is known as oidc:nobody', 'assignee'),
  })
  @ApiNotFoundResponse({
    description: 'No such task',
    ...error(404, 'TASK.NOT_FOUND', 'task … does not exist'),
  })
  assign(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: AssignDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TaskView> {
    return this.tasks.assign(id, dto.assignee, principal);
  }

  @Post(':id/complete')
  @Roles('abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Complete an open task with one of its outcomes; the notice’s workflow is told before this answers',
    description:
      'Only the role the task is assigned to may complete it (the abuse lead also the desk’s and account ' +
      'managers’ tasks, an admin any): otherwise 403 TASK.FORBIDDEN. An account manager sees, and completes, the ' +
      'tasks addressed to it and those about its customers only.',
  })
  @ApiOkResponse({ type: TaskView, description: 'The completed task' })
  @ApiBadRequestResponse({
    description:
      'The outcome is not one the task’s kind allows, or customerId is missing for attribute → attributed',
    ...error(
      400,
      'TASK.INVALID_OUTCOME',
      'outcome must be one of accept, reject for a dispute_review task',
      'outcome',
    ),
  })
  @ApiNotFoundResponse({
    description: 'No such task',
    ...error(404, 'TASK.NOT_FOUND', 'task … does not exist'),
  })
  @ApiConflictResponse({
    description: 'The task is not open (completed, or cancelled because its notice closed)',
    ...error(409, 'TASK.ALREADY_COMPLETED', 'task … is completed already'),
  })
  @ApiServiceUnavailableResponse({
    description: 'Temporal is unavailable; the task stays open, retry',
    ...error(503, 'TEMPORAL.UNAVAILABLE', 'the workflow engine is unavailable, try again: …'),
  })
  complete(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CompleteTaskDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TaskView> {
    return this.tasks.complete(id, {
      outcome: dto.outcome,
      note: dto.note,
      customerId: dto.customerId,
      principal,
    });
  }
}
