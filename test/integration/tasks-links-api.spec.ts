import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { temporalDataConverter } from '@takedown/config';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { freePort } from '@takedown/dev';
import { parseLinkKeys, signLink, type LinkTarget } from '@takedown/links';
import { CapturedMailbox, Mailer } from '@takedown/mail';
import { AbuseContactEntity, CustomerEntity, NoticeEntity, TaskEntity } from '@takedown/persistence';
import { NotificationActivitiesService } from '@takedown/worker/notification-activities.service';
import { tsconfigAliases } from '@takedown/worker/workflow-bundle';
import { WorkerSettings } from '@takedown/worker/worker-settings';
import type { TaskAssignee, TaskKind } from '@takedown/domain';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { authorizedHttp, type Http } from '../support/api';
import { SERVER_INPUTS, cachedBuild } from '../support/build-cache';
import { allAtOnce } from '../support/db-barrier';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';
import { receivedQuery, type ReceivedSignals } from './fixtures/signal-recorder.workflow';

const LINK_SIGNING_KEYS = 'it:tasks-links-api-secret-0123456789abcdef';
const KEYS = parseLinkKeys(LINK_SIGNING_KEYS);
const HOUR = 3_600_000;

/**
 * The tasks API and the signed links through HTTP, on real PostgreSQL and Temporal. A fixture workflow stands in for
 * the notice workflow under the notice's workflow id, so the signals the API sends can be read back.
 */
