import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, storeReseller, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { headStart } from '../support/head-start';

/**
 * Appeals on the real stack (demo policy: deadlines in seconds): a customer appeals a strike, only its own; the
 * person who decided cannot review it, someone else reverses it and the standing is restored, with the appeal on
 * the notice's timeline; an act_first reseller appeals the strike of the window it let pass, in its own standing; a
 * notifier appeals the rejection of its notice the same way.
 */
describe('appeals (/v1/customer/appeals, /v1/appeals)', () => {
  let system: RunningSystem;
  let db: DataSource;
  let a: StoredCustomer;
  let b: StoredCustomer;
  let asA: Http;
  let asB: Http;
  let decider: Http;
  let reviewer: Http;

  const submit = async (ip: string, category: string, as: Http = system.http) => {
    const ref = `appeal-${randomUUID()}`;
    const res = await as
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Appeal Hotline' },
        sourceReference: ref,
        category,
        urls: [`https://files.tenant.example/${ref}`],
        ip,
      })
      .expect(201);
    return res.body.id as string;
  };
  const notice = (id: string) =>
    system.http
      .get(`/v1/notices/${id}`)
      .then(
        (r) =>
          r.body as { state: string; outcome: string | null; timeline: { type: string; actor: string }[] },
      );
  const level = (customerId: string) =>
    system.http.get(`/v1/customers/${customerId}/standing`).then((r) => r.body.level as string);

  const standing = (customerId: string) =>
    system.http
      .get(`/v1/customers/${customerId}/standing`)
      .expect(200)
      .then((r) => r.body as { level: string; counts: Record<string, number>; events: { type: string }[] });
  const strikes = (counts: Record<string, number>) => Object.values(counts).reduce((x, y) => x + y, 0);
  /** A CSAM notice of A's whose deadline passes; the desk then finds the material gone, too late: a strike. */
  const withStrikeOfA = async () => {
    const id = await submit(a.ip, 'csam');
    await eventually(
      () => notice(id),
      (n) => n.state === 'escalated',
      90_000,
    );
    await decider
      .post(`/v1/notices/${id}/actions/confirm-removal`)
      .send({})
      .expect((r) => expect(r.status).toBeLessThan(300));
    await eventually(
      () => notice(id),
      (n) => n.outcome === 'removed_late',
      30_000,
    );
    // One missed CSAM deadline, no verified measure: watch, one worse.
    await eventually(
      () => level(a.customer.id),
      (l) => l === 'warning',
      30_000,
    );
    return id;
  };
  /**
   * An act_first reseller's strike: one missed act_first window, one answered in time, one informed, each CSAM
   * notice confirmed removed once its deadline passed.
   */
  const withResellerStrikes = async () => {
    const { reseller, endCustomers } = await storeReseller(db, 2, { policyProfile: 'demo' });
    const [end1, end2] = endCustomers;
    // The end customers' notices run on the demo policy too: the CSAM deadline passes in seconds.
    await db.query(`UPDATE contracts SET policy_profile = 'demo' WHERE customer_id = ANY($1)`, [
      endCustomers.map((c) => c.customer.id),
    ]);
    const asReseller = await system.as('customer', { customerId: reseller.customer.id });
    const asEnd1 = await system.as('customer', { customerId: end1.customer.id });
    const mode = (body: object) =>
      decider.put(`/v1/customers/${reseller.customer.id}/reseller-mode`).send(body).expect(200);
    const confirmedLate = async (id: string, outcome: string) => {
      await decider
        .post(`/v1/notices/${id}/actions/confirm-removal`)
        .send({})
        .expect((r) => expect(r.status).toBeLessThan(300));
      await eventually(
        () => notice(id),
        (n) => n.outcome === outcome,
        30_000,
      );
    };

    // The mode is the notice's from its receipt: one missed act_first window, one answered in time, one informed.
    await mode({ mode: 'act_first', actFirstMinutes: 1 });
    const missed = await submit(end1.ip, 'csam');
    const answered = await submit(end2.ip, 'csam');
    await eventually(
      () => notice(answered),
      (n) => n.timeline.some((e) => e.type === 'reseller_notified'),
      30_000,
    );
    await asReseller.post(`/v1/customer/notices/${answered}/answer`).send({ kind: 'removed' }).expect(200);
    await mode({ mode: 'informed' });
    const informed = await submit(end2.ip, 'csam');
    // The window ends at the latest at the CSAM deadline (seconds here): the end customer is told, too late.
    for (const id of [missed, informed]) {
      await eventually(
        () => notice(id),
        (n) => n.state === 'escalated',
        90_000,
      );
    }
    await confirmedLate(missed, 'removed_late');
    await confirmedLate(informed, 'removed_late');
    await confirmedLate(answered, 'removed_in_time');
    const resellerBefore = await eventually(
      () => standing(reseller.customer.id),
      (st) => strikes(st.counts) > 0 && st.level === 'warning',
      30_000,
    );
    const endBefore = await eventually(
      () => standing(end1.customer.id),
      (st) => strikes(st.counts) > 0,
      30_000,
    );
    return { reseller, end1, missed, answered, informed, asReseller, asEnd1, resellerBefore, endBefore };
  };
  // The CSAM deadlines (24 s, demo policy) of both strikes run from here at the same time; each test awaits its own.
  let strikeOfA: () => Promise<string>;
  let resellerStrikes: () => ReturnType<typeof withResellerStrikes>;

  beforeAll(async () => {
    system = await startSystem({ POLICY_PROFILE: 'demo' });
    db = system.app.get(DataSource);
    [a, b] = [
      await storeCustomer(db, { policyProfile: 'demo' }),
      await storeCustomer(db, { policyProfile: 'demo' }),
    ];
    asA = await system.as('customer', { customerId: a.customer.id });
    asB = await system.as('customer', { customerId: b.customer.id });
    decider = await system.as('abuse_desk');
    reviewer = await system.as('abuse_lead');
    strikeOfA = headStart(withStrikeOfA);
    resellerStrikes = headStart(withResellerStrikes);
  });
  afterAll(() => system?.stop());

  it('a customer appeals its strike; not another’s; the decider cannot review it; a reversal restores the standing', async () => {
    const id = await strikeOfA();

    const foreign = await asB
      .post('/v1/customer/appeals')
      .send({ noticeId: id, reason: 'not ours' })
      .expect(404);
    expect(foreign.body).toMatchObject({ code: 'NOTICE.NOT_FOUND' });
    expect(JSON.stringify(foreign.body)).not.toContain('files.tenant.example');
    const bare = await asA.post('/v1/customer/appeals').send({ noticeId: id }).expect(400);
    expect(bare.body).toMatchObject({ code: 'REQUEST.INVALID' });
    expect(JSON.stringify(bare.body)).toContain('reason');

    const filed = await asA
      .post('/v1/customer/appeals')
      .send({ noticeId: id, reason: 'Removed within minutes of the email; the check came late.' })
      .expect(201);
    expect(filed.body).toMatchObject({
      kind: 'strike',
      status: 'under_review',
      noticeId: id,
      overdue: false,
    });
    expect(filed.body).not.toHaveProperty('decidedBy');
    const again = await asA.post('/v1/customer/appeals').send({ noticeId: id, reason: 'again' }).expect(409);
    expect(again.body).toMatchObject({ code: 'APPEAL.ALREADY_FILED' });
    const appealId = filed.body.id as string;

    expect(
      (
        await asA.get('/v1/customer/appeals').query({ limit: 200, status: 'under_review' }).expect(200)
      ).body.items.map((x: { id: string }) => x.id),
    ).toContain(appealId);
    expect((await asB.get('/v1/customer/appeals').expect(200)).body.items).toEqual([]);

    const own = await decider
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'reverse', reason: 'I was wrong' })
      .expect(409);
    expect(own.body).toMatchObject({ code: 'APPEAL.REVIEWER_IS_DECIDER', state: 'under_review' });
    await reviewer
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'maybe', reason: 'x' })
      .expect(400);

    const reversed = await reviewer
      .post(`/v1/appeals/${appealId}/review`)
      .send({
        decision: 'reverse',
        reason: 'The source confirmed the removal late; not the customer’s doing.',
      })
      .expect(200);
    expect(reversed.body).toMatchObject({ status: 'reversed', kind: 'strike' });
    expect(reversed.body.reviewedBy).not.toEqual(reversed.body.decidedBy);
    await eventually(
      () => level(a.customer.id),
      (l) => l === 'good',
      30_000,
    );

    const timeline = (await notice(id)).timeline.map((e) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['appeal_filed', 'appeal_reversed']));
    const seen = (await asA.get(`/v1/customer/notices/${id}`).expect(200)).body.timeline.map(
      (e: { type: string }) => e.type,
    );
    expect(seen).toEqual(expect.arrayContaining(['appeal_filed', 'appeal_reversed']));
    const decided = await reviewer
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'uphold', reason: 'late' })
      .expect(409);
    expect(decided.body).toMatchObject({ code: 'APPEAL.ALREADY_DECIDED' });

    // The termination report lists the customer's appeals and each review in its decision log.
    const legal = await system.as('legal');
    const opened = await legal
      .post('/v1/terminations')
      .send({ customerId: a.customer.id, reason: 'appeals in the report' })
      .expect(201);
    const report = (await legal.get(`/v1/terminations/${opened.body.id}/report.json`).expect(200)).body;
    expect(report.appeals).toEqual([
      expect.objectContaining({
        id: appealId,
        kind: 'strike',
        status: 'reversed',
        decidedBy: reversed.body.decidedBy,
        reviewedBy: reversed.body.reviewedBy,
      }),
    ]);
    expect(report.decisions.map((d: { decision: string }) => d.decision)).toContain('appeal reversed');
    expect(JSON.stringify(report)).not.toContain('files.tenant.example/appeal-');
  }, 180_000);

  it('refuses an appeal of a notice that did not count against the customer', async () => {
    const id = await submit(a.ip, 'spam');
    await eventually(
      () => notice(id),
      (n) => n.state === 'customer_notified',
    );
    await decider
      .post(`/v1/notices/${id}/actions/withdraw`)
      .send({ reason: 'sent in error' })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await eventually(
      () => notice(id),
      (n) => n.state === 'closed',
    );
    const res = await asA.post('/v1/customer/appeals').send({ noticeId: id, reason: 'why' }).expect(409);
    expect(res.body).toMatchObject({ code: 'APPEAL.NOT_APPEALABLE' });
  });

  it('an act_first reseller appeals the strike of the window it let pass: reversed in its standing, not its end customer’s; nothing to appeal where it was informed or answered in time', async () => {
    const { reseller, end1, missed, answered, informed, asReseller, asEnd1, resellerBefore, endBefore } =
      await resellerStrikes();

    // The portal shows the reseller which of its end customers' notices carry a strike of its own.
    const strikeOf = async (as: Http, id: string) =>
      (await as.get(`/v1/customer/notices/${id}`).expect(200)).body.resellerStrike as boolean | null;
    expect(await strikeOf(asReseller, missed)).toBe(true);
    expect(await strikeOf(asReseller, answered)).toBe(false);
    expect(await strikeOf(asReseller, informed)).toBe(false);
    expect(await strikeOf(asEnd1, missed)).toBeNull();
    // Informed, or answered in time: the reseller has no strike of its own there.
    const informedRefused = await asReseller
      .post('/v1/customer/appeals')
      .send({ noticeId: informed, reason: 'not ours' })
      .expect(409);
    expect(informedRefused.body).toMatchObject({ code: 'APPEAL.NOT_APPEALABLE', state: 'informed' });
    const inTime = await asReseller
      .post('/v1/customer/appeals')
      .send({ noticeId: answered, reason: 'we answered' })
      .expect(409);
    expect(inTime.body).toMatchObject({ code: 'APPEAL.NOT_APPEALABLE', state: 'removed_in_time' });

    const filed = await asReseller
      .post('/v1/customer/appeals')
      .send({ noticeId: missed, reason: 'Our abuse desk was reachable; the email bounced at our side.' })
      .expect(201);
    expect(filed.body).toMatchObject({
      kind: 'strike',
      status: 'under_review',
      noticeId: missed,
      customerId: reseller.customer.id,
    });
    const appealId = filed.body.id as string;
    const again = await asReseller
      .post('/v1/customer/appeals')
      .send({ noticeId: missed, reason: 'again' })
      .expect(409);
    expect(again.body).toMatchObject({ code: 'APPEAL.ALREADY_FILED' });
    // The end customer's strike on the same notice is its own to appeal, beside the reseller's.
    const endAppeal = await asEnd1
      .post('/v1/customer/appeals')
      .send({ noticeId: missed, reason: 'The reseller never told us.' })
      .expect(201);
    expect(endAppeal.body).toMatchObject({ kind: 'strike', customerId: end1.customer.id });
    const listed = async (as: Http) =>
      (
        (await as.get('/v1/customer/appeals').query({ limit: 200 }).expect(200)).body.items as {
          id: string;
        }[]
      ).map((x) => x.id);
    expect(await listed(asReseller)).toEqual([appealId]);
    expect(await listed(asEnd1)).toEqual([endAppeal.body.id]);

    const own = await decider
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'reverse', reason: 'I was wrong' })
      .expect(409);
    expect(own.body).toMatchObject({ code: 'APPEAL.REVIEWER_IS_DECIDER' });
    await reviewer
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'reverse', reason: 'The bounce was on our relay.' })
      .expect(200);

    // The reseller's standing loses the strike; the end customer's keeps its own.
    const resellerAfter = await eventually(
      () => standing(reseller.customer.id),
      (st) => st.level === 'good',
      30_000,
    );
    expect(strikes(resellerAfter.counts)).toBe(0);
    expect(resellerAfter.events.map((e) => e.type)).toContain('appeal_reversed');
    expect(strikes(resellerBefore.counts)).toBeGreaterThan(0);
    const endAfter = await standing(end1.customer.id);
    expect(endAfter.counts).toEqual(endBefore.counts);
    expect(endAfter.level).toBe(endBefore.level);
    expect(endAfter.events.map((e) => e.type)).not.toContain('appeal_reversed');

    // On the notice's timeline; each customer sees its own appeal's steps there, not the other's.
    const timeline = (await notice(missed)).timeline.map((e) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['appeal_filed', 'appeal_reversed']));
    const seenBy = async (as: Http) =>
      (await as.get(`/v1/customer/notices/${missed}`).expect(200)).body.timeline.map(
        (e: { type: string }) => e.type,
      ) as string[];
    const resellerSees = await seenBy(asReseller);
    expect(resellerSees.filter((t) => t === 'appeal_filed')).toHaveLength(1);
    expect(resellerSees).toContain('appeal_reversed');
    const endSees = await seenBy(asEnd1);
    expect(endSees.filter((t) => t === 'appeal_filed')).toHaveLength(1);
    expect(endSees).not.toContain('appeal_reversed');
  }, 240_000);

  it('a notifier appeals the rejection of its notice; another notifier cannot see or appeal it', async () => {
    const source = { kind: 'hotline', name: `Appeal Hotline ${randomUUID().slice(0, 6)}` };
    const asSource = await system.as('source', { source });
    const asOtherSource = await system.as('source');
    const id = await submit(b.ip, 'phishing', asSource);
    await eventually(
      () => notice(id),
      (n) => n.state === 'customer_notified',
    );
    await decider
      .post(`/v1/notices/${id}/actions/reject-invalid`)
      .send({ reason: 'not a phishing page' })
      .expect(200);
    await eventually(
      () => notice(id),
      (n) => n.outcome === 'invalid',
    );

    await asOtherSource.post('/v1/appeals').send({ noticeId: id, reason: 'x' }).expect(404);
    const filed = await asSource
      .post('/v1/appeals')
      .send({ noticeId: id, reason: 'The page still harvests bank logins.' })
      .expect(201);
    expect(filed.body).toMatchObject({ kind: 'rejection', status: 'under_review' });
    const appealId = filed.body.id as string;
    await asOtherSource.get(`/v1/appeals/${appealId}`).expect(404);
    expect((await asOtherSource.get('/v1/appeals').expect(200)).body.items).toEqual([]);
    expect(
      (await asSource.get('/v1/appeals').expect(200)).body.items.map((x: { id: string }) => x.id),
    ).toEqual([appealId]);
    // Between the notifier and the desk: the customer does not see it.
    expect(
      (await asB.get('/v1/customer/appeals').expect(200)).body.items.map((x: { id: string }) => x.id),
    ).not.toContain(appealId);

    await decider
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'uphold', reason: 'mine' })
      .expect(409);
    const upheld = await reviewer
      .post(`/v1/appeals/${appealId}/review`)
      .send({ decision: 'uphold', reason: 'The page shows a parked domain.' })
      .expect(200);
    expect(upheld.body).toMatchObject({ status: 'upheld' });
    expect((await notice(id)).timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['appeal_filed', 'appeal_upheld']),
    );
  }, 120_000);
});
