import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CustomerEntity } from '@takedown/persistence';
import { AppConfig } from '@takedown/api/app-config';
import { OidcVerifier } from '@takedown/api/auth/oidc-verifier';
import { createApp } from '@takedown/api/create-app';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const SECRET = 'loopback-provider-client-secret';

/**
 * The API against a real OpenID provider (the `oidc-provider` package, test/support/oidc-provider.mjs) on loopback:
 * its discovery document, its key set and the JWT access tokens its token endpoint issues. Nothing is signed here.
 */
describe('OIDC against a real provider on loopback', () => {
  let provider: ChildProcess;
  let issuer: string;
  let jwksUrl: string;
  let tokenEndpoint: string;
  let app: INestApplication;

  /** An access token for one of the provider's users (each a client of its own), as its token endpoint issues it. */
  const tokenOf = async (user: string): Promise<string> => {
    const res = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api' }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!res.ok || !body.access_token) throw new Error(`the provider gave no token: ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const api = (jwt: string) => ({
    get: (p: string) => request(app.getHttpServer()).get(p).set('Authorization', `Bearer ${jwt}`),
  });

  beforeAll(async () => {
    provider = spawn(process.execPath, [path.join(ROOT, 'test/support/oidc-provider.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, OIDC_TEST_CLIENT_SECRET: SECRET },
    });
    const lines = readline.createInterface({ input: provider.stdout! })[Symbol.asyncIterator]();
    const line = (await lines.next()).value as string;
    issuer = (JSON.parse(line) as { issuer: string }).issuer;
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
      token_endpoint: string;
    };
    ({ jwks_uri: jwksUrl, token_endpoint: tokenEndpoint } = discovery);
    app = await createApp(
      new AppConfig(
        testEnv({
          OIDC_ISSUER: issuer,
          OIDC_AUDIENCE: 'takedown-api',
          OIDC_JWKS_URL: jwksUrl,
          OIDC_ROLES_CLAIM: 'realm_access.roles',
          OIDC_ROLE_MAP: 'takedown-desk=abuse_desk,takedown-am=account_manager',
        }),
      ),
    );
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    provider?.kill();
  });

  it('accepts the provider’s access token with the role its group maps to', async () => {
    const desk = await tokenOf('desk');
    await api(desk).get('/v1/notices').expect(200);
    const refused = await request(app.getHttpServer())
      .post('/v1/terminations')
      .set('Authorization', `Bearer ${desk}`)
      .send({})
      .expect(403);
    expect(refused.body.requiredRoles).not.toContain('abuse_desk');
  });

  it('grants nothing for groups merely named like roles', async () => {
    const named = await tokenOf('named-like-roles');
    await api(named).get('/v1/notices').expect(403);
    await api(named).get('/v1/customers').expect(403);
  });

  it('scopes an account manager by a verified email only; an unverified one loses the role', async () => {
    const db = app.get(DataSource);
    const { customer: mine } = await storeCustomer(db);
    await db
      .getRepository(CustomerEntity)
      .update(mine.id, { accountManagerEmail: 'am.verified@provider.example' });
    const verified = await api(await tokenOf('am-verified'))
      .get('/v1/customers')
      .expect(200);
    const items = (verified.body as { items: { id: string; accountManager: { email: string } }[] }).items;
    expect(items.map((c) => c.id)).toContain(mine.id);
    expect(new Set(items.map((c) => c.accountManager.email))).toEqual(
      new Set(['am.verified@provider.example']),
    );
    await api(await tokenOf('am-unverified'))
      .get('/v1/customers')
      .expect(403);
  });

  it('checks the issuer and the audience of the provider’s tokens', async () => {
    const jwt = await tokenOf('desk');
    const settings = {
      issuer,
      audience: 'takedown-api',
      jwksUrl,
      rolesClaim: 'realm_access.roles',
      roleMap: { 'takedown-desk': 'abuse_desk' as const },
      emailClaim: 'email',
    };
    await expect(new OidcVerifier(settings).verify(jwt)).resolves.toMatchObject({ roles: ['abuse_desk'] });
    await expect(new OidcVerifier({ ...settings, audience: 'another-api' }).verify(jwt)).rejects.toThrow(
      /aud/,
    );
    await expect(
      new OidcVerifier({ ...settings, issuer: 'https://sso.elsewhere.example' }).verify(jwt),
    ).rejects.toThrow(/iss/);
  });
});
