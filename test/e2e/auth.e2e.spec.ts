import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { chromium } from 'playwright-core';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { OidcVerifier, type OidcSettings } from '@takedown/api/auth/oidc-verifier';
import { createApp } from '@takedown/api/create-app';
import { checkApiToken, createApiToken, revokeApiToken } from '@takedown/persistence';
import { freePort } from '@takedown/dev';
import { tokenFor } from '../support/api';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { testEnv } from '../support/env';

/** jose 6 signs with WebCrypto keys (its KeyLike type is gone). */
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/**
 * A key set generated here and served from a loopback HTTP server stands in for the provider's identity provider.
 * Nothing leaves the machine.
 */
class FakeIdentityProvider {
  private server!: http.Server;
  private keys: JWK[] = [];
  readonly issuer = 'https://sso.provider.example/realms/staff';
  readonly audience = 'takedown-api';
  jwksUrl = '';
  jwksRequests = 0;
  signing!: SigningKey;

  async start(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    this.signing = privateKey;
    this.keys = [{ ...(await exportJWK(publicKey)), kid: 'staff-1', alg: 'RS256', use: 'sig' }];
    this.server = http.createServer((_req, res) => {
      this.jwksRequests++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.jwksUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/protocol/openid-connect/certs`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A token as the provider would issue it; `opts` bends one thing at a time. */
  sign(
    claims: JWTPayload,
    opts: {
      key?: SigningKey;
      kid?: string;
      issuer?: string;
      audience?: string;
      expiresIn?: string | number;
    } = {},
  ): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'staff-1' })
      .setIssuer(opts.issuer ?? this.issuer)
      .setAudience(opts.audience ?? this.audience)
      .setSubject((claims.sub as string | undefined) ?? `user-${randomUUID()}`)
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '5m')
      .sign(opts.key ?? this.signing);
  }
}

describe('authentication', () => {
  const idp = new FakeIdentityProvider();
  let app: INestApplication;
  let db: DataSource;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    await idp.start();
    app = await createApp(
      new AppConfig(
        testEnv({
          OIDC_ISSUER: idp.issuer,
          OIDC_AUDIENCE: idp.audience,
          OIDC_JWKS_URL: idp.jwksUrl,
          OIDC_ROLES_CLAIM: 'realm_access.roles',
          OIDC_ROLE_MAP: 'takedown-desk=abuse_desk,takedown-legal=legal,takedown-admin=admin',
        }),
      ),
    );
    await app.init();
    db = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await idp.stop();
  });

  describe('API tokens', () => {
    it('refuses a request without a token: 401 with WWW-Authenticate: Bearer', async () => {
      const res = await api().get('/v1/notices').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="takedown"');
      expect(res.body).toMatchObject({ statusCode: 401, code: 'AUTH.UNAUTHENTICATED' });
      const basic = await api().get('/v1/notices').set('Authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
      expect(basic.body.message).toMatch(/Bearer/);
    });

    it('refuses malformed, unknown, tampered, expired and revoked tokens with 401 invalid_token', async () => {
      const good = await tokenFor(app, 'abuse_desk');
      const expired = await tokenFor(app, 'abuse_desk', { expiresAt: new Date(Date.now() + 60_000) });
      const revoked = await tokenFor(app, 'abuse_desk');
      await db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        idOf(expired),
      ]);
      await revokeApiToken(db, idOf(revoked));
      const cases: [string, string, RegExp][] = [
        ['malformed', 'not-a-token', /malformed/],
        ['unknown', `td_${randomUUID().replace(/-/g, '')}_${good.slice(-43)}`, /not known/],
        ['tampered', `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`, /not known/],
        ['expired', expired, /expired/],
        ['revoked', revoked, /revoked/],
      ];
      for (const [what, token, message] of cases) {
        const res = await api().get('/v1/notices').set('Authorization', `Bearer ${token}`);
        expect({ what, status: res.status }).toEqual({ what, status: 401 });
        expect(res.body.message).toMatch(message);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="takedown", error="invalid_token"/);
      }
      await api().get('/v1/notices').set('Authorization', `Bearer ${good}`).expect(200);
    });

    it('stores only the SHA-256 of the secret, and records the last use at most once a minute', async () => {
      const { token, record } = await createApiToken(db, {
        name: 'hash check',
        role: 'legal',
        createdBy: 'test',
      });
      const [row] = (await db.query(`SELECT * FROM api_tokens WHERE id = $1`, [record.id])) as Record<
        string,
        unknown
      >[];
      const secret = token.slice(-43);
      expect(row.secret_hash).toEqual(createHash('sha256').update(secret).digest());
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(row.last_used_at).toBeNull();

      await api().get('/v1/stats/transparency').set('Authorization', `Bearer ${token}`);
      const lastUsed = async () =>
        (
          (await db.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [record.id])) as {
            last_used_at: Date | null;
          }[]
        )[0].last_used_at;
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      await api().get('/v1/stats/transparency').set('Authorization', `Bearer ${token}`);
      expect(await lastUsed()).toEqual(first);
    });

    it('answers 403 naming the roles when the token’s role may not call the route', async () => {
      const noc = await tokenFor(app, 'noc');
      const res = await api()
        .post('/v1/terminations')
        .set('Authorization', `Bearer ${noc}`)
        .send({})
        .expect(403);
      expect(res.body).toEqual({
        statusCode: 403,
        code: 'AUTH.FORBIDDEN',
        message: 'this route needs one of the roles admin, abuse_lead, legal',
        requiredRoles: ['admin', 'abuse_lead', 'legal'],
      });
    });

    it('keeps health, metrics, the link pages and the docs public', async () => {
      await api().get('/metrics').expect(200);
      expect((await api().get('/health')).status).not.toBe(401);
      const link = await api().get('/links/not-a-signed-link');
      expect([400, 404, 410]).toContain(link.status);
      expect(link.headers['content-type']).toMatch(/text\/html/);
      await api().get('/docs-json').expect(200);
    });

    it('checks tokens by hash without scanning: a token of the right shape but another secret is unknown', async () => {
      const { token, record } = await createApiToken(db, { name: 'shape', role: 'noc', createdBy: 'test' });
      expect(token).toMatch(/^td_[0-9a-f]{32}_[\w-]{43}$/);
      expect(await checkApiToken(db, token)).toMatchObject({ ok: true, record: { id: record.id } });
      const other = `${token.slice(0, -43)}${'x'.repeat(43)}`;
      expect(await checkApiToken(db, other)).toEqual({ ok: false, reason: 'unknown' });
    });

    it('refuses to make a scoped role without its scope, or a scope for another role', async () => {
      await expect(
        createApiToken(db, { name: 'am', role: 'account_manager', createdBy: 't' }),
      ).rejects.toThrow(/account manager/);
      await expect(
        createApiToken(db, {
          name: 'src',
          role: 'source',
          source: { kind: 'hotline', name: '' },
          createdBy: 't',
        }),
      ).rejects.toThrow(/source/);
      await expect(
        createApiToken(db, { name: 'x', role: 'noc', accountManagerEmail: 'a@b.example', createdBy: 't' }),
      ).rejects.toThrow(/only an account_manager/);
      await expect(createApiToken(db, { name: 'x', role: 'root', createdBy: 't' })).rejects.toThrow(
        /"root" is not a role/,
      );
    });
  });

  describe('Swagger UI', () => {
    it('sends the token pasted into "Authorize" with "Try it out"', async () => {
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      const base = `http://127.0.0.1:${port}`;
      const token = await tokenFor(app, 'abuse_desk');
      const browser = await chromium.launch({ executablePath: await ensureChromium(), args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.goto(`${base}/docs`);
        await page.locator('button.authorize').first().click();
        await page.locator('.modal-ux input').first().fill(token);
        await page.locator('.modal-ux button.authorize').click();
        await page.locator('.modal-ux button.btn-done').click();
        const op = page.locator('#operations-customers-CustomersController_list');
        await op.locator('.opblock-summary').click();
        await op.getByRole('button', { name: 'Try it out' }).click();
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.url().startsWith(`${base}/v1/customers`)),
          op.getByRole('button', { name: 'Execute' }).click(),
        ]);
        expect(res.status()).toBe(200);
        expect((await res.request().allHeaders()).authorization).toBe(`Bearer ${token}`);
      } finally {
        await browser.close();
      }
    });
  });

  describe('OIDC bearer tokens', () => {
    const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });

    it('accepts a token signed by the issuer’s key and takes the roles from the configured claim', async () => {
      const desk = await idp.sign({
        realm_access: { roles: ['takedown-desk', 'offline_access'] },
        name: 'J. de Vries',
      });
      await api().get('/v1/notices').set(bearer(desk)).expect(200);
      const refused = await api().post('/v1/terminations').set(bearer(desk)).send({}).expect(403);
      expect(refused.body.code).toBe('AUTH.FORBIDDEN');
      const legal = await idp.sign({ realm_access: { roles: ['takedown-legal'] } });
      await api().get(`/v1/terminations/${randomUUID()}`).set(bearer(legal)).expect(404);
    });

    it('refuses a wrong issuer, a wrong audience, an expired token, an unknown key and a foreign key', async () => {
      const roles = { realm_access: { roles: ['admin'] } };
      const stranger = await generateKeyPair('RS256');
      const cases: [string, Promise<string>, RegExp][] = [
        ['issuer', idp.sign(roles, { issuer: 'https://elsewhere.example/' }), /iss/],
        ['audience', idp.sign(roles, { audience: 'another-app' }), /aud/],
        ['expired', idp.sign(roles, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
        ['unknown kid', idp.sign(roles, { kid: 'staff-unknown', key: stranger.privateKey }), /key/],
        ['foreign key, known kid', idp.sign(roles, { key: stranger.privateKey }), /not a valid/],
      ];
      for (const [what, jwt, message] of cases) {
        const res = await api()
          .get('/v1/notices')
          .set(bearer(await jwt));
        expect({ what, status: res.status }).toEqual({ what, status: 401 });
        expect(res.body.message).toMatch(message);
        expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      }
    });

    it('gives a token without a Takedown role no access (403), and never the source role', async () => {
      const none = await idp.sign({ realm_access: { roles: ['offline_access', 'source'] } });
      const res = await api().get('/v1/notices').set(bearer(none)).expect(403);
      expect(res.body.code).toBe('AUTH.FORBIDDEN');
      await api().post('/v1/notices').set(bearer(none)).send({}).expect(403);
    });

    it('grants nothing for a group that is merely named like a role: only the role map counts', async () => {
      const named = await idp.sign({ realm_access: { roles: ['admin', 'abuse_desk', 'legal'] } });
      await api().get('/v1/notices').set(bearer(named)).expect(403);
      await api().get('/v1/customers').set(bearer(named)).expect(403);
      const mapped = await idp.sign({ realm_access: { roles: ['takedown-admin'] } });
      await api().get('/v1/customers').set(bearer(mapped)).expect(200);
    });
  });

  describe('the OIDC verifier', () => {
    const settings = (over: Partial<OidcSettings> = {}): OidcSettings => ({
      issuer: idp.issuer,
      audience: idp.audience,
      jwksUrl: idp.jwksUrl,
      rolesClaim: 'roles',
      roleMap: { account_manager: 'account_manager', noc: 'noc', legal: 'legal' },
      emailClaim: 'email',
      ...over,
    });

    it('makes a principal: subject as actor, roles from the claim, an account manager scoped by email', async () => {
      const verifier = new OidcVerifier(settings());
      const jwt = await idp.sign({
        sub: 'u-17',
        roles: ['account_manager', 'noc', 'unrelated'],
        email: 'AM.Jansen@Provider.example',
        email_verified: true,
        name: 'A. Jansen',
      });
      expect(await verifier.verify(jwt)).toEqual({
        actor: { kind: 'oidc', id: 'u-17', name: 'A. Jansen', role: 'account_manager' },
        roles: ['account_manager', 'noc'],
        scope: { accountManagerEmail: 'am.jansen@provider.example' },
      });
    });

    it('drops the account manager role when the token has no email to scope it by', async () => {
      const verifier = new OidcVerifier(settings());
      const principal = await verifier.verify(await idp.sign({ roles: 'account_manager legal' }));
      expect(principal.roles).toEqual(['legal']);
      expect(principal.scope).toEqual({});
    });

    it('takes an email as scope only when the provider says it is verified', async () => {
      const verifier = new OidcVerifier(settings());
      const claims = { sub: 'u-18', roles: ['account_manager', 'noc'], email: 'am.bakker@provider.example' };
      for (const email_verified of [undefined, false, 'true']) {
        const principal = await verifier.verify(await idp.sign({ ...claims, email_verified }));
        expect({ email_verified, principal }).toEqual({
          email_verified,
          principal: {
            actor: { kind: 'oidc', id: 'u-18', name: 'u-18', role: 'noc' },
            roles: ['noc'],
            scope: {},
          },
        });
      }
      const verified = await verifier.verify(await idp.sign({ ...claims, email_verified: true }));
      expect(verified.scope).toEqual({ accountManagerEmail: 'am.bakker@provider.example' });
    });

    it('maps group names to roles, and ignores values that are role names but not in the map', async () => {
      const verifier = new OidcVerifier(
        settings({
          rolesClaim: 'groups',
          roleMap: { 'takedown-desk': 'abuse_desk', 'takedown-legal': 'legal' },
        }),
      );
      const principal = await verifier.verify(
        await idp.sign({ groups: ['takedown-legal', 'admin', 'staff'] }),
      );
      expect(principal.roles).toEqual(['legal']);
    });

    it('tells an unreachable identity provider (retry later) from a bad token', async () => {
      const port = await freePort();
      const verifier = new OidcVerifier(settings({ jwksUrl: `http://127.0.0.1:${port}/certs` }));
      await expect(verifier.verify(await idp.sign({ roles: ['noc'] }))).rejects.toMatchObject({
        name: 'AuthenticationError',
        unavailable: true,
      });
    });

    it('fetches the key set once and keeps it for later tokens', async () => {
      const verifier = new OidcVerifier(settings());
      const before = idp.jwksRequests;
      for (let i = 0; i < 3; i++) await verifier.verify(await idp.sign({ roles: ['noc'] }));
      expect(idp.jwksRequests - before).toBe(1);
    });
  });
});

/** The id part of `td_<32 hex>_<secret>`, as a UUID. */
function idOf(token: string): string {
  return token.slice(3, 35).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}
