import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';

/** `GET /v1/terminations`: legal's list of cases, newest first, by status and customer, paginated. */
describe('the termination cases list', () => {
  let system: RunningSystem;
  let db: DataSource;
  let customer: StoredCustomer;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    customer = await storeCustomer(db);
    // One customer's history of cases: two ended, one running (a customer has one running case at most).
    for (const [status, daysAgo] of [
      ['rejected', 30],
      ['withdrawn', 20],
      ['legal_review', 1],
    ] as const) {
      const id = randomUUID();
      ids[status] = id;
      await db.query(
        `INSERT INTO termination_cases (id, customer_id, status, opened_by, reason, workflow_id, opened_at)
         VALUES ($1, $2, $3, 'token:legal', 'Structural failure to act', $4, now() - $5 * interval '1 day')`,
        [id, customer.customer.id, status, `termination-${id}`, daysAgo],
      );
    }
  });
  afterAll(() => system?.stop());

  it('lists a customer’s cases newest first with the customer named, filtered by status, paginated', async () => {
    const legal = await system.as('legal');
    const all = await legal.get('/v1/terminations').query({ customer: customer.customer.id }).expect(200);
    expect(all.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(all.body.items.map((c: { id: string }) => c.id)).toEqual([
      ids.legal_review,
      ids.withdrawn,
      ids.rejected,
    ]);
    expect(all.body.items[0]).toEqual({
      id: ids.legal_review,
      customer: {
        id: customer.customer.id,
        reference: customer.customer.reference,
        name: customer.customer.name,
      },
      status: 'legal_review',
      openedBy: 'token:legal',
      reason: 'Structural failure to act',
      openedAt: expect.any(String),
      effectiveAt: null,
      closedAt: null,
    });
    const running = await legal
      .get('/v1/terminations')
      .query({ customer: customer.customer.id, status: 'legal_review' })
      .expect(200);
    expect(running.body.items.map((c: { id: string }) => c.id)).toEqual([ids.legal_review]);
    const second = await legal
      .get('/v1/terminations')
      .query({ customer: customer.customer.id, limit: 1, offset: 1 })
      .expect(200);
    expect(second.body).toMatchObject({ total: 3, items: [{ id: ids.withdrawn }] });
    const everyone = await system.http.get('/v1/terminations').query({ status: 'legal_review' }).expect(200);
    expect(everyone.body.items.every((c: { status: string }) => c.status === 'legal_review')).toBe(true);
  });

  it('refuses a bad filter with a 400 naming it, and the desk and account managers with a 403', async () => {
    const bad = await system.http.get('/v1/terminations').query({ status: 'closed' }).expect(400);
    expect(bad.body.fields).toEqual([expect.objectContaining({ field: 'status' })]);
    const page = await system.http.get('/v1/terminations').query({ limit: 500 }).expect(400);
    expect(page.body.fields).toEqual([expect.objectContaining({ field: 'limit' })]);
    await (await system.as('abuse_desk')).get('/v1/terminations').expect(403);
    await (await system.as('account_manager')).get('/v1/terminations').expect(403);
  });
});
