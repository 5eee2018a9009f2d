import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DEMO_POLICY } from '@takedown/domain';
import { NoticeEntity } from '@takedown/persistence';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

const HOUR = 3_600_000;

/**
 * A policy made through the API drives real notices: the worker pins the version in force at receipt, and a version
 * that takes effect later changes nothing for them (real stack: PostgreSQL, Temporal dev server, a worker).
 */
describe('a policy made with POST /v1/policies, end to end', () => {
  let system: RunningSystem;
  let db: DataSource;

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
  }, 600_000);
  afterAll(() => system?.stop());

  it('pins a new notice to the version in force at its receipt, not to one that takes effect later', async () => {
    const profile = `e2e-${randomBytes(4).toString('hex')}`;
    const timers = (deadline: string) => ({
      ...DEMO_POLICY.categories,
      csam: { reminders: ['PT30M'], deadline },
    });
    await system.http
      .post('/v1/policies')
      .send({ id: profile, categories: timers('PT2H') })
      .expect(201);
    await system.http
      .post('/v1/policies')
      .send({
        id: profile,
        categories: timers('PT3H'),
        effectiveFrom: new Date(Date.now() + HOUR).toISOString(),
      })
      .expect(201);
    const { ip } = await storeCustomer(db, { policyProfile: profile });

    const reference = `policies-${randomUUID()}`;
    const created = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
        sourceReference: reference,
        category: 'csam',
        urls: [`https://files.tenant-a.example/gallery/${reference}`],
        ip,
      })
      .expect(201);
    const notice = await eventually(
      () => db.getRepository(NoticeEntity).findOneByOrFail({ id: created.body.id }),
      (n) => n.policyVersion !== null && n.deadline !== null,
    );
    expect({ policyId: notice.policyId, policyVersion: notice.policyVersion }).toEqual({
      policyId: profile,
      policyVersion: 1,
    });
    expect(notice.deadline!.getTime() - notice.receivedAt.getTime()).toBe(2 * HOUR);
  });

  it('gives a trusted flagger’s and an authority’s notice the clock the policy gives them, everyone else the category’s', async () => {
    const profile = `e2e-${randomBytes(4).toString('hex')}`;
    await system.http
      .post('/v1/policies')
      .send({
        id: profile,
        categories: {
          ...DEMO_POLICY.categories,
          phishing: {
            reminders: ['PT1H'],
            deadline: 'PT48H',
            byNotifier: {
              trusted_flagger: { reminders: ['PT1H'], deadline: 'PT24H' },
              authority: { reminders: ['PT1H'], deadline: 'PT12H' },
            },
          },
        },
      })
      .expect(201);
    const { ip } = await storeCustomer(db, { policyProfile: profile });
    const deadlineOf = async (kind: string) => {
      const reference = `notifier-${randomUUID()}`;
      const created = await system.http
        .post('/v1/notices')
        .send({
          source: {
            kind,
            name: `A ${kind}`,
            // A trusted flagger names its designation (DSA Art. 22).
            ...(kind === 'trusted_flagger'
              ? { designationReference: 'ACM-TF-1', designatingAuthority: 'ACM (NL)' }
              : {}),
          },
          sourceReference: reference,
          category: 'phishing',
          urls: [`https://login.tenant-a.example/${reference}`],
          ip,
        })
        .expect(201);
      const notice = await eventually(
        () => db.getRepository(NoticeEntity).findOneByOrFail({ id: created.body.id }),
        (n) => n.deadline !== null,
      );
      return (notice.deadline!.getTime() - notice.receivedAt.getTime()) / HOUR;
    };
    expect(await deadlineOf('trusted_flagger')).toBe(24);
    expect(await deadlineOf('police')).toBe(12);
    expect(await deadlineOf('public')).toBe(48);
    expect(await deadlineOf('hotline')).toBe(48);
  });

  it('refuses a notifier’s timers that do not fit, naming the field', async () => {
    const res = await system.http
      .post('/v1/policies')
      .send({
        id: `e2e-${randomBytes(4).toString('hex')}`,
        categories: {
          ...DEMO_POLICY.categories,
          phishing: {
            reminders: ['PT1H'],
            deadline: 'PT48H',
            byNotifier: { trusted_flagger: { reminders: ['PT30H'], deadline: 'PT24H' }, celebrity: {} },
          },
        },
      })
      .expect(400);
    const fields = (res.body.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'categories.phishing.byNotifier.trusted_flagger.reminders[0]',
        expect.stringMatching(/^categories\.phishing\.byNotifier/),
      ]),
    );
  });
});
