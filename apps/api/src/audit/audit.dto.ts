import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../common/page-query';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'notice:0b6f6f0e-2c1a-4a57-9d7e-3f2b1c0d9e8a',
    description: '`type:id` (notice, task, customer, termination, …), or an id alone for any type',
  })
  @IsOptional()
  @MaxLength(300)
  target?: string;

  @ApiPropertyOptional({
    example: 'token:3f2a9c1e-…',
    description: '`kind:id` (token, oidc, link, cli, workflow, system), or an id alone for any kind',
  })
  @IsOptional()
  @MaxLength(300)
  actor?: string;

  @ApiPropertyOptional({
    example: 'task.complete',
    description: 'An action, or a prefix ending in `.*` (`workflow.notice.*`)',
  })
  @IsOptional()
  @Matches(/^[a-z0-9_.]+(\.\*)?$/, {
    message: 'action must be dotted lower-case words, optionally ending in .*',
  })
  @MaxLength(200)
  action?: string;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', description: 'From this time (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-02-01T00:00:00Z', description: 'Before this time (exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditActorView {
  @ApiProperty({ enum: ['token', 'oidc', 'link', 'cli', 'workflow', 'system'] }) kind: string;
  @ApiProperty({ example: '3f2a9c1e-5b7d-4e0a-9c1f-2d3e4f5a6b7c' }) id: string;
  @ApiProperty({ example: 'desk integration' }) name: string;
}

export class AuditTargetView {
  @ApiProperty({ example: 'notice' }) type: string;
  @ApiProperty({ example: '0b6f6f0e-2c1a-4a57-9d7e-3f2b1c0d9e8a' }) id: string;
}

export class AuditEntryView {
  @ApiProperty({ example: '1042', description: 'Position in the chain (a bigint, as text)' }) id: string;
  @ApiProperty({ example: '2026-01-15T09:30:12.345Z' }) at: string;
  @ApiProperty({ type: AuditActorView }) actor: AuditActorView;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'abuse_desk' }) role: string | null;
  @ApiProperty({ example: 'task.complete' }) action: string;
  @ApiPropertyOptional({ nullable: true, type: AuditTargetView }) target: AuditTargetView | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'b1946ac9-2f3e-4d5c-8a7b-6c5d4e3f2a1b' })
  requestId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '192.0.2.10' }) sourceIp: string | null;
  @ApiProperty({
    example: { before: { status: 'open' }, after: { status: 'completed', outcome: 'customer_contacted' } },
    description: 'Before/after and the facts of the write; never reported content, full URLs or secrets',
  })
  summary: Record<string, unknown>;
  @ApiProperty({ description: 'SHA-256 (hex) of this row’s canonical text, which includes prevHash' })
  hash: string;
  @ApiProperty({ description: 'The hash of the row before (64 zeros for the first)' }) prevHash: string;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView] }) items: AuditEntryView[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export class AuditHeadsQuery {
  @ApiPropertyOptional({ example: '1042', description: 'Only the heads of audit rows after this id' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'after must be an audit row id (a positive whole number)' })
  after?: string;
}
