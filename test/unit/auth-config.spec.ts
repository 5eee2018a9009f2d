import { loadEnv } from '@takedown/config';

describe('OIDC configuration', () => {
  const oidc = {
    OIDC_ISSUER: 'https://sso.provider.example/realms/staff',
    OIDC_AUDIENCE: 'takedown-api',
    OIDC_JWKS_URL: 'https://sso.provider.example/realms/staff/protocol/openid-connect/certs',
    OIDC_ROLE_MAP: 'takedown-desk=abuse_desk',
  };

  it('is off by default, with the roles claim `roles` and the email claim `email`', () => {
    const env = loadEnv({});
    expect(env.OIDC_ISSUER).toBeUndefined();
    expect(env.OIDC_ROLES_CLAIM).toBe('roles');
    expect(env.OIDC_EMAIL_CLAIM).toBe('email');
    expect(env.OIDC_ROLE_MAP).toEqual({});
  });

  it('needs an audience, a key set URL and a role map once an issuer is set, naming the missing variable', () => {
    expect(() => loadEnv({ OIDC_ISSUER: oidc.OIDC_ISSUER })).toThrow(
      /OIDC_AUDIENCE: required when OIDC_ISSUER is set/,
    );
    expect(() => loadEnv({ OIDC_ISSUER: oidc.OIDC_ISSUER, OIDC_AUDIENCE: 'x' })).toThrow(
      /OIDC_JWKS_URL: required when OIDC_ISSUER is set/,
    );
    expect(() => loadEnv({ ...oidc, OIDC_ROLE_MAP: '' })).toThrow(
      /OIDC_ROLE_MAP: required when OIDC_ISSUER is set/,
    );
    expect(loadEnv(oidc).OIDC_JWKS_URL).toBe(oidc.OIDC_JWKS_URL);
  });

  it('fetches the key set over https only; plain http only on loopback, and never in production', () => {
    const jwks =
      (url: string, NODE_ENV = 'development') =>
      () =>
        loadEnv({ ...oidc, NODE_ENV, OIDC_JWKS_URL: url });
    for (const url of [
      'http://sso.provider.example/certs',
      'http://10.0.0.5/certs',
      'http://127.0.0.1.nip.example/certs',
    ]) {
      expect(jwks(url)).toThrow(/OIDC_JWKS_URL: must be https \(http only to a loopback address/);
    }
    for (const url of ['http://127.0.0.1:8080/certs', 'http://localhost/certs', 'http://[::1]:9/certs']) {
      expect(jwks(url)().OIDC_JWKS_URL).toBe(url);
      expect(jwks(url, 'test')().OIDC_JWKS_URL).toBe(url);
      expect(jwks(url, 'production')).toThrow(/OIDC_JWKS_URL: must be https in production/);
    }
    expect(jwks('https://sso.provider.example/certs', 'production')().OIDC_ISSUER).toBe(oidc.OIDC_ISSUER);
  });

  it('reads a role map of claim values to roles, and refuses unknown roles and the source role', () => {
    expect(
      loadEnv({ ...oidc, OIDC_ROLE_MAP: 'takedown-desk=abuse_desk, takedown-legal = legal' }).OIDC_ROLE_MAP,
    ).toEqual({ 'takedown-desk': 'abuse_desk', 'takedown-legal': 'legal' });
    expect(() => loadEnv({ ...oidc, OIDC_ROLE_MAP: 'staff=root' })).toThrow(
      /OIDC_ROLE_MAP: "staff=root" must be claim value=role/,
    );
    expect(() => loadEnv({ ...oidc, OIDC_ROLE_MAP: 'hotline=source' })).toThrow(/OIDC_ROLE_MAP/);
  });
});

describe('API token lifetimes', () => {
  it('default to 90 days, at most 365, and 24 hours for the bootstrap token', () => {
    const env = loadEnv({});
    expect(env.API_TOKEN_TTL).toBe(90 * 86_400_000);
    expect(env.API_TOKEN_MAX_TTL).toBe(365 * 86_400_000);
    expect(env.BOOTSTRAP_TOKEN_TTL).toBe(24 * 3_600_000);
  });

  it('refuses a default or bootstrap lifetime over the maximum, and what is no duration, showing the value', () => {
    expect(() => loadEnv({ API_TOKEN_TTL: 'P400D' })).toThrow(
      /API_TOKEN_TTL: must not be longer than API_TOKEN_MAX_TTL \(got "P400D"\)/,
    );
    expect(() => loadEnv({ API_TOKEN_MAX_TTL: 'PT1H' })).toThrow(/BOOTSTRAP_TOKEN_TTL: must not be longer/);
    expect(() => loadEnv({ BOOTSTRAP_TOKEN_TTL: 'forever' })).toThrow(
      /BOOTSTRAP_TOKEN_TTL: must be a positive ISO 8601 duration .* \(got "forever"\)/,
    );
    expect(() => loadEnv({ API_TOKEN_TTL: 'P0D' })).toThrow(/API_TOKEN_TTL: must be a positive/);
    expect(loadEnv({ API_TOKEN_TTL: 'P7D', BOOTSTRAP_TOKEN_TTL: 'PT8H' })).toMatchObject({
      API_TOKEN_TTL: 7 * 86_400_000,
      BOOTSTRAP_TOKEN_TTL: 8 * 3_600_000,
    });
  });
});
