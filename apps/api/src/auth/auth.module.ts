import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DeniedAccessLog } from '../audit/denied-access';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { TokenCache } from './token-cache';

/** Authentication (API tokens, OIDC) and the roles guard on every route. */
@Global()
@Module({
  providers: [Authenticator, TokenCache, DeniedAccessLog, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [Authenticator, DeniedAccessLog],
})
export class AuthModule {}
