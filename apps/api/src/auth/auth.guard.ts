import {
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DeniedAccessLog, routeTarget } from '../audit/denied-access';
import { ACCESS_RULE, type AccessRule } from './access';
import { AuthenticationError } from './authentication-error';
import { Authenticator } from './authenticator';

/**
 * The one gate of every route (registered as APP_GUARD): public routes pass; every other route needs a bearer
 * token (401 without, with WWW-Authenticate) whose roles include one the route allows (403 naming them, and a row
 * `access.denied` in the audit trail). A route
 * without a rule is refused: forgetting to decide who may call it must not open it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly denied: DeniedAccessLog,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (rule?.public) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    if (!rule) {
      throw new ForbiddenException({
        statusCode: 403,
        code: 'AUTH.NO_RULE',
        message: 'this route states no roles that may call it, so nobody may',
      });
    }
    const header = req.headers.authorization;
    const bearer = /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!bearer) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="takedown"');
      throw new UnauthorizedException({
        statusCode: 401,
        code: 'AUTH.UNAUTHENTICATED',
        message: header ? 'the Authorization header must be "Bearer <token>"' : 'a bearer token is required',
      });
    }
    try {
      req.principal = await this.authenticator.authenticate(bearer);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      if (err.unavailable) {
        throw new ServiceUnavailableException({
          statusCode: 503,
          code: 'AUTH.UNAVAILABLE',
          message: err.message,
        });
      }
      res.setHeader(
        'WWW-Authenticate',
        `Bearer realm="takedown", error="invalid_token", error_description="${err.message.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`,
      );
      throw new UnauthorizedException({
        statusCode: 401,
        code: 'AUTH.UNAUTHENTICATED',
        message: err.message,
      });
    }
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
