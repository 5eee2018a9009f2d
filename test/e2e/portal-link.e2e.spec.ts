import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CapturedMailbox, type CapturedMail } from '@takedown/mail';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

/**
 * A fresh portal link by email: a registered abuse contact gets a link for its customer; an unknown address gets
 * the same answer and no email; requests are rate-limited per address and per client; opening the link (GET) uses
 * nothing up; POSTing it once gives a short-lived token that reads this customer's notices only.
 */
describe('portal links by email', () => {
  let system: RunningSystem;
  let db: DataSource;
  let mailbox: CapturedMailbox;
  let a: StoredCustomer;
  let b: StoredCustomer;
  const anon = () => request(system.app.getHttpServer());

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    mailbox = new CapturedMailbox(system.env.MAIL_CAPTURE_DIR as string);
    [a, b] = [await storeCustomer(db, { language: 'nl' }), await storeCustomer(db)];
  });
  afterAll(() => system?.stop());
  // Every request here comes from 127.0.0.1: each test starts with that client's hour empty.
  beforeEach(() => db.query(`DELETE FROM customer_link_requests`));

  const linksTo = async (to: string): Promise<CapturedMail[]> =>
    (await mailbox.withKeyPrefix('portal-link:')).filter((m) => m.to.includes(to));
  const linkIn = (mail: CapturedMail): string => {
    const url = /(https?:\/\/\S+\/console\/portal\?link=([0-9a-f]{32}_[A-Za-z0-9_-]{43}))/.exec(mail.text);
    if (!url) throw new Error(`no portal link in: ${mail.text}`);
    return url[1];
  };

  it('mails a registered abuse contact a link for its customer, and answers an unknown address the same way', async () => {
    const contact = a.contacts[0];
    const unknown = `nobody-${randomUUID()}@tenant.example`;
    const timed = async (email: string) => {
      const started = process.hrtime.bigint();
      const res = await anon().post('/v1/customer/link-requests').send({ email });
      return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const known = await timed(contact.toUpperCase());
    const other = await timed(unknown);
    expect(known.res.status).toBe(202);
    expect(other.res.status).toBe(202);
    expect(other.res.body).toEqual(known.res.body);
    expect(Object.keys(other.res.headers).sort()).toEqual(Object.keys(known.res.headers).sort());
    // The same work on both paths (record, start the workflow): no lookup the clock could tell.
    expect(Math.abs(known.ms - other.ms)).toBeLessThan(1000);

    const [mail] = await eventually(
      () => linksTo(contact),
      (m) => m.length === 1,
    );
    expect(mail.subject).toContain(a.customer.reference);
    expect(mail.text).toContain('abuse-portaal');
    expect(linkIn(mail)).toMatch(/^http:\/\/[^/]+\/console\/portal\?link=/);
    // Nothing for the unknown address: no link was made, no email sent.
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM customer_portal_links WHERE email = $1`, [
      unknown,
    ])) as { n: number }[];
    expect(n).toBe(0);
    expect(await linksTo(unknown)).toEqual([]);
  });

  it('changes nothing on a GET of the link; a POST gives a customer token once, for that customer only', async () => {
    const contact = b.contacts[0];
    await anon().post('/v1/customer/link-requests').send({ email: contact }).expect(202);
    const [mail] = await eventually(
      () => linksTo(contact),
      (m) => m.length === 1,
    );
    const url = new URL(linkIn(mail));
    const link = url.searchParams.get('link') as string;
    // A mail scanner's prefetch: the API serves no page there, and the link is not used up.
    const prefetch = await anon().get(`${url.pathname}${url.search}`);
    expect([200, 404]).toContain(prefetch.status);
    const [unused] = (await db.query(`SELECT used_at FROM customer_portal_links WHERE customer_id = $1`, [
      b.customer.id,
    ])) as { used_at: Date | null }[];
    expect(unused.used_at).toBeNull();

    const session = await anon().post('/v1/customer/sessions').send({ link }).expect(201);
    expect(session.body).toMatchObject({ customerId: b.customer.id, token: expect.stringMatching(/^td_/) });
    expect(Date.parse(session.body.expiresAt)).toBeLessThanOrEqual(Date.now() + 8 * 3_600_000 + 1000);
    const again = await anon().post('/v1/customer/sessions').send({ link }).expect(401);
    expect(again.body).toMatchObject({ code: 'LINK.USED', field: 'link' });
    const forged = await anon()
      .post('/v1/customer/sessions')
      .send({ link: `${link.slice(0, 33)}${'A'.repeat(43)}` })
      .expect(401);
    expect(forged.body.code).toBe('LINK.INVALID');

    const notice = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Link Hotline' },
        sourceReference: `link-${randomUUID()}`,
        category: 'phishing',
        urls: [`https://login.tenant-a.example/${randomUUID()}`],
        ip: a.ip,
      })
      .expect(201);
    const asB = request
      .agent(system.app.getHttpServer())
      .set('Authorization', `Bearer ${session.body.token}`);
    await asB.get('/v1/customer/notices').expect(200);
    await asB.get(`/v1/customer/notices/${notice.body.id}`).expect(404);
    // A session is a plain customer: no tokens of its own making.
    await asB.post('/v1/customer/tokens').send({ name: 'x' }).expect(403);
  });

  it('refuses a link whose address is no longer the customer’s abuse contact, and an expired one', async () => {
    const { customer, contacts } = await storeCustomer(db);
    await anon().post('/v1/customer/link-requests').send({ email: contacts[0] }).expect(202);
    const [mail] = await eventually(
      () => linksTo(contacts[0]),
      (m) => m.length === 1,
    );
    const link = new URL(linkIn(mail)).searchParams.get('link') as string;
    await db.query(`UPDATE customer_portal_links SET expires_at = now() WHERE customer_id = $1`, [
      customer.id,
    ]);
    const expired = await anon().post('/v1/customer/sessions').send({ link }).expect(401);
    expect(expired.body.code).toBe('LINK.EXPIRED');
    await db.query(
      `UPDATE customer_portal_links SET expires_at = now() + interval '1 hour' WHERE customer_id = $1`,
      [customer.id],
    );
    await db.query(`DELETE FROM customer_abuse_contacts WHERE customer_id = $1`, [customer.id]);
    const removed = await anon().post('/v1/customer/sessions').send({ link }).expect(401);
    expect(removed.body.code).toBe('LINK.INVALID');
  });

  it('rate-limits requests per address and per client, alike for known and unknown addresses', async () => {
    const unknown = `nobody-${randomUUID()}@tenant.example`;
    for (let i = 0; i < 3; i++) {
      await anon().post('/v1/customer/link-requests').send({ email: unknown }).expect(202);
    }
    const limited = await anon().post('/v1/customer/link-requests').send({ email: unknown }).expect(429);
    expect(limited.body).toMatchObject({ code: 'REQUEST.RATE_LIMITED' });
    expect(limited.headers['retry-after']).toBe('3600');
    // Other addresses from the same client: 10 in the hour, the ones above included.
    for (let i = 0; i < 6; i++) {
      await anon()
        .post('/v1/customer/link-requests')
        .send({ email: `other-${i}-${randomUUID()}@tenant.example` })
        .expect(202);
    }
    await anon()
      .post('/v1/customer/link-requests')
      .send({ email: `last-${randomUUID()}@tenant.example` })
      .expect(429);
    const bad = await anon().post('/v1/customer/link-requests').send({ email: 'not an address' }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('email');
  });
});
