import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import {
  CATEGORIES,
  TASK_ASSIGNEES,
  TASK_KINDS,
  TASK_STATUSES,
  type Category,
  type TaskAssignee,
  type TaskKind,
  type TaskStatus,
} from '@takedown/domain';
import { PageQuery } from '../common/page-query';

const ROLE_OR_EMAIL = new RegExp(`^(${TASK_ASSIGNEES.join('|')})$|^[^\\s@]+@[^\\s@]+$`);

export class TaskListQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'account_manager',
    description: `A role (${TASK_ASSIGNEES.join(', ')}) or the assignee's email address`,
  })
  @IsOptional()
  @Matches(ROLE_OR_EMAIL, {
    message: `assignee must be one of ${TASK_ASSIGNEES.join(', ')} or an email address`,
  })
  assignee?: string;

  @ApiPropertyOptional({
    example: 'me',
    description: 'Only the tasks assigned to this person: `me` (the caller) or a subject of GET /v1/people',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  assignedTo?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the tasks of this notice' })
  @IsOptional()
  @IsUUID()
  notice?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the tasks of this termination case' })
  @IsOptional()
  @IsUUID()
  case?: string;
}

export class CompleteTaskDto {
  @ApiProperty({ example: 'customer_contacted', description: 'One of the outcomes the task’s kind allows' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  outcome: string;

  @ApiPropertyOptional({
    example: 'am:a.jansen',
    deprecated: true,
    description: 'Ignored: the actor is the signed-in principal. Kept so that older clients still work.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string;

  @ApiPropertyOptional({ example: 'Called the customer; removal promised within the hour', maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  note?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for attribute → attributed: the customer' })
  @IsOptional()
  @IsUUID()
  customerId?: string;
}

export class TaskCustomerView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C-1001' }) reference: string;
  @ApiProperty() name: string;
}

export class TaskNoticeView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CATEGORIES }) category: Category;
  @ApiProperty() state: string;
  @ApiPropertyOptional({ nullable: true, type: String }) deadline: string | null;
  @ApiPropertyOptional({ type: TaskCustomerView, nullable: true }) customer: TaskCustomerView | null;
}

export class TaskCaseView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'legal_review' }) status: string;
  @ApiPropertyOptional({ type: TaskCustomerView, nullable: true }) customer: TaskCustomerView | null;
}

export class TaskView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: TASK_KINDS }) kind: TaskKind;
  @ApiProperty({ enum: TASK_ASSIGNEES }) assignee: TaskAssignee;
  @ApiProperty({ example: 'am.jansen@provider.example' }) assigneeEmail: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'oidc:4b1f0c2e-am-a.jansen',
    description: 'The person the task is assigned to (a subject of GET /v1/people); `assignee` is the role',
  })
  assignedTo: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'A. Jansen', description: 'Their name then' })
  assignedToName: string | null;
  @ApiProperty({ enum: TASK_STATUSES }) status: TaskStatus;
  @ApiPropertyOptional({ nullable: true, type: String }) outcome: string | null;
  @ApiProperty({ type: [String], example: ['acknowledged', 'customer_contacted', 'request_suspension'] })
  allowedOutcomes: string[];
  @ApiProperty() summary: string;
  @ApiProperty() dueAt: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When completed or cancelled' })
  completedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) completedBy: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The note, or why it was cancelled' })
  note: string | null;
  @ApiPropertyOptional({
    type: TaskNoticeView,
    nullable: true,
    description: 'The notice the task is about (null for a termination case’s task)',
  })
  notice: TaskNoticeView | null;
  @ApiPropertyOptional({
    type: TaskCaseView,
    nullable: true,
    description: 'The termination case the task is about (legal review, decommissioning)',
  })
  terminationCase: TaskCaseView | null;
}

export class TaskPage {
  @ApiProperty({ type: [TaskView] }) items: TaskView[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
