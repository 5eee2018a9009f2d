// A real OpenID Connect provider on loopback for the console's single sign-on test (oidc-provider, with its
// development login and consent pages). An ES module run as a child process: oidc-provider is ESM only.
// Arguments: port, API audience, the console's redirect URI. The login name chooses the role: "desk" signs in as
// abuse_desk; the access token is a JWT for the audience with `roles` and `email`, as the API's OIDC settings read.
import { generateKeyPairSync } from 'node:crypto';
import process from 'node:process';
import { URL } from 'node:url';
import Provider from 'oidc-provider';

const [port, audience, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const ROLES = { desk: 'abuse_desk', lead: 'abuse_lead', legal: 'legal', noc: 'noc' };
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'takedown-console',
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: ['console-test-cookie-key'] },
  scopes: ['openid', 'api'],
  // The console calls the token endpoint from its own origin: allowed for the client's redirect origins.
  clientBasedCORS: (_ctx, origin, client) =>
    client.redirectUris.some((uri) => new URL(uri).origin === origin),
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, email: `${sub}@provider.example`, email_verified: true }),
  }),
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) =>
    token.kind === 'AccessToken'
      ? {
          roles: [ROLES[token.accountId] ?? 'none'],
          email: `${token.accountId}@provider.example`,
          email_verified: true,
        }
      : undefined,
});
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
