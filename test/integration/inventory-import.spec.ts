import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { attribute, dataSourceOptions, runMigrations } from '@takedown/persistence';
import { authorizedHttp, type Http } from '../support/api';
import { runCli } from '../support/cli';
import { testEnv } from '../support/env';
import { testSpace, type TestSpace } from '../support/prefixes';

const HEADER =
  'customer_ref,customer_name,contract_type,account_manager_email,abuse_contact_email,language,prefix,assigned_from';

/** The shape of test/fixtures/samples/inventory.csv, in this test's own references and address space. */
function sampleLike(s: TestSpace): string {
  return [
    HEADER,
    `${s.ref('A')},Tenant A Hosting B.V.,colocation,am.jansen@provider.example,abuse@tenant-a.example,nl,${s.v4()}/25,2024-01-01`,
    `${s.ref('B')},Tenant B Cloud Ltd,dedicated,am.smith@provider.example,noc@tenant-b.example,en,${s.v6}:4a00::/56,2025-03-15`,
    `${s.ref('C')},Tenant C Reseller GmbH,colocation,am.jansen@provider.example,abuse@tenant-c.example,en,${s.v4(128)}/25,2023-06-01`,
    `${s.ref('D')},Tenant C end customer,unmanaged,am.jansen@provider.example,ops@end-customer.example,en,${s.v4(192)}/26,2025-09-01`,
    `${s.ref('A')},Tenant A Hosting B.V.,colocation,am.jansen@provider.example,abuse@tenant-a.example,nl,${s.v6}:1000::/52,2024-01-01`,
  ].join('\n');
}

describe('inventory import', () => {
  let app: INestApplication;
  let http: Http;
  let db: DataSource;
  let space: TestSpace;

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    http = await authorizedHttp(app);
    db = app.get(DataSource);
  });
  afterAll(() => app?.close());
  beforeEach(() => (space = testSpace()));

  const importCsv = (csv: string) =>
    http.post('/v1/imports/inventory').set('Content-Type', 'text/csv').send(csv).expect(200);

  /** Everything the import can write for this test's customers, to compare before and after. */
  const snapshot = async () =>
    db.query(
      `SELECT c.reference, c.name, c.contract_type, c.language, c.account_manager_email, c.parent_id, c.updated_at,
              (SELECT json_agg(json_build_array(k.email, k.around_the_clock) ORDER BY k.email)
                 FROM customer_abuse_contacts k WHERE k.customer_id = c.id) AS contacts,
              (SELECT json_agg(json_build_array(p.id, p.cidr, p.valid_from, p.valid_to) ORDER BY p.cidr, p.valid_from)
                 FROM prefix_assignments p WHERE p.customer_id = c.id) AS prefixes
       FROM customers c WHERE c.reference LIKE $1 ORDER BY c.reference`,
      [`${space.ref('')}%`],
    );

  it('imports the sample’s shape, and importing the same file again changes nothing', async () => {
    const csv = sampleLike(space);
    const first = await importCsv(csv);
    expect(first.body).toEqual({
      rows: 5,
      created: 5,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      rejections: [],
    });
    const before = await snapshot();
    expect(before).toHaveLength(4);

    const second = await importCsv(csv);
    expect(second.body).toEqual({
      rows: 5,
      created: 0,
      updated: 0,
      unchanged: 5,
      rejected: 0,
      rejections: [],
    });
    expect(await snapshot()).toEqual(before);

    const end = await attribute(db, space.v4(200), new Date());
    expect(end.customer?.reference).toBe(space.ref('D'));
    expect((await attribute(db, `${space.v6}:1abc::1`, new Date())).customer?.reference).toBe(space.ref('A'));
  });

  it('keeps the good rows of a file with bad ones, and says which row, line and column is wrong and why', async () => {
    const csv = [
      `${HEADER},parent_ref`,
      `${space.ref('ok')},Good,colocation,,abuse@good.example,en,${space.v4()}/26,2024-01-01,`,
      `${space.ref('bits')},Host bits,colocation,,abuse@bits.example,en,${space.v4(1)}/26,2024-01-01,`,
      `${space.ref('orphan')},No parent,unmanaged,,abuse@orphan.example,en,${space.v4(64)}/26,2024-01-01,${space.ref('nobody')}`,
      // A blank line is no row, but it is a line of the file: the lines below count it.
      '',
      `${space.ref('when')},Bad date,colocation,,abuse@when.example,en,${space.v4(128)}/26,last tuesday,`,
      `${space.ref('short')},Too few cells,colocation`,
      `${space.ref('ok2')},Good too,dedicated,,abuse@good2.example,nl,${space.v6}::/48,2024-01-01,${space.ref('ok')}`,
    ].join('\n');
    const res = await importCsv(csv);
    expect(res.body).toMatchObject({ rows: 6, created: 2, updated: 0, unchanged: 0, rejected: 4 });
    expect(res.body.rejections).toEqual([
      {
        row: 2,
        line: 3,
        reference: space.ref('bits'),
        field: 'prefix',
        column: 7,
        reason: expect.stringContaining('host bits'),
      },
      {
        row: 3,
        line: 4,
        reference: space.ref('orphan'),
        field: 'parent_ref',
        column: 9,
        reason: expect.stringContaining('no customer'),
      },
      {
        row: 4,
        line: 6,
        reference: space.ref('when'),
        field: 'assigned_from',
        column: 8,
        reason: expect.stringContaining('must be a date'),
      },
      {
        row: 5,
        line: 7,
        reference: null,
        field: null,
        column: null,
        reason: expect.stringContaining('3 cells'),
      },
    ]);
    // The reasons name the column, never the value that was in it.
    expect(JSON.stringify(res.body.rejections)).not.toContain('last tuesday');
    const refs = (await snapshot()).map((c: { reference: string }) => c.reference);
    expect(refs).toEqual([space.ref('ok'), space.ref('ok2')]);
  });

  it('moves a prefix listed for another customer: the old assignment ends, history stays', async () => {
    const cidr = `${space.v4()}/24`;
    const row = (ref: string, from: string) =>
      `${space.ref(ref)},Tenant ${ref},colocation,,abuse@${ref}.example,en,${cidr},${from}`;
    await importCsv([HEADER, row('old', '2024-01-01')].join('\n'));
    const moved = await importCsv([HEADER, row('new', '2026-02-01')].join('\n'));
    expect(moved.body).toMatchObject({ created: 1, rejected: 0 });
    expect((await attribute(db, space.v4(9), new Date('2026-01-31T00:00:00Z'))).customer?.reference).toBe(
      space.ref('old'),
    );
    expect((await attribute(db, space.v4(9), new Date('2026-02-01T00:00:00Z'))).customer?.reference).toBe(
      space.ref('new'),
    );
    // The file as it was before the move would move it back only from a later date; an earlier one is refused.
    const back = await importCsv([HEADER, row('old', '2024-01-01')].join('\n'));
    expect(back.body).toMatchObject({ unchanged: 1 });
    const earlier = await importCsv([HEADER, row('old', '2025-01-01')].join('\n'));
    expect(earlier.body.rejections).toEqual([expect.objectContaining({ field: 'assigned_from' })]);
  });

  it('imports JSON rows the same way, and updates what changed', async () => {
    const rows = [
      {
        customer_ref: space.ref('json'),
        customer_name: 'JSON Tenant',
        contract_type: 'managed',
        abuse_contact_email: 'abuse@json.example',
        abuse_contact_24_7: true,
        prefix: `${space.v6}::/48`,
        assigned_from: '2025-03-15T08:00:00+01:00',
      },
    ];
    const post = (body: object) => http.post('/v1/imports/inventory').send(body).expect(200);
    expect((await post(rows)).body).toMatchObject({ created: 1 });
    expect((await post(rows)).body).toMatchObject({ unchanged: 1 });
    expect((await post([{ ...rows[0], customer_name: 'JSON Tenant B.V.' }])).body).toMatchObject({
      updated: 1,
    });
    const [customer] = await snapshot();
    expect(customer).toMatchObject({ name: 'JSON Tenant B.V.', contacts: [['abuse@json.example', true]] });
    expect(customer.prefixes[0][2]).toBe('2025-03-15T07:00:00+00:00');
  });

  it('refuses a file whose header lacks a column or has an unknown one, writing nothing', async () => {
    const missing = await http
      .post('/v1/imports/inventory')
      .set('Content-Type', 'text/csv')
      .send(`customer_ref,customer_name\n${space.ref('x')},X`)
      .expect(400);
    expect(missing.body).toMatchObject({ code: 'INVENTORY.MISSING_COLUMN', field: 'contract_type' });
    const unknown = await http
      .post('/v1/imports/inventory')
      .set('Content-Type', 'text/csv')
      .send(`${HEADER},colour\n`)
      .expect(400);
    expect(unknown.body).toMatchObject({ code: 'INVENTORY.UNKNOWN_COLUMN', field: 'colour' });
    await http.post('/v1/imports/inventory').send({ not: 'an array' }).expect(400);
    await http.post('/v1/imports/inventory').set('Content-Type', 'text/plain').send('x').expect(415);
    expect(await snapshot()).toEqual([]);
  });
});

