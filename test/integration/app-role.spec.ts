import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { appendAudit, dataSourceOptions } from '@takedown/persistence';
import { startSystem } from '../support/api';
import { testEnv } from '../support/env';

/**
 * The API and worker log in as a member of `takedown_app` (migration AppRole): enough to run, not enough to rewrite
 * the audit trail or the schema, which stay the owner's.
 */
describe('the app database role', () => {
  const env = testEnv();
  const login = `takedown_api_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let owner: DataSource;
  let app: DataSource;
  let appUrl: string;

  beforeAll(async () => {
    owner = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
    await owner.query(`CREATE ROLE ${login} LOGIN PASSWORD '${password}' IN ROLE takedown_app`);
    const url = new URL(env.DATABASE_URL);
    url.username = login;
    url.password = password;
    appUrl = url.toString();
    app = await new DataSource(dataSourceOptions(appUrl)).initialize();
  });

  afterAll(async () => {
    await app?.destroy();
    await owner?.query(`DROP ROLE IF EXISTS ${login}`);
    await owner?.destroy();
  });

  const refusedForPrivilege = async (sql: string, params: unknown[] = []) => {
    const err = await app.query(sql, params).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QueryFailedError);
    // 42501 insufficient_privilege: refused by the grants, before any trigger could have a say.
    expect(`${sql}: ${(err as QueryFailedError & { driverError: { code: string } }).driverError.code}`).toBe(
      `${sql}: 42501`,
    );
  };

  it('appends to and reads the audit log, but cannot change it, disable its triggers or run DDL', async () => {
    const { id } = await appendAudit(app, {
      actor: { kind: 'system', id: 'app-role-test', name: 'app role test' },
      action: 'test.append',
    });
    const [row] = (await app.query(`SELECT action FROM audit_log WHERE id = $1`, [id])) as {
      action: string;
    }[];
    expect(row.action).toBe('test.append');

    await refusedForPrivilege(`UPDATE audit_log SET action = 'test.forged' WHERE id = $1`, [id]);
    await refusedForPrivilege(`DELETE FROM audit_log WHERE id = $1`, [id]);
    await refusedForPrivilege(`TRUNCATE audit_log`);
    await refusedForPrivilege(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await refusedForPrivilege(`DROP TRIGGER audit_log_chain ON audit_log`);
    await refusedForPrivilege(`CREATE TABLE app_role_probe (id int)`);
    await refusedForPrivilege(`ALTER TABLE notices ADD COLUMN probe int`);
    await refusedForPrivilege(`DELETE FROM schema_migrations`);
  });

  it('runs the API and worker on it: a notice is taken, audited and read back', async () => {
    const system = await startSystem({ DATABASE_URL: appUrl });
    try {
      const ref = `app-role-${randomUUID()}`;
      const created = await system.http
        .post('/v1/notices')
        .send({
          source: { kind: 'hotline', name: 'Example Hotline' },
          sourceReference: ref,
          category: 'phishing',
          urls: [`https://login.tenant-b.example/${ref}`],
        })
        .expect(201);
      await system.http.get(`/v1/notices/${created.body.id}`).expect(200);
      const audited = (await owner.query(`SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1`, [
        created.body.id,
      ])) as { n: number }[];
      expect(audited[0].n).toBeGreaterThan(0);
    } finally {
      await system.stop();
    }
  });
});
