import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

export class PersonView {
  @ApiProperty({
    example: 'oidc:4b1f0c2e-desk-j.devries',
    description: 'Who the person is, as the audit trail names actors: `token:<id>` or `oidc:<subject>`',
  })
  subject: string;
  @ApiProperty({ example: 'J. de Vries' }) name: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'abuse_desk' }) role: string | null;
  @ApiProperty({ enum: ['token', 'oidc'] }) kind: 'token' | 'oidc';
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When the API last saw it' })
  lastSeenAt: string | null;
}

/** The body of the assignee routes of notices and tasks. */
export class AssignDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'oidc:4b1f0c2e-desk-j.devries',
    description: 'A person’s subject (GET /v1/people), or null to take the assignment away',
  })
  @IsDefined()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  assignee: string | null;
}
