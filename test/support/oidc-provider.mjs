// A real OpenID provider (the `oidc-provider` package) on loopback, for test/e2e/oidc-provider.e2e.spec.ts. It runs
// in a process of its own because the package is an ES module, which jest's CommonJS runtime cannot load. Each
// client stands for one user: the client credentials grant gives it a JWT access token for the resource
// `urn:takedown:api` (audience `takedown-api`), with that user's groups and email. It prints its issuer on one line.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import process from 'node:process';
import Provider from 'oidc-provider';

const AUDIENCE = 'takedown-api';
const USERS = {
  desk: { realm_access: { roles: ['takedown-desk', 'offline_access'] }, name: 'Desk User' },
  'named-like-roles': { realm_access: { roles: ['admin', 'abuse_desk', 'legal'] } },
  'am-verified': {
    realm_access: { roles: ['takedown-am'] },
    email: 'am.verified@provider.example',
    email_verified: true,
  },
  'am-unverified': {
    realm_access: { roles: ['takedown-am'] },
    email: 'am.unverified@provider.example',
    email_verified: false,
  },
};
const SECRET = process.env.OIDC_TEST_CLIENT_SECRET ?? 'loopback-provider-client-secret';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(issuer, {
  clients: Object.keys(USERS).map((client_id) => ({
    client_id,
    client_secret: SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  })),
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'loopback-1', use: 'sig', alg: 'RS256' }] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:takedown:api',
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: AUDIENCE,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => USERS[token.clientId],
});
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
