import {
  HttpException,
  HttpStatus,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@takedown/domain';
import { AuthFailureLimiter } from '../common/auth-failure-limit';
import { AuthenticationError } from './authentication-error';
import { Authenticator } from './authenticator';

/**
 * A request's bearer token as a principal, or the answer for it: 401 with WWW-Authenticate, 429 once the client's
 * address has failed too often (AuthFailureLimiter), 503 when the identity provider cannot be asked. Used by the
 * guard on every protected route, and before the large-body routes' parsers so that nobody unauthenticated makes
 * the API read megabytes.
 */
@Injectable()
export class BearerAuthentication {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async principalOf(req: FastifyRequest, res: FastifyReply): Promise<Principal> {
    const header = req.headers.authorization;
    const bearer = /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!bearer) {
      return this.refuse(
        req,
        res,
        header ? 'the Authorization header must be "Bearer <token>"' : 'a bearer token is required',
        'Bearer realm="takedown"',
      );
    }
    try {
      return await this.authenticator.authenticate(bearer);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      if (err.unavailable) {
        throw new ServiceUnavailableException({
          statusCode: 503,
          code: 'AUTH.UNAVAILABLE',
          message: err.message,
        });
      }
      return this.refuse(
        req,
        res,
        err.message,
        `Bearer realm="takedown", error="invalid_token", error_description="${err.message.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`,
      );
    }
  }

  private refuse(req: FastifyRequest, res: FastifyReply, message: string, challenge: string): never {
    const wait = this.failures.fail(req.ip);
    if (wait) {
      res.header('Retry-After', String(wait));
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          code: 'REQUEST.RATE_LIMITED',
          message: `too many failed authentications from this address; retry after ${wait} s`,
          retryAfterSeconds: wait,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    res.header('WWW-Authenticate', challenge);
    throw new UnauthorizedException({ statusCode: 401, code: 'AUTH.UNAUTHENTICATED', message });
  }
}
