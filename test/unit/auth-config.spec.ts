import { loadEnv } from '@takedown/config';

describe('OIDC configuration', () => {
  const oidc = {
    OIDC_ISSUER: 'https://sso.provider.example/realms/staff',
    OIDC_AUDIENCE: 'takedown-api',
    OIDC_JWKS_URL: 'https://sso.provider.example/realms/staff/protocol/openid-connect/certs',
  };

  it('is off by default, with the roles claim `roles` and the email claim `email`', () => {
    const env = loadEnv({});
    expect(env.OIDC_ISSUER).toBeUndefined();
    expect(env.OIDC_ROLES_CLAIM).toBe('roles');
    expect(env.OIDC_EMAIL_CLAIM).toBe('email');
    expect(env.OIDC_ROLE_MAP).toEqual({});
  });

  it('needs an audience and a key set URL once an issuer is set, naming the missing variable', () => {
    expect(() => loadEnv({ OIDC_ISSUER: oidc.OIDC_ISSUER })).toThrow(
      /OIDC_AUDIENCE: required when OIDC_ISSUER is set/,
    );
    expect(() => loadEnv({ OIDC_ISSUER: oidc.OIDC_ISSUER, OIDC_AUDIENCE: 'x' })).toThrow(
      /OIDC_JWKS_URL: required when OIDC_ISSUER is set/,
    );
    expect(loadEnv(oidc).OIDC_JWKS_URL).toBe(oidc.OIDC_JWKS_URL);
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
