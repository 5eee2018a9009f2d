import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { storeNotice } from '../support/notices';

/** jose 6 signs with WebCrypto keys (its KeyLike type is gone). */
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** The staff's identity provider on loopback: a key set it signs with, served as JWKS. */
class IdentityProvider {
  readonly issuer = 'https://sso.provider.example/realms/staff';
  readonly audience = 'takedown-api';
  jwksUrl = '';
  private server!: http.Server;
  private signing!: SigningKey;

  async start(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    this.signing = privateKey;
    const keys: JWK[] = [{ ...(await exportJWK(publicKey)), kid: 'staff-1', alg: 'RS256', use: 'sig' }];
    this.server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.jwksUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/certs`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  sign(sub: string, name: string, roles: string[]): Promise<string> {
    return new SignJWT({ name, realm_access: { roles } })
      .setProtectedHeader({ alg: 'RS256', kid: 'staff-1' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(this.signing);
  }
}

/**
 * Assignment: the people known from staff tokens and OIDC sign-ins, notices and tasks assigned to one of them, with
 * the assignment on the notice, on its timeline and in the audit trail, and "assigned to me" as a filter.
 */
describe('assigning notices and tasks to people', () => {
  const idp = new IdentityProvider();
  let system: RunningSystem;
  let db: DataSource;
  let customer: StoredCustomer;
  let deskSub: string;
  let desk: Http;

  beforeAll(async () => {
    await idp.start();
    system = await startSystem({
      OIDC_ISSUER: idp.issuer,
      OIDC_AUDIENCE: idp.audience,
      OIDC_JWKS_URL: idp.jwksUrl,
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_ROLE_MAP: 'abuse_desk=abuse_desk,abuse_lead=abuse_lead,noc=noc',
    });
    db = system.app.get(DataSource);
    customer = await storeCustomer(db);
    deskSub = `desk-${randomUUID()}`;
    const jwt = await idp.sign(deskSub, 'J. de Vries', ['abuse_desk']);
    desk = request.agent(system.app.getHttpServer()).set('Authorization', `Bearer ${jwt}`);
  });
  afterAll(async () => {
    await system?.stop();
    await idp.stop();
  });

  const people = async () =>
    (await system.http.get('/v1/people').expect(200)).body as {
      subject: string;
      name: string;
      kind: string;
    }[];

  const auditOf = (targetId: string, action: string) =>
    db.query(
      `SELECT actor_kind, actor_id, summary FROM audit_log WHERE target_id = $1 AND action = $2 ORDER BY id`,
      [targetId, action],
    ) as Promise<{ actor_kind: string; actor_id: string; summary: Record<string, unknown> }[]>;

  it('knows staff tokens and the OIDC subjects that signed in as people, not sources’ tokens', async () => {
    const staffName = `Desk token ${randomUUID()}`;
    const sourceName = `Source token ${randomUUID()}`;
    await system.tokenFor('abuse_desk', { name: staffName });
    await system.tokenFor('source', { name: sourceName });
    expect((await people()).map((p) => p.subject)).not.toContain(`oidc:${deskSub}`);
    await desk.get('/v1/notices').expect(200);
    const known = await people();
    expect(known).toContainEqual(
      expect.objectContaining({ subject: `oidc:${deskSub}`, name: 'J. de Vries', kind: 'oidc' }),
    );
    expect(known).toContainEqual(expect.objectContaining({ name: staffName, kind: 'token' }));
    expect(known.map((p) => p.name)).not.toContain(sourceName);
  });

  it('assigns a notice to a person: on the notice, its timeline, the audit trail and the assignee=me filter', async () => {
    await desk.get('/v1/notices').expect(200);
    const { notice } = await storeNotice(db);
    const me = `oidc:${deskSub}`;
    const assigned = await desk.post(`/v1/notices/${notice.id}/assignee`).send({ assignee: me }).expect(200);
    expect(assigned.body).toMatchObject({ assignedTo: me, assignedToName: 'J. de Vries' });
    expect(assigned.body.timeline).toContainEqual(
      expect.objectContaining({
        type: 'assigned',
        actor: me,
        data: expect.objectContaining({ assignee: me }),
      }),
    );
    expect(await auditOf(notice.id, 'notice.assign')).toEqual([
      expect.objectContaining({
        actor_kind: 'oidc',
        actor_id: deskSub,
        summary: expect.objectContaining({ before: { assignee: null }, after: { assignee: me } }),
      }),
    ]);
    const mine = await desk.get('/v1/notices').query({ assignee: 'me', limit: 200 }).expect(200);
    expect(mine.body.items.map((n: { id: string }) => n.id)).toContain(notice.id);
    const bySubject = await system.http.get('/v1/notices').query({ assignee: me, limit: 200 }).expect(200);
    expect(bySubject.body.items.map((n: { id: string }) => n.id)).toContain(notice.id);
    // The admin's own "me" is someone else.
    const adminsOwn = await system.http.get('/v1/notices').query({ assignee: 'me', limit: 200 }).expect(200);
    expect(adminsOwn.body.items.map((n: { id: string }) => n.id)).not.toContain(notice.id);

    const taken = await desk.post(`/v1/notices/${notice.id}/assignee`).send({ assignee: null }).expect(200);
    expect(taken.body.assignedTo).toBeNull();
    expect(taken.body.timeline.map((e: { type: string }) => e.type)).toEqual(['assigned', 'unassigned']);
  });

  it('refuses an unknown person, a missing assignee and a role that may not assign', async () => {
    const { notice } = await storeNotice(db);
    const unknown = await desk
      .post(`/v1/notices/${notice.id}/assignee`)
      .send({ assignee: 'oidc:nobody' })
      .expect(400);
    expect(unknown.body).toMatchObject({ code: 'PERSON.UNKNOWN', field: 'assignee' });
    const missing = await desk.post(`/v1/notices/${notice.id}/assignee`).send({}).expect(400);
    expect(missing.body.fields).toEqual([expect.objectContaining({ field: 'assignee' })]);
    const legal = await system.as('legal');
    await legal.post(`/v1/notices/${notice.id}/assignee`).send({ assignee: null }).expect(403);
    await desk.post(`/v1/notices/${randomUUID()}/assignee`).send({ assignee: null }).expect(404);
    expect((await db.query(`SELECT assigned_to FROM notices WHERE id = $1`, [notice.id]))[0]).toEqual({
      assigned_to: null,
    });
  });

  it('assigns a task to a person within its role: on the notice’s timeline, in the audit trail, in “my tasks”', async () => {
    const { notice } = await storeNotice(db);
    await db.query(`UPDATE notices SET customer_id = $2 WHERE id = $1`, [notice.id, customer.customer.id]);
    const [{ id: taskId }] = (await db.query(
      `INSERT INTO tasks (notice_id, kind, assignee, assignee_email, summary, due_at, idempotency_key)
       VALUES ($1, 'account_manager_escalation', 'account_manager', $2, 'Escalated', now() + interval '1 hour', $3)
       RETURNING id`,
      [notice.id, customer.customer.accountManagerEmail, `assign-test:${notice.id}`],
    )) as { id: string }[];
    const amName = `A. Jansen ${randomUUID()}`;
    const amToken = await system.tokenFor('account_manager', {
      accountManagerEmail: customer.customer.accountManagerEmail as string,
      name: amName,
    });
    const am = request.agent(system.app.getHttpServer()).set('Authorization', `Bearer ${amToken}`);
    const amSubject = (await people()).find((p) => p.name === amName)!.subject;

    const assigned = await desk
      .post(`/v1/tasks/${taskId}/assignee`)
      .send({ assignee: amSubject })
      .expect(200);
    expect(assigned.body).toMatchObject({ id: taskId, assignedTo: amSubject, assignedToName: amName });
    const mine = await am.get('/v1/tasks').query({ assignedTo: 'me' }).expect(200);
    expect(mine.body.items.map((t: { id: string }) => t.id)).toEqual([taskId]);
    const view = await desk.get(`/v1/notices/${notice.id}`).expect(200);
    expect(view.body.timeline).toContainEqual(
      expect.objectContaining({
        type: 'task_assigned',
        actor: `oidc:${deskSub}`,
        data: expect.objectContaining({ taskId, assignee: amSubject }),
      }),
    );
    expect(await auditOf(taskId, 'task.assign')).toEqual([
      expect.objectContaining({ summary: expect.objectContaining({ after: { assignee: amSubject } }) }),
    ]);
    // Another customer's account manager does not see the task, so cannot assign it either.
    const stranger = await system.as('account_manager');
    await stranger.post(`/v1/tasks/${taskId}/assignee`).send({ assignee: null }).expect(404);
  });
});
