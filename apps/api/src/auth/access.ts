import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '@takedown/domain';

/**
 * Every route states who may call it: `@Roles(...)` or `@Public()`, on the method or its controller. The global
 * guard refuses a route that states neither, and the route-table test fails on it, so a new route cannot be
 * reachable by accident.
 */
export const ACCESS_RULE = 'takedown:access-rule';

export type AccessRule = { public: true } | { public: false; roles: Role[] };

/** The roles that may call the route. `admin` may call every route and is added here. */
export function Roles(...roles: Exclude<Role, 'admin'>[]): MethodDecorator & ClassDecorator {
  const allowed: Role[] = ['admin', ...roles];
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { public: false, roles: allowed } satisfies AccessRule),
    ApiBearerAuth(),
    ApiExtension('x-roles', allowed),
    ApiUnauthorizedResponse({
      description: 'No token, or a malformed, unknown, expired or revoked one (WWW-Authenticate: Bearer)',
      schema: {
        example: { statusCode: 401, code: 'AUTH.UNAUTHENTICATED', message: 'the token has expired' },
      },
    }),
    ApiForbiddenResponse({
      description: `The token's role may not call this route; it needs one of: ${allowed.join(', ')}`,
      schema: {
        example: {
          statusCode: 403,
          code: 'AUTH.FORBIDDEN',
          message: `this route needs one of the roles ${allowed.join(', ')}`,
          requiredRoles: allowed,
        },
      },
    }),
  );
}

/** No token needed: health, metrics, the pages behind signed links (the link is the credential), the dev mailbox. */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { public: true } satisfies AccessRule),
    ApiExtension('x-roles', ['public']),
  );
}
