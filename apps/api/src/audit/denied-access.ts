import {
  ForbiddenException,
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { appendAudit, isDatabaseUnavailable, principalRole } from '@takedown/persistence';
import { visibilityOf } from '../auth/principal';

/** The tables behind the `…NOT_FOUND` codes a scoped caller can meet, to tell "hidden from you" from "not there". */
const TABLE_BY_CODE: Record<string, { table: string; type: string }> = {
  'NOTICE.NOT_FOUND': { table: 'notices', type: 'notice' },
  'CUSTOMER.NOT_FOUND': { table: 'customers', type: 'customer' },
  'TASK.NOT_FOUND': { table: 'tasks', type: 'task' },
  'CASE.NOT_FOUND': { table: 'termination_cases', type: 'termination_case' },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type DenialReason = 'role' | 'scope';

/**
 * Denied attempts in the audit trail (`access.denied`): who (the principal), which route (its pattern, never the
 * path a client sent, which may hold anything), what target, and why — a role the route does not allow, or a
 * scope (an account manager's customers, a source's notices) that hides the target. The request is answered as
 * it would have been either way; a row that cannot be appended is logged, not turned into another error.
 */
@Injectable()
export class DeniedAccessLog {
  private readonly logger = new Logger(DeniedAccessLog.name);

  constructor(private readonly db: DataSource) {}

  async record(
    req: FastifyRequest,
    reason: DenialReason,
    status: number,
    target: { type: string; id: string } | null,
  ): Promise<void> {
    const principal = req.principal;
    if (!principal) return;
    try {
      await appendAudit(this.db, {
        actor: principal.actor,
        role: principalRole(principal),
        requestId: req.id,
        sourceIp: req.ip,
        action: 'access.denied',
        target,
        summary: { route: `${req.method} ${routeOf(req)}`, reason, status },
      });
    } catch (err) {
      const level = isDatabaseUnavailable(err) ? 'warn' : 'error';
      this.logger[level]({ err: (err as Error).message, reason }, 'denied access not recorded');
    }
  }

  /** A 404 for a scoped caller on a target that exists: the scope hid it. Null when the target is not there. */
  async hiddenTarget(req: FastifyRequest, error: DomainError): Promise<{ type: string; id: string } | null> {
    const known = TABLE_BY_CODE[error.code];
    const id = (req.params as Record<string, unknown> | undefined)?.id;
    if (!known || typeof id !== 'string' || !UUID.test(id)) return null;
    const rows = (await this.db.query(`SELECT 1 FROM ${known.table} WHERE id = $1`, [id])) as unknown[];
    return rows.length ? { type: known.type, id } : null;
  }
}

/**
 * Records the denials that come from inside a handler: a scoped caller's 404 on a target that exists, and a
 * domain `…FORBIDDEN` (a task for another role). The roles guard records its own 403s.
 */
@Injectable()
export class DeniedAccessInterceptor implements NestInterceptor {
  constructor(private readonly denied: DeniedAccessLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          from(this.recordIfDenied(req, error)).pipe(mergeMap(() => throwError(() => error))),
        ),
      );
  }

  private async recordIfDenied(req: FastifyRequest, error: unknown): Promise<void> {
    if (!req.principal) return;
    if (
      error instanceof ForbiddenException ||
      (error instanceof DomainError && /\.FORBIDDEN$/.test(error.code))
    ) {
      return this.denied.record(req, 'role', 403, routeTarget(req));
    }
    if (!(error instanceof DomainError) || !error.code.endsWith('.NOT_FOUND')) return;
    if (visibilityOf(req.principal).all) return;
    const target = await this.denied.hiddenTarget(req, error).catch(() => null);
    if (target) await this.denied.record(req, 'scope', 404, target);
  }
}

/** The route's pattern (`/v1/notices/:id`), or the path with its segments replaced when no route matched. */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? '(no route)';
}

/** The target a route names by its `id` parameter: `/v1/tasks/:id/complete` → a `task`. */
export function routeTarget(req: FastifyRequest): { type: string; id: string } | null {
  const id = (req.params as Record<string, unknown> | undefined)?.id;
  if (typeof id !== 'string' || !UUID.test(id)) return null;
  const words = routeOf(req)
    .split('/')
    .filter((w) => w && !w.startsWith(':') && !/^v\d+$/.test(w));
  const resource = words[0] ?? 'api';
  return { type: resource.endsWith('s') ? resource.slice(0, -1) : resource, id };
}
