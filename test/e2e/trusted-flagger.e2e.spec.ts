import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';

/**
 * DSA Art. 22: a trusted flagger's notice records its designation (the reference and the Digital Services
 * Coordinator that gave it) as of receipt: required where the caller names its source, taken from the token where a
 * `source` token fixes it, and shown with the notice's reports.
 */
describe('trusted flaggers’ designations at intake', () => {
  let system: RunningSystem;
  let customer: StoredCustomer;
  const tag = randomUUID();
  const notice = (source: Record<string, string>, n: string) => ({
    source,
    sourceReference: `tf-${tag}-${n}`,
    category: 'phishing',
    urls: [`https://files.tenant.example/${tag}/${n}.html`],
  });

  beforeAll(async () => {
    system = await startSystem();
    customer = await storeCustomer(system.app.get(DataSource));
  });
  afterAll(() => system?.stop());

  it('answers a trusted flagger without its designation with a 400 naming the field, and stores nothing', async () => {
    const flagger = { kind: 'trusted_flagger', name: `Flagger ${tag}` };
    const cases: [Record<string, string>, string][] = [
      [flagger, 'source.designationReference'],
      [{ ...flagger, designatingAuthority: 'ACM (NL)' }, 'source.designationReference'],
      [{ ...flagger, designationReference: 'ACM-TF-1' }, 'source.designatingAuthority'],
      [{ kind: 'hotline', name: `Hotline ${tag}`, designationReference: 'X' }, 'source.designationReference'],
    ];
    for (const [i, [source, field]] of cases.entries()) {
      const res = await system.http
        .post('/v1/notices')
        .send(notice(source, `bad-${i}`))
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'REQUEST.INVALID', fields: [{ field }] });
      expect(res.body.message).toContain(field);
    }
    // In a batch the item is rejected naming the field.
    const batch = await system.http
      .post('/v1/notices/batch')
      .send([notice({ ...flagger, designationReference: 'ACM-TF-1' }, 'batch-bad')])
      .expect(200);
    expect(batch.body.items[0]).toMatchObject({ status: 'rejected', field: 'source.designatingAuthority' });
    const [{ n }] = (await system.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM notice_reports WHERE source_reference LIKE $1`, [
        `tf-${tag}-%`,
      ])) as {
      n: number;
    }[];
    expect(n).toBe(0);
  });

  it('stores the designation with the report as of receipt and shows it with the notice’s reports', async () => {
    const source = {
      kind: 'trusted_flagger',
      name: `Flagger ${tag}`,
      designationReference: 'ACM-TF-2025-007',
      designatingAuthority: 'ACM (NL)',
    };
    const created = await system.http
      .post('/v1/notices')
      .send({ ...notice(source, 'ok'), ip: customer.ip })
      .expect(201);
    expect(created.body.reports).toEqual([
      expect.objectContaining({
        kind: 'trusted_flagger',
        designationReference: 'ACM-TF-2025-007',
        designatingAuthority: 'ACM (NL)',
      }),
    ]);
    const read = (await system.http.get(`/v1/notices/${created.body.id}`).expect(200)).body;
    expect(read.reports).toEqual([
      expect.objectContaining({
        name: source.name,
        sourceReference: `tf-${tag}-ok`,
        designationReference: 'ACM-TF-2025-007',
        designatingAuthority: 'ACM (NL)',
      }),
    ]);
    // A later designation of the same flagger does not rewrite what this report was made under.
    await system.http
      .post('/v1/notices')
      .send({ ...notice({ ...source, designationReference: 'ACM-TF-2027-001' }, 'later'), ip: customer.ip })
      .expect(201);
    const again = (await system.http.get(`/v1/notices/${created.body.id}`).expect(200)).body;
    expect(again.reports[0].designationReference).toBe('ACM-TF-2025-007');
    // Other sources have none.
    const hotline = await system.http
      .post('/v1/notices')
      .send({ ...notice({ kind: 'hotline', name: `Hotline ${tag}` }, 'hotline'), ip: customer.ip })
      .expect(201);
    expect(hotline.body.reports[0]).toMatchObject({ designationReference: null, designatingAuthority: null });
  });

  it('takes a trusted flagger token’s designation, whatever the body says', async () => {
    const token = {
      kind: 'trusted_flagger',
      name: `Token flagger ${tag}`,
      designationReference: 'CNAM-TF-3',
      designatingAuthority: 'Coimisiún na Meán (IE)',
    };
    const flagger = await system.as('source', { source: token });
    const res = await flagger
      .post('/v1/notices')
      .send({
        ...notice(
          {
            kind: 'trusted_flagger',
            name: 'Someone else',
            designationReference: 'FAKE',
            designatingAuthority: 'X',
          },
          'token',
        ),
        ip: customer.ip,
      })
      .expect(201);
    const staff = (await system.http.get(`/v1/notices/${res.body.id}`).expect(200)).body;
    expect(staff.reports).toEqual([
      expect.objectContaining({
        name: token.name,
        designationReference: 'CNAM-TF-3',
        designatingAuthority: 'Coimisiún na Meán (IE)',
      }),
    ]);
    // The body may leave the source out altogether: the token's is the notice's.
    const bare = await flagger
      .post('/v1/notices')
      .send({ sourceReference: `tf-${tag}-bare`, category: 'phishing', urls: [`https://x.example/${tag}`] })
      .expect(201);
    expect(bare.body.reports[0]).toMatchObject({ designatingAuthority: 'Coimisiún na Meán (IE)' });
  });
});
