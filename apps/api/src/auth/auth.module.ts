import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DeniedAccessLog } from '../audit/denied-access';
import { AuthGuard } from './auth.guard';
import { AuthFailureLimiter } from '../common/auth-failure-limit';
import { Authenticator } from './authenticator';
import { BearerAuthentication } from './bearer';
import { TokenCache } from './token-cache';

/** Authentication (API tokens, OIDC) and the roles guard on every route. */
@Global()
@Module({
  providers: [
    Authenticator,
    TokenCache,
    AuthFailureLimiter,
    BearerAuthentication,
    DeniedAccessLog,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [Authenticator, BearerAuthentication, DeniedAccessLog],
})
export class AuthModule {}
