import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { INestApplication } from '@nestjs/common';
import { CATEGORIES, CATEGORY_POLICY_FIELDS, DEFAULT_POLICY, DEMO_POLICY, type Role } from '@takedown/domain';
import {
  createApiToken,
  POLICY_ID_PATTERN,
  PolicyEntity,
  policyInForce,
  verifyAuditChain,
} from '@takedown/persistence';
import { CUSTOMER_EXAMPLE } from '@takedown/api/customers/customer.dto';
import { policyCommand } from '../../apps/cli/src/commands/policy';
import { runCli } from '../support/cli';
import { ownDatabase } from '../support/own-database';

const HOUR = 3_600_000;
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Timer policies written and read without SQL: `GET/POST /v1/policies` and `takedown policy list|show|set`, one
 * write path, against a database of their own (the shared one's `default` policy is every other suite's).
 */
describe('policies through the API and the CLI', () => {
  const own = ownDatabase('policies');
  let db: DataSource;
  let app: INestApplication;
  const tokens = new Map<Role, { token: string; id: string }>();

  beforeAll(async () => {
    await own.start();
    ({ db, app } = own);
    for (const role of ['admin', 'abuse_lead', 'abuse_desk', 'legal'] as Role[]) {
      const { token, record } = await createApiToken(db, {
        name: `policies ${role}`,
        role,
        createdBy: 'test',
      });
      tokens.set(role, { token, id: record.id });
    }
  });
  afterAll(() => own.stop());

  const as = (role: Role) => {
    const auth = `Bearer ${tokens.get(role)!.token}`;
    const http = request(app.getHttpServer());
    return {
      get: (p: string) => http.get(p).set('Authorization', auth),
      post: (p: string, body: object) => http.post(p).set('Authorization', auth).send(body),
    };
  };
  const versionsOf = async (id: string) =>
    (
      (await db.query(`SELECT version FROM policies WHERE id = $1 ORDER BY version`, [id])) as {
        version: number;
      }[]
    ).map((r) => r.version);
  const auditRows = async (id: string) =>
    (await db.query(
      `SELECT target_type, actor_kind, actor_id, role, action, summary FROM audit_log
        WHERE target_id = $1 ORDER BY id`,
      [id],
    )) as {
      target_type: string;
      actor_kind: string;
      actor_id: string;
      role: string;
      action: string;
      summary: Record<string, unknown>;
    }[];

  it('lists the seeded profiles with their versions, when each takes effect and who made them', async () => {
    const res = await as('legal').get('/v1/policies').expect(200);
    expect(res.body.items.map((p: { id: string }) => p.id)).toEqual(['default', 'demo']);
    expect(res.body.items[0]).toMatchObject({
      id: 'default',
      inForce: 7,
      versions: [
        { version: 1, effectiveFrom: null, createdBy: 'system:migration', inForce: false },
        { version: 2, effectiveFrom: expect.any(String), createdBy: 'system:migration', inForce: false },
        { version: 3, effectiveFrom: expect.any(String), createdBy: 'system:migration', inForce: false },
        { version: 4, effectiveFrom: expect.any(String), createdBy: 'system:migration', inForce: false },
        { version: 5, effectiveFrom: expect.any(String), createdBy: 'system:migration', inForce: false },
        { version: 6, effectiveFrom: expect.any(String), createdBy: 'system:migration', inForce: false },
        { version: 7, effectiveFrom: expect.any(String), createdBy: 'system:migration', inForce: true },
      ],
    });
    const current = await as('abuse_lead').get('/v1/policies/default?version=current').expect(200);
    expect(current.body.versions).toHaveLength(1);
    expect(current.body.versions[0]).toMatchObject({ version: 7, categories: DEFAULT_POLICY.categories });
  });

  it('labels a version inserted by hand, without the API or the CLI, as made in SQL', async () => {
    await db.getRepository(PolicyEntity).insert({
      id: 'by-hand',
      version: 1,
      categories: DEFAULT_POLICY.categories,
      effectiveFrom: new Date(),
    });
    const res = await as('legal').get('/v1/policies/by-hand').expect(200);
    expect(res.body.versions).toEqual([expect.objectContaining({ version: 1, createdBy: 'system:sql' })]);
  });

  it('stores a new profile from an admin, with the caller as author and one audit row naming it', async () => {
    const res = await as('admin')
      .post('/v1/policies', { id: 'gold', categories: DEMO_POLICY.categories })
      .expect(201);
    const admin = tokens.get('admin')!.id;
    expect(res.body).toMatchObject({
      id: 'gold',
      version: 1,
      createdBy: `token:${admin}`,
      inForce: true,
      categories: DEMO_POLICY.categories,
    });
    expect(Date.now() - Date.parse(res.body.effectiveFrom)).toBeLessThan(60_000);
    const rows = await auditRows('gold');
    // One row, in the transaction of the insert: the interceptor adds none of its own.
    expect(rows).toEqual([
      {
        target_type: 'policy',
        actor_kind: 'token',
        actor_id: admin,
        role: 'admin',
        action: 'policy.create',
        summary: expect.objectContaining({
          version: 1,
          previousVersion: null,
          categories: DEMO_POLICY.categories,
        }),
      },
    ]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('gives writers racing on one profile one version number each', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        as('admin').post('/v1/policies', { id: 'race', categories: DEFAULT_POLICY.categories }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(results.map((r) => r.body.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await versionsOf('race')).toEqual([1, 2, 3, 4, 5]);
  });

  it('takes no author from the body: a caller-typed `by` is refused', async () => {
    const res = await as('admin')
      .post('/v1/policies', { id: 'gold', categories: DEMO_POLICY.categories, by: 'someone else' })
      .expect(400);
    expect(res.body.message).toMatch(/is not a property this route takes/);
    expect(await versionsOf('gold')).toEqual([1]);
  });

  it('refuses writes from every role but admin, and reads from roles without a need', async () => {
    for (const role of ['abuse_lead', 'legal', 'abuse_desk'] as Role[]) {
      const res = await as(role)
        .post('/v1/policies', { id: 'gold', categories: DEFAULT_POLICY.categories })
        .expect(403);
      expect(res.body.code).toBe('AUTH.FORBIDDEN');
    }
    await as('abuse_desk').get('/v1/policies').expect(403);
    expect(await versionsOf('gold')).toEqual([1]);
    expect(await auditRows('gold')).toHaveLength(1);
  });

  it('keeps the version in force until a future one takes effect, and pins receipt times to the one in force then', async () => {
    const at = new Date(Date.now() + HOUR);
    const next = copy(DEMO_POLICY.categories);
    next.csam = { reminders: ['PT5S'], deadline: 'PT10S' };
    const res = await as('admin')
      .post('/v1/policies', { id: 'gold', categories: next, effectiveFrom: at.toISOString() })
      .expect(201);
    expect(res.body).toMatchObject({ version: 2, effectiveFrom: at.toISOString(), inForce: false });

    const profile = await as('legal').get('/v1/policies/gold').expect(200);
    expect(profile.body.inForce).toBe(1);
    expect(
      profile.body.versions.map((v: { version: number; inForce: boolean }) => [v.version, v.inForce]),
    ).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(
      (await as('legal').get('/v1/policies/gold?version=current').expect(200)).body.versions[0].version,
    ).toBe(1);
    expect(
      (await as('legal').get('/v1/policies/gold?version=2').expect(200)).body.versions[0].categories.csam,
    ).toEqual(next.csam);

    // What the worker pins at attribution: the newest version that had taken effect at the notice's receipt.
    const [v1] = (await db.query(
      `SELECT effective_from FROM policies WHERE id = 'gold' AND version = 1`,
    )) as {
      effective_from: Date;
    }[];
    expect((await policyInForce(db, 'gold', new Date()))?.version).toBe(1);
    expect((await policyInForce(db, 'gold', new Date(at.getTime() - 1)))?.version).toBe(1);
    expect((await policyInForce(db, 'gold', at))?.version).toBe(2);
    expect((await policyInForce(db, 'gold', new Date(at.getTime() + 24 * HOUR)))?.version).toBe(2);
    expect(await policyInForce(db, 'gold', new Date(v1.effective_from.getTime() - 1))).toBeNull();
    expect(
      await policyInForce(db, 'gold', new Date(v1.effective_from.getTime() - 1), 'default'),
    ).toMatchObject({
      id: 'default',
      version: 7,
    });
  });

  it('names every problem in one 400 and stores nothing: timers by path, and an effective time before the latest', async () => {
    const broken = copy(DEFAULT_POLICY.categories) as unknown as Record<string, Record<string, unknown>>;
    broken.csam.reminders = ['PT6H', 'PT30H'];
    broken.phishing.lastCall = 'P3D';
    broken.malware.deadline = 'P1M';
    delete broken.spam;
    broken.fraud = { reminders: [], deadline: 'PT1H' };
    const audited = (await auditRows('gold')).length;
    const res = await as('admin')
      .post('/v1/policies', {
        id: 'gold',
        categories: broken,
        effectiveFrom: new Date(Date.now() + HOUR / 2).toISOString(),
      })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'POLICY.INVALID' });
    expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual([
      'categories.csam.reminders[1]',
      'categories.phishing.lastCall',
      'categories.malware.deadline',
      'categories.spam',
      'categories.fraud',
      'effectiveFrom',
    ]);
    expect(res.body.message).toContain(
      'categories.csam.reminders[1]: "PT30H" must be before the deadline ("PT24H")',
    );
    expect(res.body.message).toMatch(/effectiveFrom: may not be before .*, when version 2 takes effect/);
    expect(await versionsOf('gold')).toEqual([1, 2]);
    expect(await auditRows('gold')).toHaveLength(audited);
  });

  it('refuses a bad id and an effective time in the past, and answers 404 and 400 for reads that cannot be met', async () => {
    const res = await as('admin')
      .post('/v1/policies', {
        id: 'Gold Plan',
        categories: DEFAULT_POLICY.categories,
        effectiveFrom: new Date(Date.now() - 24 * HOUR).toISOString(),
      })
      .expect(400);
    expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual(['id', 'effectiveFrom']);
    expect(res.body.fields[1].problems[0]).toMatch(/may not be in the past/);
    expect((await as('legal').get('/v1/policies/platinum').expect(404)).body).toMatchObject({
      code: 'POLICY.NOT_FOUND',
      field: 'id',
    });
    expect((await as('legal').get('/v1/policies/gold?version=9').expect(404)).body.field).toBe('version');
    expect((await as('legal').get('/v1/policies/gold?version=latest').expect(400)).body.code).toBe(
      'REQUEST.INVALID',
    );
  });

  it('lets a contract name a profile made here, and refuses one that does not exist', async () => {
    const customer = (reference: string, policyProfile: string) => ({
      ...CUSTOMER_EXAMPLE,
      reference,
      contract: { ...CUSTOMER_EXAMPLE.contract, policyProfile },
    });
    const made = await as('admin').post('/v1/customers', customer('C-GOLD', 'gold')).expect(201);
    expect(made.body.contract.policyProfile).toBe('gold');
    const refused = await as('admin').post('/v1/customers', customer('C-PLATINUM', 'platinum')).expect(400);
    expect(refused.body).toMatchObject({ code: 'CUSTOMER.UNKNOWN_POLICY', field: 'contract.policyProfile' });
    expect(await db.query(`SELECT 1 FROM customers WHERE reference = 'C-PLATINUM'`)).toEqual([]);
  });

  it('documents every policy route with its error responses, and every category and timer the rules know', async () => {
    const doc = (await as('legal').get('/docs-json').expect(200)).body;
    expect(doc.paths['/v1/policies'].get.responses).toHaveProperty('200');
    expect(doc.paths['/v1/policies/{id}'].get.responses).toHaveProperty('404');
    expect(doc.paths['/v1/policies/{id}'].get.responses).toHaveProperty('400');
    const post = doc.paths['/v1/policies'].post;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
    expect(post.responses['400'].content['application/json'].schema.example).toMatchObject({
      code: 'POLICY.INVALID',
      fields: expect.any(Array),
    });
    const schemas = doc.components.schemas;
    expect(schemas.CreatePolicyDto.properties.id.pattern).toBe(POLICY_ID_PATTERN.source);
    expect(Object.keys(schemas.PolicyCategoriesView.properties).sort()).toEqual([...CATEGORIES].sort());
    expect(Object.keys(schemas.CategoryPolicyView.properties).sort()).toEqual(
      [...CATEGORY_POLICY_FIELDS].sort(),
    );
  });

  describe('takedown policy', () => {
    const cli = (...args: string[]) => runCli(args, { DATABASE_URL: own.url });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policies-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('lists the profiles and their versions', async () => {
      const { stdout } = await cli('policy', 'list');
      expect(stdout).toMatch(/^default \(in force: version 7\)$/m);
      expect(stdout).toMatch(/^gold \(in force: version 1\)$/m);
      expect(stdout).toMatch(/^ {2}version 2 {2}from \S+Z {2}by token:\S+ {2}at \S+$/m);
    });

    it('shows a version as JSON that `policy set` reads back as the next version, by the operator, audited', async () => {
      const shown = JSON.parse((await cli('policy', 'show', 'gold', '--version', '1')).stdout) as {
        id: string;
        version: number;
        categories: typeof DEFAULT_POLICY.categories;
      };
      expect(shown).toMatchObject({
        id: 'gold',
        version: 1,
        inForce: true,
        categories: DEMO_POLICY.categories,
      });
      shown.categories.spam = { reminders: ['PT20S'], deadline: 'PT40S' };
      const file = path.join(dir, 'gold.json');
      fs.writeFileSync(file, JSON.stringify(shown));
      const at = new Date(Date.now() + 2 * HOUR).toISOString();
      const { stdout } = await cli('policy', 'set', 'gold', '--file', file, '--effective-from', at);
      expect(stdout.trim()).toBe(`policy gold version 3 stored, in effect from ${at}`);

      const [row] = (await db.query(
        `SELECT version, created_by, categories FROM policies WHERE id = 'gold' AND version = 3`,
      )) as { version: number; created_by: string; categories: Record<string, unknown> }[];
      expect(row.created_by).toBe(`cli:${os.userInfo().username}`);
      expect(row.categories.spam).toEqual({ reminders: ['PT20S'], deadline: 'PT40S' });
      expect((await auditRows('gold')).at(-1)).toMatchObject({
        actor_kind: 'cli',
        actor_id: os.userInfo().username,
        action: 'policy.create',
        summary: expect.objectContaining({ version: 3, previousVersion: 2 }),
      });
    });

    it('refuses a file that breaks the rules with exit 65, naming each problem, and stores nothing', async () => {
      const file = path.join(dir, 'broken.json');
      const broken = copy(DEFAULT_POLICY.categories) as unknown as Record<string, Record<string, unknown>>;
      broken.csam.lastCall = 'PT24H';
      delete broken.other;
      fs.writeFileSync(file, JSON.stringify(broken));
      const err: string[] = [];
      const code = await policyCommand('set', ['gold', '--file', file], {
        io: { out: () => undefined, err: (l) => err.push(l) },
        databaseUrl: own.url,
      });
      expect(code).toBe(65);
      expect(err).toEqual([
        'categories.csam.lastCall: "PT24H" is counted back from the deadline and must be shorter than it ("PT24H")',
        'categories.other: is required',
        expect.stringMatching(/^effectiveFrom: may not be before \S+, when version 3 takes effect/),
      ]);
      expect(await versionsOf('gold')).toEqual([1, 2, 3]);
    });
  });
});
