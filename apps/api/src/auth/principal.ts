import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal, TokenSource } from '@takedown/domain';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth guard on every route that is not public; the audit trail reads `principal.actor`. */
    principal?: Principal;
  }
}

/** The caller of a protected route, as the auth guard established it. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<FastifyRequest>().principal;
  // Only reachable on a route marked @Public() that asks for a principal: a programming error.
  if (!principal) throw new Error('no principal on a public route');
  return principal;
});

/**
 * What a caller may see. A role other than account_manager and source sees everything its routes allow; an
 * account manager only its own customers (and their notices), a source only its own notices.
 */
export type Visibility = { all: true } | { all: false; accountManagerEmail?: string; source?: TokenSource };

export const EVERYTHING: Visibility = { all: true };

export function visibilityOf(principal: Principal): Visibility {
  // A customer sees its own notices through /v1/customer only; on staff routes it would see nothing.
  if (principal.roles.some((r) => r !== 'account_manager' && r !== 'source' && r !== 'customer'))
    return EVERYTHING;
  return {
    all: false,
    ...(principal.roles.includes('account_manager') && principal.scope.accountManagerEmail
      ? { accountManagerEmail: principal.scope.accountManagerEmail }
      : {}),
    ...(principal.roles.includes('source') && principal.scope.source
      ? { source: principal.scope.source }
      : {}),
  };
}

/** The source a source-only caller submits as; undefined for everyone else (they name the source in the body). */
export function submittingSource(principal: Principal): TokenSource | undefined {
  const v = visibilityOf(principal);
  return v.all ? undefined : v.source;
}
