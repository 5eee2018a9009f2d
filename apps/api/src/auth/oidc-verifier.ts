import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { isRole, type Principal, type Role } from '@takedown/domain';
import { AuthenticationError } from './authentication-error';

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Dotted path to the claim with the roles or groups, e.g. `roles` or `realm_access.roles`. */
  rolesClaim: string;
  /** Claim value → role. Only mapped values count: an unmapped value named like a role grants nothing. */
  roleMap: Record<string, Role>;
  emailClaim: string;
}

/** Only asymmetric signatures: a shared-secret (HS*) token could be forged by anyone who holds the secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Bearer tokens from the provider's SSO: a JWT signed by a key of the issuer's JWKS (fetched, cached and refetched
 * by jose when an unknown key id appears), with our audience, not expired. Its roles come from one claim.
 * The `source` role is never taken from SSO: a source is an integration and gets an API token bound to its name.
 */
export class OidcVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: OidcSettings) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000 });
  }

  async verify(jwt: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        clockTolerance: 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw toAuthenticationError(err);
    }
    // An address the provider has not verified may be anyone's (many let users type it in): it scopes nothing.
    const email =
      payload.email_verified === true
        ? stringClaim(payload, this.settings.emailClaim)?.toLowerCase()
        : undefined;
    const roles = this.rolesOf(payload).filter((r) => r !== 'account_manager' || !!email);
    const name =
      stringClaim(payload, 'name') ?? email ?? stringClaim(payload, 'preferred_username') ?? payload.sub!;
    return {
      actor: { kind: 'oidc', id: payload.sub!, name, ...(roles[0] ? { role: roles[0] } : {}) },
      roles,
      scope: roles.includes('account_manager') && email ? { accountManagerEmail: email } : {},
    };
  }

  private rolesOf(payload: JWTPayload): Role[] {
    const claim = this.settings.rolesClaim
      .split('.')
      .reduce<unknown>(
        (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
        payload,
      );
    const values = Array.isArray(claim)
      ? claim.filter((v): v is string => typeof v === 'string')
      : typeof claim === 'string'
        ? claim.split(/[\s,]+/).filter(Boolean)
        : [];
    const mapped = values
      .filter((v) => Object.hasOwn(this.settings.roleMap, v))
      .map((v) => this.settings.roleMap[v]);
    return [...new Set(mapped)].filter((r) => isRole(r) && r !== 'source');
  }
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value ? value : undefined;
}

function toAuthenticationError(err: unknown): AuthenticationError {
  if (err instanceof errors.JWTExpired) return new AuthenticationError('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new AuthenticationError(`the token's ${err.claim} claim is not accepted`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new AuthenticationError('the token is signed by a key the issuer does not publish');
  }
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    // The identity provider is unreachable: not the caller's fault, and worth a retry.
    return new AuthenticationError('the identity provider’s keys cannot be fetched; retry', true);
  }
  return new AuthenticationError('the token is not a valid signed JWT');
}
