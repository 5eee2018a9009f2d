import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '@takedown/domain';

export const CONSOLE_AREAS = [
  'queue',
  'tasks',
  'orders',
  'customers',
  'terminations',
  'transparency',
  'audit',
] as const;
export type ConsoleArea = (typeof CONSOLE_AREAS)[number];

export class MeView {
  @ApiProperty({
    example: 'token:3f2a9c1e-…',
    description: 'Who the API records as the actor of your actions',
  })
  subject: string;
  @ApiProperty({ enum: ROLES, description: 'The role the console is shown for (the first of `roles`)' })
  role: Role;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ example: 'desk laptop', description: 'The token’s name, or the OIDC name or email' })
  label: string;
  @ApiProperty({
    enum: CONSOLE_AREAS,
    isArray: true,
    description:
      'The parts of the console whose routes these roles may call (from the routes’ own role rules)',
  })
  areas: ConsoleArea[];
  @ApiProperty({
    description:
      'Whether these roles may act on a notice (POST /v1/notices/{id}/actions/{action}); else the console shows none',
  })
  actsOnNotices: boolean;
}
