import {
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, concatMap } from 'rxjs';
import { DataSource } from 'typeorm';
import {
  appendAudit,
  isDatabaseUnavailable,
  ANONYMOUS,
  principalRole,
  runAudited,
  type AuditContext,
} from '@takedown/persistence';
import { AUDIT_SPEC, type AuditSpec } from './audit.decorator';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Request fields worth keeping: what was decided, not what was reported (no URLs, descriptions, evidence). */
const REQUEST_FIELDS = [
  'outcome',
  'kind',
  'category',
  'type',
  'measure',
  'status',
  'customerId',
  'reason',
  'by',
];
/** Response fields that say what the write produced. */
const RESULT_FIELDS = [
  'id',
  'state',
  'status',
  'outcome',
  'level',
  'kind',
  'category',
  'customerId',
  'rows',
  'created',
  'existing',
  'updated',
  'unchanged',
  'rejected',
];

/**
 * The audit trail of API writes, and of the reads marked `@Audit` (a report issued). Each runs inside an audit context (actor from the principal the
 * auth guard set, request id, source IP), so that services append rows with before/after in the transaction of
 * the write (`recordAudit`). When a request succeeds and no service described it, this appends one row for it:
 * the action from `@Audit` or the route, the target from the route's `id` or the response's, and the fields that
 * were sent and returned. That row is appended after the handler committed; a failure to append fails the request
 * (500) so that a write never passes unrecorded without an error. Failed requests (an exception, or a status of
 * 400 and up, as a signed-link page answers) wrote nothing and get no row; they are in the request log.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly db: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    // A read is recorded only when its route says what it does: handing out a report is an act, listing is not.
    if (READS.has(req.method) && !this.reflector.get(AUDIT_SPEC, context.getHandler())) return next.handle();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    const ctx: AuditContext = {
      actor: req.principal?.actor ?? ANONYMOUS,
      role: principalRole(req.principal),
      requestId: req.id,
      sourceIp: req.ip,
      recorded: 0,
    };
    // The handler must be called inside the context: Nest binds it to the async context of `next.handle()`.
    return new Observable((subscriber) =>
      runAudited(ctx, () =>
        next
          .handle()
          .pipe(
            concatMap(async (body: unknown) => {
              await this.appendFallback(ctx, context, req, res, body);
              return body;
            }),
          )
          .subscribe(subscriber),
      ),
    );
  }

  private async appendFallback(
    ctx: AuditContext,
    context: ExecutionContext,
    req: FastifyRequest,
    res: FastifyReply,
    body: unknown,
  ): Promise<void> {
    if (res.statusCode >= 400) return;
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_SPEC, context.getHandler());
    if (ctx.recorded > 0 && !spec?.always) return;
    const resource = resourceOf(this.reflector.get<string>(PATH_METADATA, context.getClass()) ?? '');
    const action =
      typeof spec?.action === 'function'
        ? spec.action(req)
        : (spec?.action ?? `${resource}.${snake(context.getHandler().name)}`);
    const targetType = spec?.target === undefined ? resource : spec.target;
    const param = (req.params as Record<string, unknown> | undefined)?.[spec?.param ?? 'id'];
    const targetId = typeof param === 'string' ? param : field(body, 'id');
    try {
      await appendAudit(this.db, {
        actor: ctx.actor,
        role: ctx.role,
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
        action,
        target: targetType && targetId ? { type: targetType, id: targetId } : null,
        summary: {
          ...nonEmpty('request', pick(req.body, REQUEST_FIELDS)),
          ...(isObject(req.body) && !Array.isArray(req.body)
            ? { fields: Object.keys(req.body).slice(0, 30) }
            : {}),
          ...nonEmpty('after', pick(body, RESULT_FIELDS)),
        },
      });
      ctx.recorded += 1;
    } catch (err) {
      // With the database gone the request fails with 503 and the client retries; anything else is a bug.
      const log = isDatabaseUnavailable(err) ? 'warn' : 'error';
      this.logger[log]({ err: (err as Error).message, action }, 'audit row not appended');
      throw err;
    }
  }
}

/** `v1/customers/:id/standing` → `standing`; `v1/notices` → `notice`. */
function resourceOf(path: string): string {
  const words = path.split('/').filter((w) => w && !w.startsWith(':') && !/^v\d+$/.test(w));
  const last = words.at(-1) ?? 'api';
  return snake(last.endsWith('s') ? last.slice(0, -1) : last);
}

function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();
}

/** A parsed JSON or form object; not a stream (the inventory's CSV body is one), whose own fields mean nothing here. */
function isObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === Array.prototype || prototype === null;
}

function field(value: unknown, name: string): string | null {
  const v = isObject(value) ? value[name] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

function pick(value: unknown, names: string[]): Record<string, unknown> {
  if (!isObject(value) || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const v = value[name];
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[name] = v;
  }
  return out;
}

function nonEmpty(key: string, value: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(value).length ? { [key]: value } : {};
}
