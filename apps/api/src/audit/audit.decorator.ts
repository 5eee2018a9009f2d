import { SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export const AUDIT_SPEC = 'takedown:audit';

export interface AuditSpec {
  /** Dotted action; a function when it depends on the route (`notice.<action>`). */
  action: string | ((req: FastifyRequest) => string);
  /** The target's type; default: the controller's resource (`v1/notices` → `notice`). */
  target?: string | null;
  /** The route parameter that holds the target's id (default `id`); else the response's `id`. */
  param?: string;
  /** Append the route's row even when services appended rows of their own (a batch: its counts). */
  always?: boolean;
}

/**
 * Names what a write route does in the audit trail. Without it the global AuditInterceptor derives the action from
 * the controller and handler (`v1/terminations` + `withdraw` → `termination.withdraw`); with `target: null` the row
 * has no target (an import of many customers).
 */
export const Audit = (action: AuditSpec['action'], opts: Omit<AuditSpec, 'action'> = {}) =>
  SetMetadata(AUDIT_SPEC, { action, ...opts } satisfies AuditSpec);
