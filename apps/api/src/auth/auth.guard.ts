import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeniedAccessLog, routeTarget } from '../audit/denied-access';
import { ACCESS_RULE, type AccessRule } from './access';
import { BearerAuthentication } from './bearer';

/**
 * The one gate of every route (registered as APP_GUARD): public routes pass; every other route needs a bearer
 * token (401 without, with WWW-Authenticate; 429 past the failed-authentication limit) whose roles include one the route allows (403 naming them, and a row
 * `access.denied` in the audit trail). A route
 * without a rule is refused: forgetting to decide who may call it must not open it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerAuthentication,
    private readonly denied: DeniedAccessLog,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (rule?.public) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const res = ctx.switchToHttp().getResponse<FastifyReply>();
    if (!rule) {
      throw new ForbiddenException({
        statusCode: 403,
        code: 'AUTH.NO_RULE',
        message: 'this route states no roles that may call it, so nobody may',
      });
    }
    // The large-body routes authenticate before their parsers (common/body-limits.ts): once is enough.
    req.principal ??= await this.bearer.principalOf(req, res);
    if (!req.principal.roles.some((r) => rule.roles.includes(r))) {
      await this.denied.record(req, 'role', 403, routeTarget(req));
      throw new ForbiddenException({
        statusCode: 403,
        code: 'AUTH.FORBIDDEN',
        message: `this route needs one of the roles ${rule.roles.join(', ')}`,
        requiredRoles: rule.roles,
      });
    }
    return true;
  }
}
