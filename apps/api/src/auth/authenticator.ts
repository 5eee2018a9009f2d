import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '@takedown/domain';
import {
  API_TOKEN_PREFIX,
  BOOTSTRAP_CREATED_BY,
  checkApiTokenWith,
  touchApiToken,
} from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { AuthenticationError } from './authentication-error';
import { OidcVerifier } from './oidc-verifier';
import { TokenCache } from './token-cache';

const TOUCH_INTERVAL_MS = 60_000;

const REJECTED = {
  malformed: 'the token is malformed',
  unknown: 'the token is not known',
  expired: 'the token has expired',
  revoked: 'the token was revoked',
  unbounded:
    'a bootstrap admin token that never expires is refused in production; make one with `takedown token create`',
} as const;

/** Turns a bearer token (an API token `td_…`, or an OIDC JWT when an issuer is configured) into a principal. */
@Injectable()
export class Authenticator {
  private readonly oidc: OidcVerifier | null;
  /** When this process last wrote each token's last_used_at: at most one write a minute per token. */
  private readonly touched = new Map<string, number>();
  private readonly production: boolean;

  constructor(
    private readonly db: DataSource,
    config: AppConfig,
    private readonly tokens: TokenCache,
  ) {
    const env = config.env;
    this.production = env.NODE_ENV === 'production';
    this.oidc =
      env.OIDC_ISSUER && env.OIDC_AUDIENCE && env.OIDC_JWKS_URL
        ? new OidcVerifier({
            issuer: env.OIDC_ISSUER,
            audience: env.OIDC_AUDIENCE,
            jwksUrl: env.OIDC_JWKS_URL,
            rolesClaim: env.OIDC_ROLES_CLAIM,
            roleMap: env.OIDC_ROLE_MAP,
            emailClaim: env.OIDC_EMAIL_CLAIM,
          })
        : null;
  }

  async authenticate(bearer: string): Promise<Principal> {
    if (bearer.startsWith(API_TOKEN_PREFIX)) return this.apiToken(bearer);
    if (this.oidc && bearer.split('.').length === 3) return this.oidc.verify(bearer);
    throw new AuthenticationError(REJECTED.malformed);
  }

  private async apiToken(token: string): Promise<Principal> {
    const now = new Date();
    const check = await checkApiTokenWith(token, now, (id) => this.tokens.load(id, now.getTime()));
    if (!check.ok) throw new AuthenticationError(REJECTED[check.reason]);
    const t = check.record;
    // Made by an `npm start` before bootstrap tokens expired: nobody may still know where it went.
    if (this.production && t.createdBy === BOOTSTRAP_CREATED_BY && !t.expiresAt) {
      throw new AuthenticationError(REJECTED.unbounded);
    }
    if (now.getTime() - (this.touched.get(t.id) ?? 0) >= TOUCH_INTERVAL_MS) {
      this.touched.set(t.id, now.getTime());
      await touchApiToken(this.db, t.id, now);
    }
    return {
      actor: { kind: 'token', id: t.id, name: t.name, role: t.role },
      roles: [t.role],
      scope: {
        ...(t.accountManagerEmail ? { accountManagerEmail: t.accountManagerEmail } : {}),
        ...(t.sourceKind && t.sourceName
          ? {
              source: {
                kind: t.sourceKind,
                name: t.sourceName,
                ...(t.sourceDesignationReference && t.sourceDesignatingAuthority
                  ? {
                      designationReference: t.sourceDesignationReference,
                      designatingAuthority: t.sourceDesignatingAuthority,
                    }
                  : {}),
              },
            }
          : {}),
        ...(t.customerId ? { customerId: t.customerId, customerAdmin: t.customerAdmin } : {}),
      },
    };
  }
}