describe('tasks API and signed links', () => {
  const env = testEnv({ LINK_SIGNING_KEYS });
  const mailbox = new CapturedMailbox(env.MAIL_CAPTURE_DIR as string);
  const taskQueue = `links-${randomUUID()}`;
  let app: INestApplication;
  let http: Http;
  let db: DataSource;
  let mailer: Mailer;
  let activities: NotificationActivitiesService;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let clientConnection: Connection;
  let client: Client;
  const started: string[] = [];

  beforeAll(async () => {
    connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    worker = await Worker.create({
      connection,
      taskQueue,
      dataConverter: temporalDataConverter(env),
      workflowBundle: { codePath: await recorderBundle() },
    });
    running = worker.run();
    clientConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    client = new Client({ connection: clientConnection, dataConverter: temporalDataConverter(env) });
    app = await createApp(new AppConfig(env));
    await app.init();
    http = await authorizedHttp(app);
    db = app.get(DataSource);
    mailer = new Mailer(env.SMTP_URL);
    activities = new NotificationActivitiesService(
      db,
      mailer,
      new WorkerSettings(
        env.MAIL_FROM,
        env.ABUSE_DESK_EMAIL,
        'http://127.0.0.1:3999',
        'default',
        env.ABUSE_LEAD_EMAIL,
        env.NOC_EMAIL,
        KEYS,
        HOUR,
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(
      started.map((id) =>
        client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
    await app?.close();
    worker?.shutdown();
    await running;
    await connection?.close();
    await clientConnection?.close();
  });

  /** A notice of a Dutch customer, with its stand-in workflow running under the notice's workflow id. */
  const notice = async () => {
    const id = randomUUID();
    const customer = await db.getRepository(CustomerEntity).save({
      id,
      reference: `T-${id.slice(0, 8)}`,
      name: 'Tenant A B.V.',
      contractType: 'colocation',
      language: 'nl',
      accountManagerEmail: 'am.jansen@provider.example',
    });
    await db.getRepository(AbuseContactEntity).insert({ customerId: id, email: 'abuse@tenant-a.example' });
    const { notice } = await storeNotice(db);
    await db.getRepository(NoticeEntity).update({ id: notice.id }, { customerId: customer.id });
    const workflowId = noticeWorkflowId(notice.id);
    await client.workflow.start('signalRecorderWorkflow', { workflowId, taskQueue });
    started.push(workflowId);
    return { notice, customer };
  };

  const openTask = async (
    noticeId: string,
    kind: TaskKind = 'account_manager_escalation',
    assignee: TaskAssignee = 'account_manager',
  ) => {
    const key = `${noticeId}:task:${kind}:${randomUUID()}`;
    const { taskId } = await activities.openTask({
      noticeId,
      key,
      kind,
      assignee,
      dueAt: new Date(Date.now() + HOUR).toISOString(),
      summary: 'The customer missed the removal deadline: contact it, or request suspension.',
    });
    return { taskId, key };
  };

  /** The link paths in the email sent under `key`, by the action they carry. */
  const linksInEmail = async (key: string): Promise<Record<string, string>> => {
    const [mail] = await mailbox.withKey(key);
    const paths = [...mail.text.matchAll(/http:\/\/127\.0\.0\.1:3999(\/links\/[\w.-]+)/g)].map((m) => m[1]);
    const actions = [...mail.text.matchAll(/^- (.+):$/gm)].map((m) => m[1].replace(/ /g, '_'));
    return Object.fromEntries(paths.map((p, i) => [actions[i] ?? String(i), p]));
  };

  const received = (noticeId: string): Promise<ReceivedSignals> =>
    client.workflow.getHandle(noticeWorkflowId(noticeId)).query(receivedQuery);

  const task = (id: string) => db.getRepository(TaskEntity).findOneByOrFail({ id });
  const uses = async (path: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM link_uses WHERE target LIKE $1`, [`%${path}%`]))[0]
      .n as number;

  describe('the tasks API', () => {
    it('lists tasks by assignee, status and notice, soonest due first, paginated', async () => {
      const { notice: n } = await notice();
      const first = await openTask(n.id);
      const second = await openTask(n.id, 'removal_check', 'abuse_desk');
      const all = await http.get('/v1/tasks').query({ notice: n.id }).expect(200);
      expect(all.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
      expect(all.body.items.map((t: { id: string }) => t.id)).toEqual([first.taskId, second.taskId]);

      const mine = await http
        .get('/v1/tasks')
        .query({ notice: n.id, assignee: 'account_manager', status: 'open' })
        .expect(200);
      expect(mine.body.items).toEqual([expect.objectContaining({ id: first.taskId })]);
      const byEmail = await http
        .get('/v1/tasks')
        .query({ notice: n.id, assignee: 'AM.Jansen@provider.example' })
        .expect(200);
      expect(byEmail.body.total).toBe(1);
      const page = await http.get('/v1/tasks').query({ notice: n.id, limit: 1, offset: 1 }).expect(200);
      expect(page.body).toMatchObject({ total: 2, items: [{ id: second.taskId }] });

      const bad = await http
        .get('/v1/tasks')
        .query({ limit: 201, status: 'done', assignee: 'janitor' })
        .expect(400);
      expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'assignee',
        'limit',
        'status',
      ]);
    });

    it('shows what a task is about: notice, category, customer, due time and the outcomes it takes', async () => {
      const { notice: n, customer } = await notice();
      const { taskId } = await openTask(n.id);
      const res = await http.get(`/v1/tasks/${taskId}`).expect(200);
      expect(res.body).toMatchObject({
        id: taskId,
        kind: 'account_manager_escalation',
        status: 'open',
        assigneeEmail: 'am.jansen@provider.example',
        allowedOutcomes: ['acknowledged', 'customer_contacted', 'request_suspension'],
        notice: { id: n.id, category: 'csam', customer: { id: customer.id, reference: customer.reference } },
      });
      await http.get(`/v1/tasks/${randomUUID()}`).expect(404);
      await http.get('/v1/tasks/not-a-uuid').expect(400);
    });

    it('completes an open task as the signed-in principal (a `by` in the body is no identity), signals the notice workflow, and answers 409 the second time', async () => {
      const { notice: n } = await notice();
      const { taskId } = await openTask(n.id);
      const done = await http
        .post(`/v1/tasks/${taskId}/complete`)
        .send({ outcome: 'customer_contacted', by: 'am:a.jansen', note: 'Called them' })
        .expect(200);
      expect(done.body).toMatchObject({
        status: 'completed',
        outcome: 'customer_contacted',
        completedBy: expect.stringMatching(/^token:/),
      });
      expect((await received(n.id)).taskCompletions).toEqual([
        {
          taskId,
          kind: 'account_manager_escalation',
          outcome: 'customer_contacted',
          note: 'Called them',
          by: done.body.completedBy,
        },
      ]);
      const again = await http
        .post(`/v1/tasks/${taskId}/complete`)
        .send({ outcome: 'acknowledged', by: 'am:a.jansen' })
        .expect(409);
      expect(again.body.code).toBe('TASK.ALREADY_COMPLETED');
    });

    it('answers 400 naming the field for an outcome the kind does not take, or attribute without a customer; 404 for no task', async () => {
      const { notice: n, customer } = await notice();
      const { taskId } = await openTask(n.id);
      const wrong = await http
        .post(`/v1/tasks/${taskId}/complete`)
        .send({ outcome: 'accept', by: 'desk:x' })
        .expect(400);
      expect(wrong.body).toMatchObject({ code: 'TASK.INVALID_OUTCOME', field: 'outcome' });

      const attribute = await openTask(n.id, 'attribute', 'abuse_desk');
      const missing = await http
        .post(`/v1/tasks/${attribute.taskId}/complete`)
        .send({ outcome: 'attributed', by: 'desk:x' })
        .expect(400);
      expect(missing.body.field).toBe('customerId');
      await http
        .post(`/v1/tasks/${attribute.taskId}/complete`)
        .send({ outcome: 'attributed', by: 'desk:x', customerId: customer.id })
        .expect(200);
      expect((await received(n.id)).taskCompletions).toEqual([
        expect.objectContaining({ taskId: attribute.taskId, outcome: 'attributed', customerId: customer.id }),
      ]);
      expect((await task(taskId)).status).toBe('open');
      await http
        .post(`/v1/tasks/${randomUUID()}/complete`)
        .send({ outcome: 'acknowledged', by: 'desk:x' })
        .expect(404);
    });
  });

  describe('signed links', () => {
    it('shows a task link’s confirm page on GET and changes nothing', async () => {
      const { notice: n } = await notice();
      const { taskId, key } = await openTask(n.id);
      const links = await linksInEmail(key);
      const page = await http.get(links.request_suspension).expect(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.text).toContain('<form method="post">');
      expect(page.text).toContain('request suspension');
      expect(page.text).toContain(n.id);
      await http.get(links.request_suspension).expect(200);
      expect((await task(taskId)).status).toBe('open');
      expect(await uses(taskId)).toBe(0);
      expect((await received(n.id)).taskCompletions).toEqual([]);
    });

    it('completes the task on POST as the assignee, signals the workflow, and says "already used" the second time', async () => {
      const { notice: n } = await notice();
      const { taskId, key } = await openTask(n.id);
      const links = await linksInEmail(key);
      const done = await http
        .post(links.customer_contacted)
        .type('form')
        .send({ note: 'Spoke to their NOC' })
        .expect(200);
      expect(done.text).toContain('Task completed');
      expect(await task(taskId)).toMatchObject({
        status: 'completed',
        outcome: 'customer_contacted',
        completedBy: 'link:am.jansen@provider.example',
        note: 'Spoke to their NOC',
      });
      expect((await received(n.id)).taskCompletions).toEqual([
        expect.objectContaining({
          taskId,
          outcome: 'customer_contacted',
          by: 'link:am.jansen@provider.example',
        }),
      ]);
      const again = await http.post(links.customer_contacted).type('form').send({}).expect(409);
      expect(again.text).toContain('already been used');
      // The task is closed now: its other links say so instead of acting.
      const other = await http.post(links.acknowledged).type('form').send({}).expect(409);
      expect(other.text).toContain('Task already completed');
      expect((await received(n.id)).taskCompletions).toHaveLength(1);
    });

    it('takes a link posted twice at the same moment once: one 200, one 409 "already used" (a barrier, not timing)', async () => {
      const { notice: n } = await notice();
      const { taskId, key } = await openTask(n.id);
      const links = await linksInEmail(key);
      // Both requests have found the link unused and the task open before either claims the link.
      const [one, two] = await allAtOnce(env.DATABASE_URL, 'link_uses', 2, () =>
        [1, 2].map(() =>
          http
            .post(links.customer_contacted)
            .type('form')
            .send({})
            .then((r) => r),
        ),
      );
      expect([one.status, two.status].sort()).toEqual([200, 409]);
      expect([one, two].find((r) => r.status === 409)?.text).toContain('already been used');
      expect(await uses(taskId)).toBe(1);
      expect((await task(taskId)).outcome).toBe('customer_contacted');
      expect((await received(n.id)).taskCompletions).toHaveLength(1);
    });

    it('answers the customer’s dispute link in Dutch, requires a reason, and signals the response once', async () => {
      const { notice: n, customer } = await notice();
      const key = `${n.id}:notify:0`;
      await activities.notifyCustomer({
        noticeId: n.id,
        key,
        kind: 'notice',
        deadline: new Date(Date.now() + HOUR).toISOString(),
      });
      const [removed, dispute] = Object.values(await linksInEmail(key));

      const form = await http.get(dispute).expect(200);
      expect(form.text).toContain('Deze melding betwisten');
      expect(form.text).toMatch(/<textarea[^>]*name="reason"[^>]*required/);
      const noReason = await http.post(dispute).type('form').send({ reason: '  ' }).expect(400);
      expect(noReason.text).toContain('Geef een reden');
      expect(await uses(n.id)).toBe(0);

      await http.post(dispute).type('form').send({ reason: 'The file is our own product photo' }).expect(200);
      await http.post(dispute).type('form').send({ reason: 'again' }).expect(409);
      expect((await received(n.id)).customerResponses).toEqual([
        {
          kind: 'dispute',
          reason: 'The file is our own product photo',
          by: `customer:${customer.reference}`,
        },
      ]);
      // Each link is its own: "removed" still works once.
      await http.post(removed).type('form').send({}).expect(200);
      expect((await received(n.id)).customerResponses.map((r) => r.kind)).toEqual(['dispute', 'removed']);
    });

    it('gives clear pages, never a stack trace, for expired, tampered and unknown-key links', async () => {
      const { notice: n } = await notice();
      const target: LinkTarget = { t: 'notice', id: n.id, action: 'removed' };
      const expired = signLink(KEYS, target, -1000);
      for (const verb of ['get', 'post'] as const) {
        const res = await http[verb](`/links/${expired}`).expect(410);
        expect(res.text).toContain('This link has expired');
      }
      const token = signLink(KEYS, target, HOUR);
      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      const bad = await http.post(`/links/${tampered}`).type('form').send({}).expect(400);
      expect(bad.text).toContain('This link is not valid');
      expect(bad.text).not.toMatch(/at \w+ \(|Error:/);
      const stranger = signLink(parseLinkKeys('other:some-other-secret-0123456789abcdefgh'), target, HOUR);
      await http.get(`/links/${stranger}`).expect(400);
      await http.get('/links/garbage').expect(400);
      expect((await received(n.id)).customerResponses).toEqual([]);
    });

    it('answers 503 with Temporal unreachable, and then neither the link nor the task is used up', async () => {
      const { notice: n } = await notice();
      const { taskId, key } = await openTask(n.id);
      const links = await linksInEmail(key);
      const down = await createApp(
        new AppConfig(testEnv({ LINK_SIGNING_KEYS, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` })),
      );
      await down.init();
      try {
        const offline = await authorizedHttp(down);
        // Both wait out the Temporal deadline; side by side they take one.
        const [page, api] = await Promise.all([
          offline.post(links.acknowledged).type('form').send({}).expect(503),
          offline
            .post(`/v1/tasks/${taskId}/complete`)
            .send({ outcome: 'acknowledged', by: 'desk:x' })
            .expect(503),
        ]);
        expect(page.text).toContain('the link still works');
        expect(api.body.code).toBe('TEMPORAL.UNAVAILABLE');
      } finally {
        await down.close();
      }
      expect((await task(taskId)).status).toBe('open');
      expect(await uses(taskId)).toBe(0);
      await http.post(links.acknowledged).type('form').send({}).expect(200);
      expect((await task(taskId)).outcome).toBe('acknowledged');
    });

    it('says a task link’s task was cancelled when its notice closed', async () => {
      const { notice: n } = await notice();
      const { key } = await openTask(n.id);
      await activities.closeTasks({ noticeId: n.id, reason: 'notice closed: removed_in_time' });
      const links = await linksInEmail(key);
      const res = await http.get(links.acknowledged).expect(409);
      expect(res.text).toContain('cancelled: notice closed: removed_in_time');
    });
  });

  it('documents every task and link route with its error responses', async () => {
    const doc = (await http.get('/docs-json').expect(200)).body;
    expect(doc.paths['/v1/tasks'].get.responses).toHaveProperty('400');
    expect(doc.paths['/v1/tasks/{id}'].get.responses).toHaveProperty('404');
    expect(Object.keys(doc.paths['/v1/tasks/{id}/complete'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '409', '503']),
    );
    expect(doc.paths['/links/{token}'].get.tags).toEqual(['links']);
    // The link is the credential: no bearer token, so no 401 or 403.
    expect(doc.paths['/links/{token}'].post.security).toBeUndefined();
    expect(doc.paths['/links/{token}'].post.responses).not.toHaveProperty('401');
    expect(Object.keys(doc.paths['/links/{token}'].post.responses).sort()).toEqual([
      '200',
      '400',
      '404',
      '409',
      '410',
      '413',
      '429',
      '500',
      '503',
    ]);
  });
});

const RECORDER = path.join(__dirname, 'fixtures', 'signal-recorder.workflow.ts');

/** The stand-in workflow bundled once per state of its sources, as the real workflows are (global-setup.ts). */
async function recorderBundle(): Promise<string> {
  const inputs = {
    ...SERVER_INPUTS,
    files: [...SERVER_INPUTS.files, path.relative(path.join(__dirname, '..', '..'), RECORDER)],
  };
  const dir = await cachedBuild(
    'signal-recorder-bundle',
    async (into) => {
      const { code } = await bundleWorkflowCode({
        workflowsPath: RECORDER,
        webpackConfigHook: (config) => {
          // Merged: the SDK's own aliases (payload converter and the like) are in there already.
          config.resolve = {
            ...config.resolve,
            alias: { ...(config.resolve?.alias as Record<string, string>), ...tsconfigAliases() },
          };
          return config;
        },
      });
      fs.writeFileSync(path.join(into, 'bundle.js'), code);
    },
    inputs,
  );
  return path.join(dir, 'bundle.js');
}
