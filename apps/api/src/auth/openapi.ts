import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Writes each operation's roles (its `x-roles`, set by `@Roles` / `@Public`) into its description too, so that
 * people reading Swagger UI see who may call a route without reading extensions.
 */
export function describeRoles(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as { 'x-roles'?: string[]; description?: string }[]) {
      const roles = op?.['x-roles'];
      if (!Array.isArray(roles)) continue;
      const line =
        roles[0] === 'public'
          ? 'Public: no token needed.'
          : `Roles: ${roles.map((r) => `\`${r}\``).join(', ')}.`;
      op.description = op.description ? `${op.description}\n\n${line}` : line;
    }
  }
  return document;
}
