import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { parseLinkKeys, signLink } from '@takedown/links';
import { verifyAuditChain } from '@takedown/persistence';
import { NoticeActivitiesService } from '@takedown/worker/notice-activities.service';
import type { WorkerSettings } from '@takedown/worker/worker-settings';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { nodeArgs } from '../support/child-build';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { testSpace } from '../support/prefixes';

const LINK_SIGNING_KEYS = 'ae:audit-e2e-link-secret-0123456789abcdef';
const ROOT = path.resolve(__dirname, '..', '..');

interface AuditItem {
  id: string;
  at: string;
  actor: { kind: string; id: string; name: string };
  role: string | null;
  action: string;
  target: { type: string; id: string } | null;
  requestId: string | null;
  sourceIp: string | null;
  summary: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

/** A notice without an address: nobody holds it, so its workflow opens an `attribute` task for the desk. */
const notice = () => ({
  source: { kind: 'hotline', name: 'Audit Hotline', contact: 'reports@hotline.example' },
  sourceReference: `audit-${randomUUID()}`,
  category: 'csam',
  urls: [`https://files.tenant-a.example/gallery/${randomUUID()}`],
});

/** The audit trail through the API and the worker on the real stack. */
describe('audit trail end to end', () => {
  let system: RunningSystem;
  let db: DataSource;
  let legal: Http;
  let desk: Http;
  let deskToken: { id: string; name: string };

  beforeAll(async () => {
    system = await startSystem({ POLICY_PROFILE: 'demo', LINK_SIGNING_KEYS });
    db = system.app.get(DataSource);
    legal = await system.as('legal');
    const name = `audit e2e desk ${randomUUID()}`;
    desk = await system.as('abuse_desk', { name });
    const [row] = (await db.query(`SELECT id FROM api_tokens WHERE name = $1`, [name])) as { id: string }[];
    deskToken = { id: row.id, name };
  });

  afterAll(() => system?.stop());

  const audit = async (query: Record<string, string>): Promise<{ items: AuditItem[]; total: number }> =>
    (await legal.get('/v1/audit').query(query).expect(200)).body;

  it('records an API write with the token as actor, its role, the request id and the source IP', async () => {
    const requestId = `audit-e2e-${randomUUID()}`;
    const body = notice();
    const created = await desk.post('/v1/notices').set('X-Request-Id', requestId).send(body).expect(201);

    const { items } = await audit({ target: `notice:${created.body.id}`, action: 'notice.submit' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actor: { kind: 'token', id: deskToken.id, name: deskToken.name },
      role: 'abuse_desk',
      action: 'notice.submit',
      target: { type: 'notice', id: created.body.id },
      requestId,
      summary: { category: 'csam', urls: 1, channel: 'api', sourceReference: body.sourceReference },
    });
    expect(items[0].sourceIp).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    // The reported URL never enters the trail.
    expect(JSON.stringify(items[0])).not.toContain('/gallery/');
  });

  it('records a write no service described (PATCH a customer) from the route, and nothing for a failed request', async () => {
    const { customer } = await storeCustomer(db);
    const ok = `audit-e2e-${randomUUID()}`;
    const admin = system.http;
    await admin
      .patch(`/v1/customers/${customer.id}`)
      .set('X-Request-Id', ok)
      .send({ status: 'suspended' })
      .expect(200);
    const failed = `audit-e2e-${randomUUID()}`;
    await admin
      .patch(`/v1/customers/${randomUUID()}`)
      .set('X-Request-Id', failed)
      .send({ status: 'active' })
      .expect(404);

    const { items } = await audit({ target: `customer:${customer.id}`, action: 'customer.update' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actor: { kind: 'token' },
      role: 'admin',
      requestId: ok,
      summary: {
        request: { status: 'suspended' },
        fields: ['status'],
        after: { id: customer.id, status: 'suspended' },
      },
    });
    const [{ count }] = (await db.query(
      `SELECT count(*)::int AS count FROM audit_log WHERE request_id = $1`,
      [failed],
    )) as { count: number }[];
    expect(count).toBe(0);
  });

  it('records a batch as one notice.batch row with its counts, and each notice it opened', async () => {
    const requestId = `audit-e2e-${randomUUID()}`;
    const answer = await desk
      .post('/v1/notices/batch')
      .set('X-Request-Id', requestId)
      .send([notice(), notice(), { sourceReference: 'broken' }])
      .expect(200);
    const created = (answer.body.items as { status: string; id?: string }[])
      .filter((i) => i.status === 'created')
      .map((i) => i.id)
      .sort();
    expect(created).toHaveLength(2);
    const rows = (await db.query(
      `SELECT action, actor_id, target_id, summary FROM audit_log WHERE request_id = $1 ORDER BY id`,
      [requestId],
    )) as { action: string; actor_id: string; target_id: string | null; summary: Record<string, unknown> }[];
    expect(rows.filter((r) => r.action === 'notice.batch')).toEqual([
      {
        action: 'notice.batch',
        actor_id: deskToken.id,
        target_id: null,
        summary: { after: { created: 2, existing: 0, rejected: 1 } },
      },
    ]);
    const submitted = rows.filter((r) => r.action === 'notice.submit');
    expect(submitted.map((r) => r.target_id).sort()).toEqual(created);
    expect(submitted.every((r) => r.actor_id === deskToken.id)).toBe(true);
  });

  it('records a signed link’s use as its recipient (link.use and task.complete), once', async () => {
    const created = await system.http.post('/v1/notices').send(notice()).expect(201);
    const noticeId: string = created.body.id;
    const task = await eventually(
      async () => (await system.http.get('/v1/tasks').query({ notice: noticeId }).expect(200)).body.items,
      (items: { id: string; kind: string }[]) => items.some((t) => t.kind === 'attribute'),
    );
    const taskId: string = task[0].id;
    const token = signLink(
      parseLinkKeys(LINK_SIGNING_KEYS),
      { t: 'task', id: taskId, action: 'invalid' },
      3_600_000,
    );
    const requestId = `audit-e2e-${randomUUID()}`;
    await system.http
      .post(`/links/${token}`)
      .set('X-Request-Id', requestId)
      .type('form')
      .send({ note: 'a test notice' })
      .expect(200);
    await system.http.post(`/links/${token}`).type('form').send({}).expect(409);

    const { items } = await audit({ target: `task:${taskId}` });
    expect(items.map((i) => i.action).sort()).toEqual(['link.use', 'task.complete']);
    const recipient = system.env.ABUSE_DESK_EMAIL;
    for (const item of items) {
      expect(item).toMatchObject({ actor: { kind: 'link', id: recipient }, requestId });
      expect(item.sourceIp).toBeTruthy();
    }
    expect(items.find((i) => i.action === 'task.complete')?.summary).toMatchObject({
      kind: 'attribute',
      noticeId,
      before: { status: 'open' },
      after: { status: 'completed', outcome: 'invalid' },
    });
    expect(items.find((i) => i.action === 'link.use')?.summary).toMatchObject({ action: 'invalid' });
  });

  it('records a workflow decision exactly once, even when its activity runs again', async () => {
    const created = await system.http.post('/v1/notices').send(notice()).expect(201);
    const noticeId: string = created.body.id;
    const rows = await eventually(
      () => audit({ target: `notice:${noticeId}`, action: 'workflow.notice.*' }),
      (page) => page.items.some((i) => i.action === 'workflow.notice.task_opened'),
    );
    const received = rows.items.filter((i) => i.action === 'workflow.notice.received');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      actor: { kind: 'workflow', id: `notice-${noticeId}`, name: 'noticeWorkflow' },
      summary: { by: 'workflow', after: { state: 'received' } },
    });

    // A retry of the activity (same idempotency key) after its first attempt committed.
    const [event] = (await db.query(
      `SELECT idempotency_key, occurred_at FROM notice_events WHERE notice_id = $1 AND type = 'received'`,
      [noticeId],
    )) as { idempotency_key: string; occurred_at: Date }[];
    await new NoticeActivitiesService(db, {} as WorkerSettings).recordEvent({
      noticeId,
      key: event.idempotency_key,
      type: 'received',
      actor: 'workflow',
      at: event.occurred_at.toISOString(),
      state: 'received',
    });
    const again = await audit({ target: `notice:${noticeId}`, action: 'workflow.notice.received' });
    expect(again.total).toBe(1);

    // The same for the first steps taken in one activity (receiveNotice), run again with the same keys.
    const keys = (await db.query(
      `SELECT type, idempotency_key FROM notice_events WHERE notice_id = $1 AND type IN ('received', 'unattributed')`,
      [noticeId],
    )) as { type: string; idempotency_key: string }[];
    const key = (type: string) => keys.find((k) => k.type === type)!.idempotency_key;
    const result = await new NoticeActivitiesService(db, {
      defaultPolicyProfile: system.env.POLICY_PROFILE,
    } as WorkerSettings).receiveNotice({
      noticeId,
      category: created.body.category,
      receivedAt: created.body.receivedAt,
      at: event.occurred_at.toISOString(),
      receivedKey: key('received'),
      attributionKeyPrefix: key('unattributed').replace(/unattributed$/, ''),
    });
    expect(result.customer).toBeNull();
    const decisions = await audit({ target: `notice:${noticeId}`, action: 'workflow.notice.*' });
    expect(decisions.items.map((i) => i.action).sort()).toEqual(rows.items.map((i) => i.action).sort());
    const events = (await db.query(`SELECT type FROM notice_events WHERE notice_id = $1 ORDER BY id`, [
      noticeId,
    ])) as { type: string }[];
    // Intake first tried the URL's host name (the tests' DNS_RESOLVER refuses): the API's event, not the workflow's.
    expect(events.map((e) => e.type)).toEqual(['host_resolved', 'received', 'unattributed', 'task_opened']);
  });

