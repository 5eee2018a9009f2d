import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '@takedown/domain';
import { API_TOKEN_PREFIX, checkApiToken, touchApiToken } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { AuthenticationError } from './authentication-error';
import { OidcVerifier } from './oidc-verifier';

const TOUCH_INTERVAL_MS = 60_000;

const REJECTED = {
  malformed: 'the token is malformed',
  unknown: 'the token is not known',
  expired: 'the token has expired',
  revoked: 'the token was revoked',
} as const;

/** Turns a bearer token (an API token `td_…`, or an OIDC JWT when an issuer is configured) into a principal. */
@Injectable()
export class Authenticator {
  private readonly oidc: OidcVerifier | null;
  /** When this process last wrote each token's last_used_at: at most one write a minute per token. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    config: AppConfig,
  ) {
    const env = config.env;
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
    const check = await checkApiToken(this.db, token, now);
    if (!check.ok) throw new AuthenticationError(REJECTED[check.reason]);
    const t = check.record;
    if (now.getTime() - (this.touched.get(t.id) ?? 0) >= TOUCH_INTERVAL_MS) {
      this.touched.set(t.id, now.getTime());
      await touchApiToken(this.db, t.id, now);
    }
    return {
      actor: { kind: 'token', id: t.id, name: t.name, role: t.role },
      roles: [t.role],
      scope: {
        ...(t.accountManagerEmail ? { accountManagerEmail: t.accountManagerEmail } : {}),
        ...(t.sourceKind && t.sourceName ? { source: { kind: t.sourceKind, name: t.sourceName } } : {}),
        ...(t.customerId ? { customerId: t.customerId, customerAdmin: t.customerAdmin } : {}),
      },
    };
  }
}
