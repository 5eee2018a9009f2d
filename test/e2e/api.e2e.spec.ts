import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { startNoticeAction } from '@takedown/api/temporal/notice-signal';
import { freePort } from '@takedown/dev';
import { resolveLinkKeys, signLink } from '@takedown/links';
import { DEMO_POLICY } from '@takedown/domain';
import { NoticeEntity } from '@takedown/persistence';
import { authorizedHttp, startSystem, startWorker, type Http, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';

const sample = (sourceReference: string) => ({
  source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
  sourceReference,
  category: 'csam',
  urls: [`https://files.tenant-a.example/gallery/${sourceReference}`],
  ip: '198.51.100.23',
  observedAt: '2026-11-20T08:14:00Z',
  hashes: { sha256: '4f6d0b1c9a7e2d35b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6' },
});

/** The API through HTTP, on the real stack: PostgreSQL, Temporal dev server, a worker, SMTP capture. */
describe('API end to end', () => {
  let system: RunningSystem;
  let http: Http;

  beforeAll(async () => {
    system = await startSystem({ POLICY_PROFILE: 'demo' });
    http = system.http;
  });

  afterAll(() => system?.stop());

  it('starts a notice workflow, reads its state back, and closes it on a confirmed removal', async () => {
    const created = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    expect(created.body).toMatchObject({ state: 'received', category: 'csam', policy: null, deadline: null });
    expect(created.body.workflowId).toBe(`notice-${created.body.id}`);

    // Nobody holds 198.51.100.23 in this database: the notice waits for the desk, with a task to attribute it.
    const waiting = await eventually(
      async () => (await http.get(`/v1/notices/${created.body.id}`).expect(200)).body,
      (n) =>
        n.pendingTasks.length === 1 && n.timeline.some((e: { type: string }) => e.type === 'task_opened'),
    );
    expect(waiting).toMatchObject({
      policy: `demo@${DEMO_POLICY.version}`, // the newest built-in version is in force for notices received now
      pendingTasks: [{ kind: 'attribute', assignee: 'abuse_desk' }],
    });
    expect(waiting.timeline.map((e: { type: string }) => e.type)).toEqual([
      'received',
      'unattributed',
      'task_opened',
    ]);

    await http
      .post(`/v1/notices/${created.body.id}/actions/confirm-removal`)
      .send({ by: 'desk:e2e' })
      .expect(200);
    const closed = await eventually(
      async () => (await http.get(`/v1/notices/${created.body.id}`).expect(200)).body,
      (n) => n.state === 'closed' && n.pendingTasks.length === 0,
    );
    expect(closed.outcome).toBe('removed_in_time');
    expect(closed.timeline.map((e: { type: string }) => e.type)).toEqual([
      'received',
      'unattributed',
      'task_opened',
      'closed',
    ]);
    expect(closed.pendingTasks).toEqual([]);
    await http
      .post(`/v1/notices/${created.body.id}/actions/confirm-removal`)
      .send({ by: 'desk:e2e' })
      .expect(409);
  });

  it('answers a new notice with the view a read gives, the address as PostgreSQL writes it', async () => {
    const created = await http
      .post('/v1/notices')
      .send({ ...sample(`e2e-${randomUUID()}`), category: 'phishing', ip: '2001:DB8:0:0::17' })
      .expect(201);
    const read = (await http.get(`/v1/notices/${created.body.id}`).expect(200)).body;
    // The worker runs here: by the read, the workflow may have moved the state and the timeline on.
    const stable = (n: Record<string, unknown>) => {
      const { state, timeline, pendingTasks, customerId, deadline, policy, ...rest } = n;
      void [state, timeline, pendingTasks, customerId, deadline, policy];
      return rest;
    };
    expect(stable(created.body)).toEqual(stable(read));
    expect(Object.keys(created.body).sort()).toEqual(Object.keys(read).sort());
    expect(created.body).toMatchObject({
      ip: '2001:db8::17',
      state: 'received',
      outcome: null,
      customerId: null,
      closedAt: null,
      reports: [{ kind: 'hotline', name: 'Example Hotline' }],
      timeline: [],
      pendingTasks: [],
    });
  });

  it('returns the same notice for the same source reference: 201 first, 200 after, one row even when concurrent', async () => {
    const ref = `e2e-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => http.post('/v1/notices').send(sample(ref))),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const again = await http.post('/v1/notices').send(sample(ref)).expect(200);
    expect(again.body.id).toBe(responses[0].body.id);
    const db = system.app.get(DataSource);
    expect(await db.getRepository(NoticeEntity).countBy({ sourceReference: ref })).toBe(1);
  });

  it('rejects bad input with a 400 naming each field, and stores nothing', async () => {
    const ref = `e2e-${randomUUID()}`;
    const res = await http
      .post('/v1/notices')
      .send({ ...sample(ref), category: 'gossip', ip: '10.0.0.999', urls: ['not a url'] })
      .expect(400);
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['category', 'ip', 'urls']);
    expect(
      await system.app.get(DataSource).getRepository(NoticeEntity).countBy({ sourceReference: ref }),
    ).toBe(0);
    await http.get('/v1/notices/not-a-uuid').expect(400);
    await http.get(`/v1/notices/${randomUUID()}`).expect(404);
  });

  it('joins a second report of the same URL to the open notice, with the reporter added', async () => {
    const first = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    const ref = `second-${randomUUID()}`;
    const second = await http
      .post('/v1/notices')
      .send({ ...sample(ref), source: { kind: 'police', name: 'Politie' }, urls: first.body.urls })
      .expect(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.reports.map((r: { sourceReference: string }) => r.sourceReference)).toEqual([
      first.body.sourceReference,
      ref,
    ]);
    const joined = await eventually(
      async () => (await http.get(`/v1/notices/${first.body.id}`).expect(200)).body,
      (n) => n.timeline.some((e: { type: string }) => e.type === 'duplicate_report'),
    );
    expect(joined.timeline.find((e: { type: string }) => e.type === 'duplicate_report')).toMatchObject({
      actor: 'source:Politie',
      data: { sourceReference: ref },
    });
  });

  it('lists notices with filters and pagination, and rejects a bad filter naming it', async () => {
    const a = await http
      .post('/v1/notices')
      .send({ ...sample(`e2e-${randomUUID()}`), category: 'phishing' })
      .expect(201);
    const page = await http.get('/v1/notices').query({ category: 'phishing', limit: 1 }).expect(200);
    expect(page.body).toMatchObject({ limit: 1, offset: 0 });
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    expect(page.body.items[0].id).toBe(a.body.id); // newest first
    const overdue = await http
      .get('/v1/notices')
      .query({ overdue: 'true', category: 'phishing' })
      .expect(200);
    expect(overdue.body.items.map((n: { id: string }) => n.id)).not.toContain(a.body.id);
    const bad = await http.get('/v1/notices').query({ limit: 1000, status: 'asleep' }).expect(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['limit', 'status']);
  });

  it('answers an action with the notice as it now stands, refuses one that does not fit with 409, its code and the state, and takes the actor from the token, never from `by`', async () => {
    const n = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    const timelineOf = async () =>
      (await http.get(`/v1/notices/${n.body.id}`).expect(200)).body.timeline as {
        type: string;
        actor: string;
      }[];
    await eventually(timelineOf, (t) => t.some((e) => e.type === 'task_opened'));
    const before = await timelineOf();

    const refused = await http
      .post(`/v1/notices/${n.body.id}/actions/still-online`)
      .send({ by: 'desk:impostor' })
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'NOTICE.NO_CLAIM', state: 'unattributed' });
    expect(refused.body.message).toMatch(/no removal claim/);
    expect(await timelineOf()).toEqual(before);

    const noted = await http
      .post(`/v1/notices/${n.body.id}/actions/add-note`)
      .send({ by: 'desk:impostor', reason: 'called the hotline' })
      .expect(200);
    const note = (noted.body.timeline as { type: string; actor: string; reason: string }[]).find(
      (e) => e.type === 'note',
    );
    expect(note).toMatchObject({ reason: 'called the hotline', actor: expect.stringMatching(/^token:/) });

    const closed = await http
      .post(`/v1/notices/${n.body.id}/actions/reject-invalid`)
      .send({ by: 'desk:impostor', reason: 'not our network' })
      .expect(200);
    expect(closed.body).toMatchObject({ state: 'closed', outcome: 'invalid' });
    const reopen = await http.post(`/v1/notices/${n.body.id}/actions/reopen`).send({}).expect(409);
    expect(reopen.body).toMatchObject({ code: 'NOTICE.UNATTRIBUTED', state: 'closed' });
    const actors = (await timelineOf()).map((e) => e.actor);
    expect(actors).not.toContain('desk:impostor');
    const audit = await http
      .get('/v1/audit')
      .query({ target: `notice:${n.body.id}` })
      .expect(200);
    expect(audit.body.items.length).toBeGreaterThan(2);
    expect(JSON.stringify(audit.body)).not.toContain('impostor');
  });

  it('refuses a signed link whose action the notice no longer allows with 409 and its state, and keeps the link unused', async () => {
    const n = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    await eventually(
      async () => (await http.get(`/v1/notices/${n.body.id}`).expect(200)).body,
      (v) => v.pendingTasks.length === 1,
    );
    const removed = () =>
      signLink(resolveLinkKeys(system.env), { t: 'notice', id: n.body.id, action: 'removed' }, 60_000);
    await http.post(`/links/${removed()}`).type('form').send({}).expect(200);
    // The claim is carried out once its task is on the timeline (the link answers when the workflow accepted it).
    const claimed = await eventually(
      async () => (await http.get(`/v1/notices/${n.body.id}`).expect(200)).body,
      (v) =>
        v.state === 'awaiting_confirmation' &&
        v.timeline.filter((e: { type: string }) => e.type === 'task_opened').length === 2,
    );
    // A second claim, from another email's link, does not fit: refused by the workflow, and its link not used up.
    const second = removed();
    for (let i = 0; i < 2; i++) {
      const page = await http.post(`/links/${second}`).type('form').send({}).expect(409);
      expect(page.text).toContain('a removal is claimed already');
      expect(page.text).toContain('awaiting_confirmation');
      expect(page.text).not.toMatch(/already been used/i);
    }
    const after = (await http.get(`/v1/notices/${n.body.id}`).expect(200)).body;
    expect(after.timeline).toHaveLength(claimed.timeline.length);
    expect(after.state).toBe('awaiting_confirmation');
  });

  it('checks desk actions: unknown action, a missing reason and a closed notice are refused', async () => {
    const n = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    const unknown = await http
      .post(`/v1/notices/${n.body.id}/actions/dance`)
      .send({ by: 'desk:e2e' })
      .expect(400);
    expect(unknown.body.field).toBe('action');
    const noReason = await http
      .post(`/v1/notices/${n.body.id}/actions/reject-invalid`)
      .send({ by: 'desk:e2e' })
      .expect(400);
    expect(noReason.body.field).toBe('reason');
    await http
      .post(`/v1/notices/${n.body.id}/actions/reject-invalid`)
      .send({ by: 'desk:e2e', reason: 'not our network' })
      .expect(200);
    await eventually(
      async () => (await http.get(`/v1/notices/${n.body.id}`)).body,
      (v) => v.outcome === 'invalid',
    );
    await http.post(`/v1/notices/${n.body.id}/actions/escalate-now`).send({ by: 'desk:e2e' }).expect(409);
  });

  it('completes the task row of a completion the engine took after its request gave up and rolled the row back', async () => {
    const db = system.app.get(DataSource);
    const { customer } = await storeCustomer(db);
    const { body: created } = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    const waiting = await eventually(
      async () => (await http.get(`/v1/notices/${created.id}`).expect(200)).body,
      (n) => n.pendingTasks.length === 1,
    );
    const taskId = waiting.pendingTasks[0].id as string;
    // What a completion leaves behind when its wait for the workflow ran out (ACCEPTANCE_MS): the API answered 503
    // and rolled the task's row back, and the engine, which kept the update, carried it out once a worker took it.
    const kept = await startNoticeAction(system.app.get(Client), created.id, {
      type: 'task',
      taskId,
      kind: 'attribute',
      outcome: 'attributed',
      customerId: customer.id,
      note: 'held by the engine',
      by: 'token:first-try',
    });
    await kept.result();
    const row = await eventually(
      async () =>
        (
          (await db.query(`SELECT status, outcome, completed_by, note FROM tasks WHERE id = $1`, [
            taskId,
          ])) as Record<string, string>[]
        )[0],
      (r) => r.status !== 'open',
    );
    // Not "cancelled" by the attribution that followed: the row says what the timeline says.
    expect(row).toEqual({
      status: 'completed',
      outcome: 'attributed',
      completed_by: 'token:first-try',
      note: 'held by the engine',
    });
    const notice = (await http.get(`/v1/notices/${created.id}`).expect(200)).body;
    expect(notice.timeline.filter((e: { type: string }) => e.type === 'task_completed')).toHaveLength(1);
    // Asked again (the console, a link clicked again): the truth, not a second completion.
    const again = await http
      .post(`/v1/tasks/${taskId}/complete`)
      .send({ outcome: 'attributed', customerId: customer.id })
      .expect(409);
    expect(again.body.code).toBe('TASK.ALREADY_COMPLETED');
  });

  it('keeps as many PostgreSQL connections as DATABASE_POOL_SIZE says', () => {
    const pool = (system.app.get(DataSource).driver as unknown as { master: { options: { max: number } } })
      .master;
    expect(pool.options.max).toBe(system.app.get(AppConfig).env.DATABASE_POOL_SIZE);
  });

  it('reports PostgreSQL and Temporal separately on /health', async () => {
    const res = await http.get('/health').expect(200);
    expect(res.body.details).toEqual({ postgres: { status: 'up' }, temporal: { status: 'up' } });
  });

  it('serves Prometheus metrics with HTTP latency histograms labelled by route', async () => {
    await http.get('/health');
    const res = await http.get('/metrics').expect(200);
    expect(res.text).toMatch(/takedown_http_request_duration_seconds_bucket\{[^}]*route="\/health"/);
  });

  it('documents every route in the OpenAPI document at /docs-json', async () => {
    const res = await http.get('/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/notices',
        '/v1/notices/{id}',
        '/v1/notices/{id}/actions/{action}',
        '/health',
        '/metrics',
      ]),
    );
    expect(res.body.paths['/v1/notices'].post.responses).toHaveProperty('503');
  });

  it('lists the captured mail when the local SMTP capture runs', async () => {
    const res = await http.get('/dev/mail').expect(200);
    expect(Array.isArray(res.body)).toBe(true);
  });
});

describe('API with Temporal unreachable', () => {
  it('answers 503 on intake, stores nothing, and /health names Temporal as down', async () => {
    const env = testEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    const app = await createApp(new AppConfig(env));
    await app.init();
    try {
      const http = await authorizedHttp(app);
      const ref = `e2e-${randomUUID()}`;
      const res = await http.post('/v1/notices').send(sample(ref)).expect(503);
      expect(res.body.code).toBe('TEMPORAL.UNAVAILABLE');
      // With the gRPC status under the SDK's words, which tells an engine that did not answer in time from one refused.
      expect(res.body.message).toMatch(/: Failed to start Workflow: \d+ [A-Z_]+: /);
      expect(await app.get(DataSource).getRepository(NoticeEntity).countBy({ sourceReference: ref })).toBe(0);
      const health = await http.get('/health').expect(503);
      expect(health.body.details.postgres.status).toBe('up');
      expect(health.body.details.temporal.status).toBe('down');
    } finally {
      await app.close();
    }
  });
});

describe('API with Temporal up and no worker free', () => {
  // Each test's own task queue, which no worker polls until the test starts one: the engine answers, the notice's
  // workflow waits, as behind a busy worker.
  let env: ReturnType<typeof testEnv>;
  let app: Awaited<ReturnType<typeof createApp>>;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeEach(async () => {
    env = testEnv({ TEMPORAL_TASK_QUEUE: `no-worker-${randomUUID()}`, POLICY_PROFILE: 'demo' });
    app = await createApp(new AppConfig(env));
    await app.init();
    worker = undefined;
  });
  afterEach(async () => {
    await app?.close();
    await worker?.stop();
  });

  it('holds an action until a worker takes it, past the deadline for an unreachable engine, and then answers 200', async () => {
    const http = await authorizedHttp(app);
    const created = await http
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    let answered: { status: number; body: { timeline?: { type: string; reason?: string }[] } } | undefined;
    const acting = http
      .post(`/v1/notices/${created.body.id}/actions/add-note`)
      .send({ reason: 'waited for a worker' })
      .then((res) => (answered = res));
    // Longer than the 5 s within which an unreachable engine is answered with 503: no worker runs, so nothing
    // can have answered the action by now but a deadline.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(answered?.status).toBeUndefined();
    worker = await startWorker(env);
    const res = await acting;
    expect(res.status).toBe(200);
    expect(res.body.timeline).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'note', reason: 'waited for a worker' })]),
    );
  });

  it('carries out an action sent again with its Idempotency-Key, after the client gave up waiting, once', async () => {
    const [desk, colleague] = [
      await authorizedHttp(app, 'abuse_desk'),
      await authorizedHttp(app, 'abuse_desk'),
    ];
    const { body: notice } = await desk
      .post('/v1/notices')
      .send(sample(`e2e-${randomUUID()}`))
      .expect(201);
    const key = `note-${randomUUID()}`;
    const note = (as: Http, withKey = key) =>
      as
        .post(`/v1/notices/${notice.id}/actions/add-note`)
        .set('Idempotency-Key', withKey)
        .send({ reason: 'said once' });
    // No worker runs: the engine keeps the action while the client gives up (its own timeout), as a client
    // would after a 503 past the acceptance deadline.
    await expect(note(desk).timeout(2_000)).rejects.toThrow(/timeout/i);
    worker = await startWorker(env);
    const again = await note(desk).expect(200);
    // Both requests are through (each audited, with the key), and the note is on the timeline once.
    const db = app.get(DataSource);
    await eventually(
      () =>
        db.query(`SELECT 1 FROM audit_log WHERE target_id = $1 AND summary->>'idempotencyKey' = $2`, [
          notice.id,
          key,
        ]),
      (rows: unknown[]) => rows.length === 2,
    );
    const notes = async () =>
      ((await desk.get(`/v1/notices/${notice.id}`).expect(200)).body.timeline as { type: string }[]).filter(
        (e) => e.type === 'note',
      ).length;
    expect(again.body.timeline.filter((e: { type: string }) => e.type === 'note')).toHaveLength(1);
    expect(await notes()).toBe(1);
    // The key is the caller's: a colleague's same key, or another key, is another note.
    await note(colleague).expect(200);
    await note(desk, `${key}-2`).expect(200);
    expect(await notes()).toBe(3);
    // A bulk action sent again with its key: each notice's action once.
    for (let i = 0; i < 2; i++) {
      const bulk = await desk
        .post('/v1/notices/bulk-actions')
        .set('Idempotency-Key', `bulk-${key}`)
        .send({ action: 'add-note', noticeIds: [notice.id], note: 'in bulk' })
        .expect(200);
      expect(bulk.body.counts).toMatchObject({ done: 1 });
    }
    expect(await notes()).toBe(4);
    const bad = await note(desk, 'a key/with a slash').expect(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST.INVALID', fields: [{ field: 'Idempotency-Key' }] });
    expect(await notes()).toBe(4);
  });
});