  it('records a termination case: legal’s opening and review decision, and each step of its workflow', async () => {
    const { customer } = await storeCustomer(db, { policyProfile: 'demo' });
    const opened = await legal
      .post('/v1/terminations')
      .send({ customerId: customer.id, by: 'legal:m.devries', reason: 'contract breach' })
      .expect(201);
    const caseId: string = opened.body.id;
    const [review] = await eventually(
      async () => (await legal.get('/v1/tasks').query({ case: caseId }).expect(200)).body.items,
      (items: { id: string; kind: string }[]) => items.some((t) => t.kind === 'legal_review'),
    );
    await legal
      .post(`/v1/tasks/${review.id}/complete`)
      .send({ outcome: 'reject', by: 'legal:m.devries', note: 'the customer remedied' })
      .expect(200);
    const { items } = await eventually(
      () => audit({ target: `termination:${caseId}` }),
      (page) => page.items.some((i) => i.action === 'workflow.termination.rejected'),
    );
    expect(items.map((i) => i.action).reverse()).toEqual([
      'termination.open',
      'workflow.termination.opened',
      'workflow.termination.task_opened',
      'workflow.termination.task_completed',
      'workflow.termination.rejected',
    ]);
    const byAction = (action: string) => items.find((i) => i.action === action);
    expect(byAction('termination.open')).toMatchObject({
      actor: { kind: 'token' },
      role: 'legal',
      summary: {
        customerId: customer.id,
        before: { customerStatus: 'active' },
        after: { status: 'legal_review' },
      },
    });
    expect(byAction('workflow.termination.rejected')).toMatchObject({
      actor: { kind: 'workflow', id: `termination-${caseId}` },
      // The decider is the token that completed the review, not the `by` its body named.
      summary: {
        by: expect.stringMatching(/^token:/),
        before: { status: 'legal_review' },
        after: { status: 'rejected' },
      },
    });
    const decision = await audit({ target: `task:${review.id}`, action: 'task.complete' });
    expect(decision.items).toEqual([
      expect.objectContaining({
        role: 'legal',
        summary: expect.objectContaining({
          kind: 'legal_review',
          caseId,
          before: { status: 'open' },
          after: { status: 'completed', outcome: 'reject' },
        }),
      }),
    ]);
  });