/**
 * The CLI on the real sample file, against a database of its own: the sample's documentation prefixes would
 * otherwise attribute other tests' notices.
 */
describe('takedown import inventory (CLI)', () => {
  const sample = path.join(__dirname, '..', 'fixtures', 'samples', 'inventory.csv');
  const name = `cli_${randomBytes(4).toString('hex')}`;
  const adminUrl = testEnv().DATABASE_URL;
  const url = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await runMigrations(url);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: url });

  it('imports the sample inventory.csv, then finds nothing to change the second time', async () => {
    const first = await cli('import', 'inventory', sample);
    expect(first.stdout).toBe('5 rows: 5 created, 0 updated, 0 unchanged, 0 rejected\n');
    const second = await cli('import', 'inventory', sample, '--json');
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: 5, unchanged: 5 });

    const db = await new DataSource(dataSourceOptions(url, { logging: false })).initialize();
    try {
      const result = await attribute(db, '203.0.113.70', new Date());
      expect(result.chain.map((l) => [l.customer.reference, l.prefix.cidr])).toEqual([
        ['C-1004', '203.0.113.64/26'],
        ['C-1003', '203.0.113.0/24'],
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('exits 2 and lists the bad row when some rows are rejected, 64 on a usage error', async () => {
    const bad = path.join(process.env.TAKEDOWN_TEST_DIR as string, `${name}.json`);
    fs.writeFileSync(
      bad,
      JSON.stringify([
        {
          customer_ref: 'C-9',
          customer_name: 'X',
          contract_type: 'colocation',
          abuse_contact_email: 'a@x.example',
          prefix: '10.0.0.1/8',
          assigned_from: '2024-01-01',
        },
      ]),
    );
    await expect(cli('import', 'inventory', bad)).rejects.toMatchObject({
      code: 2,
      stdout: expect.stringContaining('row 1 (C-9): prefix: host bits are set; the network is 10.0.0.0/8'),
    });
    await expect(cli('import')).rejects.toMatchObject({ code: 64 });
  });
});
