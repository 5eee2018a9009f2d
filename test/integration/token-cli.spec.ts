import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { loadEnv } from '@takedown/config';
import { AppConfig } from '@takedown/api/app-config';
import { TokenCache } from '@takedown/api/auth/token-cache';
import { Authenticator } from '@takedown/api/auth/authenticator';
import { BOOTSTRAP_CREATED_BY, createApiToken, createBootstrapAdminToken } from '@takedown/persistence';
import { tokenCommand } from '../../apps/cli/src/commands/token';
import { runCli } from '../support/cli';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { ownDatabase } from '../support/own-database';

/**
 * `takedown token create|list|revoke` and the first admin token of `npm start`, against a database of their own
 * (the bootstrap token is made only when there is no token at all), with the API on that database.
 */
describe('API tokens from the CLI, and the bootstrap admin token', () => {
  const own = ownDatabase('tokens');
  const url = own.url;
  let db: DataSource;
  let app: INestApplication;

  beforeAll(async () => {
    await own.start();
    ({ db, app } = own);
  });
  afterAll(() => own.stop());

  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: url });
  /**
   * The command in this process (a fresh ts-node process per call takes long on a busy machine), with lifetimes of
   * its own: 30 days unless asked, 60 at most.
   */
  const lifetimes = loadEnv({ API_TOKEN_TTL: 'P30D', API_TOKEN_MAX_TTL: 'P60D' });
  const tokens = async (sub: 'create' | 'list' | 'revoke', ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await tokenCommand(sub, args, {
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
      databaseUrl: url,
      env: lifetimes,
    });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };
  const api = (token: string) => ({
    get: (p: string) => request(app.getHttpServer()).get(p).set('Authorization', `Bearer ${token}`),
  });

  it('makes one expiring admin token on an empty database, audited, and none once a token exists', async () => {
    const expiresAt = new Date(Date.now() + 24 * 3_600_000);
    const first = await createBootstrapAdminToken(db, expiresAt);
    expect(first?.record).toMatchObject({
      name: 'bootstrap-admin',
      role: 'admin',
      createdBy: 'system:bootstrap',
      expiresAt,
    });
    await api(first!.token).get('/v1/customers').expect(200);
    expect(await createBootstrapAdminToken(db, expiresAt)).toBeNull();
    const audited = (await db.query(
      `SELECT actor_kind, actor_id, action, summary FROM audit_log WHERE target_id = $1`,
      [first!.record.id],
    )) as Record<string, unknown>[];
    expect(audited).toEqual([
      {
        actor_kind: 'system',
        actor_id: 'bootstrap',
        action: 'token.create',
        summary: expect.objectContaining({ role: 'admin', expiresAt: expiresAt.toISOString() }),
      },
    ]);
  });

  it('refuses, in production only, a bootstrap token that never expires (made before they expired)', async () => {
    const legacy = await createApiToken(db, {
      name: 'bootstrap-admin',
      role: 'admin',
      createdBy: BOOTSTRAP_CREATED_BY,
    });
    const bounded = await createApiToken(db, {
      name: 'bootstrap-admin',
      role: 'admin',
      expiresAt: new Date(Date.now() + 3_600_000),
      createdBy: BOOTSTRAP_CREATED_BY,
    });
    const personal = await createApiToken(db, { name: 'no expiry', role: 'admin', createdBy: 'cli:x' });
    const authenticator = (NODE_ENV: string) => {
      const config = new AppConfig({ ...testEnv({ DATABASE_URL: url }), NODE_ENV } as never);
      // Not started, so it keeps nothing: every check reads the token's row.
      return new Authenticator(db, config, new TokenCache(db, config));
    };
    const production = authenticator('production');
    await expect(production.authenticate(legacy.token)).rejects.toThrow(
      /bootstrap admin token that never expires is refused in production/,
    );
    await expect(production.authenticate(bounded.token)).resolves.toMatchObject({ roles: ['admin'] });
    await expect(production.authenticate(personal.token)).resolves.toMatchObject({ roles: ['admin'] });
    await expect(authenticator('development').authenticate(legacy.token)).resolves.toMatchObject({
      roles: ['admin'],
    });
    await api(legacy.token).get('/v1/customers').expect(200);
  });

  it('creates a token, prints it once on stdout, and the API accepts it with the role it was given', async () => {
    const { stdout, stderr } = await cli(
      'token',
      'create',
      '--role',
      'legal',
      '--name',
      'Legal team',
      '--expires-in',
      '90d',
    );
    const token = stdout.trim();
    expect(token).toMatch(/^td_[0-9a-f]{32}_[\w-]{43}$/);
    expect(stderr).toMatch(/"Legal team" \(legal\), expires \d{4}-\S+ \(in 90 d\)\./);
    expect(stderr).toMatch(/shown only this once/);
    await api(token)
      .get('/v1/stats/transparency?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z')
      .expect(200);
    await api(token).get('/v1/raw-messages').expect(403);

    const [row] = (await db.query(`SELECT * FROM api_tokens WHERE name = 'Legal team'`)) as Record<
      string,
      unknown
    >[];
    expect(JSON.stringify(row)).not.toContain(token.slice(-43));
    const days = ((row.expires_at as Date).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    expect(row.created_by).toMatch(/^cli:/);
  });

  it('creates scoped tokens for an account manager and a source', async () => {
    const am = await tokens(
      'create',
      '--role',
      'account_manager',
      '--name',
      'AM Jansen',
      '--account-manager',
      'AM.Jansen@Provider.example',
    );
    const src = await tokens(
      'create',
      '--role',
      'source',
      '--name',
      'EOKM',
      '--source-kind',
      'hotline',
      '--source-name',
      'Meldpunt',
    );
    await api(am.stdout.trim()).get('/v1/customers').expect(200);
    await api(src.stdout.trim()).get('/v1/notices').expect(200);
    const listed = JSON.parse((await tokens('list', '--json')).stdout) as Record<string, unknown>[];
    expect(listed.find((t) => t.name === 'AM Jansen')).toMatchObject({
      role: 'account_manager',
      accountManagerEmail: 'am.jansen@provider.example',
      status: 'active',
    });
    expect(listed.find((t) => t.name === 'EOKM')).toMatchObject({
      role: 'source',
      source: { kind: 'hotline', name: 'Meldpunt' },
      lastUsedAt: expect.any(String),
    });
    // A trusted flagger's token carries its designation (DSA Art. 22), and its principal with it.
    const flagger = await tokens(
      'create',
      ...['--role', 'source', '--name', 'Flagger X', '--source-kind', 'trusted_flagger'],
      ...['--source-name', 'Flagger X', '--designation-reference', 'ACM-TF-2025-007'],
      ...['--designating-authority', 'ACM (NL)'],
    );
    expect(flagger).toMatchObject({
      code: 0,
      stderr: expect.stringContaining('for trusted_flagger "Flagger X" (ACM-TF-2025-007, ACM (NL))'),
    });
    const principal = await app.get(Authenticator).authenticate(flagger.stdout.trim());
    expect(principal.scope.source).toEqual({
      kind: 'trusted_flagger',
      name: 'Flagger X',
      designationReference: 'ACM-TF-2025-007',
      designatingAuthority: 'ACM (NL)',
    });
  });

  it('creates a customer token bound to its customer, as its admin contact on request', async () => {
    const { customer } = await storeCustomer(db);
    const made = await tokens(
      'create',
      '--role',
      'customer',
      '--name',
      'Tenant portal admin',
      '--customer',
      customer.id,
      '--customer-admin',
    );
    expect(made).toMatchObject({
      code: 0,
      stderr: expect.stringContaining(`customer ${customer.id} (admin contact)`),
    });
    await api(made.stdout.trim()).get('/v1/customer/notices').expect(200);
    await api(made.stdout.trim()).get('/v1/notices').expect(403);
    const listed = JSON.parse((await tokens('list', '--json')).stdout) as Record<string, unknown>[];
    expect(listed.find((t) => t.name === 'Tenant portal admin')).toMatchObject({
      role: 'customer',
      customerId: customer.id,
      customerAdmin: true,
    });
    expect(await tokens('create', '--role', 'customer', '--name', 'x')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/needs --customer CUSTOMER_ID/),
    });
    expect(await tokens('create', '--role', 'noc', '--name', 'x', '--customer-admin')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/--customer-admin is for --role customer only/),
    });
    expect(
      await tokens(
        'create',
        '--role',
        'customer',
        '--name',
        'x',
        '--customer',
        '00000000-0000-4000-8000-000000000000',
      ),
    ).toMatchObject({ code: 64, stderr: expect.stringMatching(/customer 00000000-.* does not exist/) });
  });

  it('lists tokens without the tokens, and revokes one at once (from the command line)', async () => {
    const token = (await tokens('create', '--role', 'noc', '--name', 'NOC pager')).stdout.trim();
    await api(token).get('/v1/tasks').expect(200);
    const list = (await tokens('list')).stdout;
    const line = list.split('\n').find((l) => l.includes('NOC pager')) as string;
    // No --expires-in: the default lifetime (API_TOKEN_TTL, 30 days here).
    expect(line).toMatch(
      /^[0-9a-f-]{36} {2}active {2}noc {2}NOC pager {2}expires \S+ \(in 30 d\) {2}last used /,
    );
    const [row] = (await db.query(`SELECT expires_at FROM api_tokens WHERE name = 'NOC pager'`)) as {
      expires_at: Date;
    }[];
    expect((row.expires_at.getTime() - Date.now()) / 86_400_000).toBeCloseTo(30, 1);
    expect(list).not.toContain(token.slice(-43));
    const id = line.slice(0, 36);

    const revoked = await cli('token', 'revoke', id);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${id} \\(NOC pager, noc\\) at `));
    const res = await api(token).get('/v1/tasks').expect(401);
    expect(res.body.message).toMatch(/revoked/);
    expect((await tokens('list')).stdout).toMatch(new RegExp(`${id} {2}revoked`));
  });

  it('refuses bad input with a usage error naming the problem', async () => {
    expect(await tokens('create', '--role', 'root', '--name', 'x')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/unknown role "root"; one of admin, abuse_desk, abuse_lead/),
    });
    expect(await tokens('create', '--role', 'admin')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/--role and --name are required\nusage: takedown token create/),
    });
    expect(await tokens('create', '--role', 'account_manager', '--name', 'x')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/needs --account-manager EMAIL/),
    });
    expect(
      await tokens('create', '--role', 'source', '--name', 'x', '--source-kind', 'hotline'),
    ).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/both --source-kind and --source-name/),
    });
    expect(await tokens('create', '--role', 'noc', '--name', 'x', '--expires-in', 'soon')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/--expires-in "soon" must be a positive duration/),
    });
    expect(await tokens('create', '--role', 'noc', '--name', 'x', '--expires-in', '61d')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/"61d" is longer than the longest lifetime, 60 d \(API_TOKEN_MAX_TTL\)/),
    });
    expect(await tokens('create', '--role', 'noc', '--name', 'x', '--expires-in', '60d')).toMatchObject({
      code: 0,
    });
    expect(
      await tokens(
        'create',
        '--role',
        'source',
        '--name',
        'x',
        '--source-kind',
        'alien',
        '--source-name',
        'y',
      ),
    ).toMatchObject({ code: 64, stderr: expect.stringMatching(/"alien" is not a source kind/) });
    const flagger = [
      '--role',
      'source',
      '--name',
      'x',
      '--source-kind',
      'trusted_flagger',
      '--source-name',
      'F',
    ];
    expect(await tokens('create', ...flagger, '--designating-authority', 'ACM (NL)')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/a trusted flagger token needs its designation reference/),
    });
    expect(await tokens('create', ...flagger, '--designation-reference', 'ACM-TF-1')).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/needs its designating authority \(the Digital Services Coordinator\)/),
    });
    expect(
      await tokens(
        'create',
        ...['--role', 'source', '--name', 'x', '--source-kind', 'hotline', '--source-name', 'H'],
        ...['--designation-reference', 'ACM-TF-1', '--designating-authority', 'ACM (NL)'],
      ),
    ).toMatchObject({
      code: 64,
      stderr: expect.stringMatching(/only a trusted_flagger source has a designation/),
    });
    expect(await tokens('revoke', '00000000-0000-4000-8000-000000000000')).toMatchObject({
      code: 65,
      stderr: expect.stringMatching(/no token/),
    });
    expect(await tokens('revoke')).toMatchObject({ code: 64 });
  });
});
