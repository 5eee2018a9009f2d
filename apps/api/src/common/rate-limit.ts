import { HttpException, HttpStatus, Injectable, Module, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModule, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '@takedown/domain';
import { AppConfig } from '../app-config';

const MINUTE_MS = 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Requests per minute per caller, over all routes together (RATE_LIMIT_PER_MINUTE; 0 turns it off). The caller is
 * the authenticated principal; before or without authentication, the bearer token itself (hashed: the key never
 * holds it), else the client's address. Over the limit: 429 with Retry-After (seconds). Health and metrics are
 * exempt (@SkipThrottle). The count is per API process: with several replicas, each allows the limit.
 */
@Injectable()
export class TokenThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as { principal?: Principal }).principal;
    if (principal?.actor?.id) return `principal:${principal.actor.kind}:${principal.actor.id}`;
    const authorization = (req as unknown as FastifyRequest).headers?.authorization;
    if (authorization) return `credential:${sha256(authorization)}`;
    return `address:${await super.getTracker(req)}`;
  }

  /** One count per caller, not per route: the limit is the caller's, whatever it calls. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return sha256(`${throttler}:${tracker}`);
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        code: 'REQUEST.RATE_LIMITED',
        message: `more than ${detail.limit} requests in a minute; retry after ${detail.timeToBlockExpire} s`,
        retryAfterSeconds: detail.timeToBlockExpire,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** The throttler's settings from the validated configuration, and the guard that create-app installs last. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'default', ttl: MINUTE_MS, limit: config.env.RATE_LIMIT_PER_MINUTE }],
        skipIf: () => config.env.RATE_LIMIT_PER_MINUTE === 0,
      }),
    }),
  ],
  providers: [TokenThrottlerGuard],
  exports: [TokenThrottlerGuard],
})
export class RateLimitModule {}
