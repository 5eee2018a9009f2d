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
});
