import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { standingPolicyFor } from '@takedown/domain';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import { standingEventSignal, standingWorkflowId } from '@takedown/workflows/standing-messages';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

/**
 * Preventive measures with evidence: the customer declares one, the desk verifies or rejects it, and only a verified
 * measure counts in the standing, which reads the customer record (one source of truth), on the real stack.
 */
describe('preventive measures with evidence', () => {
  let system: RunningSystem;
  let db: DataSource;
  let a: StoredCustomer;
  let b: StoredCustomer;
  let asA: Http;
  let asB: Http;
  let desk: Http;

  beforeAll(async () => {
    system = await startSystem({ POLICY_PROFILE: 'demo' });
    db = system.app.get(DataSource);
    [a, b] = [await storeCustomer(db, { policyProfile: 'demo' }), await storeCustomer(db)];
    asA = await system.as('customer', { customerId: a.customer.id });
    asB = await system.as('customer', { customerId: b.customer.id });
    desk = await system.as('abuse_desk');
  });
  afterAll(() => system?.stop());

  const level = (customerId: string) =>
    desk.get(`/v1/customers/${customerId}/standing`).then((r) => r.body.level as string);

  it('counts a measure in the standing only once the desk verified it, and no longer once it rejected it', async () => {
    // A missed deadline, as a closing notice tells the standing: watch, one worse without a verified measure.
    const client = system.app.get(Client);
    await client.workflow.signalWithStart(customerStandingWorkflow, {
      workflowId: standingWorkflowId(a.customer.id),
      taskQueue: system.env.TEMPORAL_TASK_QUEUE,
      args: [{ version: 1, customerId: a.customer.id, policy: standingPolicyFor('demo') }],
      signal: standingEventSignal,
      signalArgs: [
        {
          id: 'measures-test:closed:0',
          event: {
            type: 'notice_closed',
            noticeId: '00000000-0000-4000-8000-00000000beef',
            category: 'spam',
            outcome: 'removed_late',
            deadlineMissed: true,
            falseClaims: 0,
            at: new Date().toISOString(),
          },
        },
      ],
    });
    await eventually(
      () => level(a.customer.id),
      (l) => l === 'warning',
    );

    const declared = await asA
      .post('/v1/customer/measures')
      .send({
        kind: 'hash_check_uploads',
        evidence: 'Uploads checked against the hotline list',
        date: '2026-03-01',
      })
      .expect(201);
    expect(declared.body).toMatchObject({
      kind: 'hash_check_uploads',
      status: 'declared',
      evidenceDate: '2026-03-01',
    });
    const bad = await asA
      .post('/v1/customer/measures')
      .send({ kind: 'Hash Check', evidence: 'x', date: 'soon' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/kind|date/);
    const listed = await desk.get(`/v1/customers/${a.customer.id}/measures`).expect(200);
    expect(listed.body).toEqual([
      expect.objectContaining({ status: 'declared', evidence: 'Uploads checked against the hotline list' }),
    ]);
    expect((await asA.get('/v1/customer/standing').expect(200)).body).toMatchObject({
      level: 'warning',
      verifiedMeasures: [],
    });

    const verified = await desk
      .post(`/v1/customers/${a.customer.id}/measures/hash_check_uploads/verify`)
      .expect(200);
    expect(verified.body).toMatchObject({ status: 'verified', verifiedBy: expect.stringMatching(/^token:/) });
    await eventually(
      () => level(a.customer.id),
      (l) => l === 'watch',
    );
    expect((await asA.get('/v1/customer/standing').expect(200)).body.verifiedMeasures).toEqual([
      'hash_check_uploads',
    ]);
    // A verified measure stands until the desk drops it: declaring it again is refused.
    const again = await asA
      .post('/v1/customer/measures')
      .send({ kind: 'hash_check_uploads', evidence: 'new', date: '2026-04-01' })
      .expect(409);
    expect(again.body.code).toBe('MEASURE.ALREADY_VERIFIED');

    await desk
      .post(`/v1/customers/${a.customer.id}/measures/hash_check_uploads/reject`)
      .send({ reason: 'the list named is not the hotline’s' })
      .expect(200);
    await eventually(
      () => level(a.customer.id),
      (l) => l === 'warning',
    );
    const mine = await asA.get('/v1/customer/measures').expect(200);
    expect(mine.body).toEqual([
      expect.objectContaining({
        status: 'rejected',
        rejectionReason: 'the list named is not the hotline’s',
        verifiedAt: null,
      }),
    ]);
    expect(mine.body[0]).not.toHaveProperty('verifiedBy');
    const audited = (await db.query(
      `SELECT action, actor_kind, role FROM audit_log WHERE target_id = $1 AND action LIKE 'measure.%' ORDER BY id`,
      [a.customer.id],
    )) as { action: string; actor_kind: string; role: string }[];
    expect(audited).toEqual([
      { action: 'measure.declare', actor_kind: 'token', role: 'customer' },
      { action: 'measure.verify', actor_kind: 'token', role: 'abuse_desk' },
      { action: 'measure.reject', actor_kind: 'token', role: 'abuse_desk' },
    ]);
  });

  it('keeps the desk’s standing finding on a measure in the customer record too', async () => {
    await desk
      .post(`/v1/customers/${b.customer.id}/standing/events`)
      .send({ type: 'measure_verified', measure: 'abuse_desk_247' })
      .expect(202);
    const listed = await desk.get(`/v1/customers/${b.customer.id}/measures`).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ kind: 'abuse_desk_247', status: 'verified' })]);
    expect((await asB.get('/v1/customer/standing').expect(200)).body.verifiedMeasures).toEqual([
      'abuse_desk_247',
    ]);
  });

  it('keeps the evidence when the desk edits the customer’s measures with the customer', async () => {
    const { customer } = await storeCustomer(db);
    const own = await system.as('customer', { customerId: customer.id });
    await own
      .post('/v1/customer/measures')
      .send({ kind: 'hash_check_uploads', evidence: 'Checked since March', date: '2026-03-01' })
      .expect(201);
    await desk
      .post(`/v1/customers/${customer.id}/measures/hash_check_uploads/reject`)
      .send({ reason: 'no proof yet' })
      .expect(200);
    await desk
      .patch(`/v1/customers/${customer.id}`)
      .send({ preventiveMeasures: [{ kind: 'hash_check_uploads', verifiedAt: '2026-04-01T10:00:00Z' }] })
      .expect(200);
    const listed = await desk.get(`/v1/customers/${customer.id}/measures`).expect(200);
    expect(listed.body).toEqual([
      expect.objectContaining({
        status: 'verified',
        evidence: 'Checked since March',
        rejectionReason: null,
        verifiedAt: '2026-04-01T10:00:00.000Z',
      }),
    ]);
  });

  it('refuses a date the calendar does not have with a 400 naming it, which PostgreSQL answered with a 500 (fuzz run 9)', async () => {
    for (const date of ['0000-00-00', '0000-01-01', '2026-02-30', '2026-00-10', '2026-3-1']) {
      const res = await asA.post('/v1/customer/measures').send({ kind: 'attribute', evidence: '0', date });
      expect({ date, status: res.status, fields: res.body.fields }).toEqual({
        date,
        status: 400,
        fields: [{ field: 'date', problems: ['date must be a calendar date like 2026-03-01'] }],
      });
    }
    await asA
      .post('/v1/customer/measures')
      .send({ kind: 'attribute', evidence: '0', date: '0001-01-01' })
      .expect(201);
  });

  it('lets neither another customer nor another account manager near a customer’s measures', async () => {
    await asB
      .post('/v1/customer/measures')
      .query({ customerId: a.customer.id })
      .send({ kind: 'sneaky', evidence: 'x', date: '2026-01-01' })
      .expect(404);
    const other = await system.as('account_manager');
    await other.get(`/v1/customers/${a.customer.id}/measures`).expect(404);
    const own = await system.as('account_manager', {
      accountManagerEmail: a.customer.accountManagerEmail as string,
    });
    await own.get(`/v1/customers/${a.customer.id}/measures`).expect(200);
    await desk
      .post(`/v1/customers/${b.customer.id}/measures/never_declared/reject`)
      .send({ reason: 'x' })
      .expect(404);
    const rows = (await db.query(
      `SELECT kind FROM customer_preventive_measures WHERE kind = 'sneaky'`,
    )) as unknown[];
    expect(rows).toEqual([]);
  });
});