  it('records the CLI’s inventory import as the operating-system user', async () => {
    const space = testSpace();
    const reference = space.ref('cli');
    const file = path.join(os.tmpdir(), `audit-e2e-${randomUUID()}.csv`);
    fs.writeFileSync(
      file,
      'customer_ref,customer_name,contract_type,abuse_contact_email,prefix,assigned_from\n' +
        `${reference},Audit CLI B.V.,colocation,abuse@audit-cli.example,${space.v4()}/24,2025-01-01\n`,
    );
    try {
      await promisify(execFile)(
        process.execPath,
        [...nodeArgs('apps/cli/src/main.ts'), 'import', 'inventory', file],
        {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: system.env.DATABASE_URL },
        },
      );
    } finally {
      fs.rmSync(file, { force: true });
    }
    const { items } = await audit({ actor: `cli:${os.userInfo().username}`, action: 'customer.import' });
    expect(items.find((i) => i.summary.file === path.basename(file))).toMatchObject({
      actor: { kind: 'cli', name: 'takedown import inventory' },
      target: null,
      requestId: null,
      summary: { rows: 1, created: 1, rejected: 0 },
    });
  });

  it('GET /v1/audit filters by target, actor, action and time, newest first; only admin and legal may read it', async () => {
    const before = new Date().toISOString();
    const first = await desk.post('/v1/notices').send(notice()).expect(201);
    const second = await desk.post('/v1/notices').send(notice()).expect(201);

    const byActor = await audit({ actor: `token:${deskToken.id}`, from: before, action: 'notice.submit' });
    expect(byActor.items.map((i) => i.target?.id)).toEqual([second.body.id, first.body.id]);
    expect(byActor.total).toBe(2);
    expect(Number(byActor.items[0].id)).toBeGreaterThan(Number(byActor.items[1].id));

    const page = await audit({
      actor: deskToken.id,
      from: before,
      action: 'notice.submit',
      limit: '1',
      offset: '1',
    });
    expect(page).toMatchObject({ total: 2, items: [{ target: { id: first.body.id } }] });

    expect((await audit({ target: first.body.id, action: 'notice.*' })).items.map((i) => i.action)).toEqual([
      'notice.submit',
    ]);
    expect((await audit({ actor: `token:${deskToken.id}`, to: before, from: before })).total).toBe(0);

    await (await system.as('abuse_desk')).get('/v1/audit').expect(403);
    await system.http.get('/v1/audit').query({ limit: 1 }).expect(200);
    const bad = await legal.get('/v1/audit').query({ from: 'yesterday' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST.INVALID' });
  });

  it('keeps one intact chain over everything the API, the worker and the CLI appended', async () => {
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });
});
