import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ensurePromtool, freePort } from '@takedown/dev';
import { Mailer } from '@takedown/mail';
import { createRegistry, workerBusinessMetrics, workerTaskMetrics } from '@takedown/observability';
import { NoticeEntity } from '@takedown/persistence';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { authorizedHttp } from '../support/api';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { storeNotice } from '../support/notices';
import { ownDatabase } from '../support/own-database';

const OPS = path.resolve(__dirname, '..', '..', 'docs', 'ops');

/** The value of one sample (`name{labels}`) in a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v] as [string, string]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** The metric names a PromQL text uses that Takedown defines (takedown_…), without histogram suffixes. */
const namesIn = (text: string) =>
  new Set([...text.matchAll(/\btakedown_[a-z0-9_]+/g)].map(([n]) => n.replace(/_(bucket|count|sum)$/, '')));

/**
 * Alerts and dashboards (docs/ops): the business metrics on the API's /metrics follow the notices and tasks in
 * PostgreSQL, the worker counts emails by result, the alert rules pass promtool's check and its rule tests, and
 * every metric the rules and the Grafana dashboard read is one the processes export.
 */
describe('operations: metrics, alert rules, dashboard', () => {
  // A database of its own: notices other test files leave behind cross their deadlines while this one counts.
  const own = ownDatabase('ops_metrics');
  let app: INestApplication;
  let db: DataSource;

  beforeAll(async () => {
    await own.start();
    app = await createApp(new AppConfig(testEnv({ DATABASE_URL: own.url, METRICS_REFRESH_SECONDS: '1' })));
    await app.init();
    db = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await own.stop();
  });

  const scrape = async () => (await request(app.getHttpServer()).get('/metrics').expect(200)).text;

  it('counts open, overdue and unattended near-deadline notices, open tasks by age, and intake by channel', async () => {
    const before = await scrape();
    const near = await storeNotice(db, { category: 'terrorist_content' });
    await db
      .getRepository(NoticeEntity)
      .update(near.notice.id, { state: 'customer_notified', deadline: new Date(Date.now() + 10 * 60_000) });
    // A removal was claimed: near its deadline too, but someone is on it.
    const claimed = await storeNotice(db, { category: 'terrorist_content' });
    await db.getRepository(NoticeEntity).update(claimed.notice.id, {
      state: 'awaiting_confirmation',
      deadline: new Date(Date.now() + 5 * 60_000),
    });
    const late = await storeNotice(db, { category: 'terrorist_content' });
    await db
      .getRepository(NoticeEntity)
      .update(late.notice.id, { state: 'escalated', deadline: new Date(Date.now() - 60_000) });
    await db.query(
      `INSERT INTO tasks (notice_id, kind, assignee, assignee_email, summary, due_at, created_at, idempotency_key)
       VALUES ($1, 'noc_suspension', 'noc', 'noc@provider.example', 'suspend', now(), now() - interval '2 hours', $2)`,
      [late.notice.id, `ops-metrics-${randomUUID()}`],
    );
    const http = await authorizedHttp(app);
    const ref = `ops-metrics-${randomUUID()}`;
    await http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
        sourceReference: ref,
        category: 'spam',
        urls: [`https://mail.tenant-b.example/${ref}`],
        ip: '192.0.2.77',
      })
      .expect(201);

    const delta = (text: string, name: string, labels: Record<string, string>) =>
      sample(text, name, labels) - sample(before, name, labels);
    const after = await eventually(
      scrape,
      (text) =>
        delta(text, 'takedown_notices_near_deadline_unattended', { category: 'terrorist_content' }) === 1 &&
        delta(text, 'takedown_intake_notices_total', { channel: 'api' }) >= 1,
      30_000,
    );
    expect(delta(after, 'takedown_notices_overdue', { category: 'terrorist_content' })).toBe(1);
    expect(
      delta(after, 'takedown_notices_open', {
        state: 'awaiting_confirmation',
        category: 'terrorist_content',
      }),
    ).toBe(1);
    expect(
      delta(after, 'takedown_notices_open', { state: 'customer_notified', category: 'terrorist_content' }),
    ).toBe(1);
    expect(delta(after, 'takedown_tasks_open', { kind: 'noc_suspension', age: '1h_to_4h' })).toBe(1);
    expect(sample(after, 'takedown_business_metrics_refreshed_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );

    // Closed, the notices leave the open figures at the next refresh.
    await db
      .getRepository(NoticeEntity)
      .update([near.notice.id, claimed.notice.id, late.notice.id], { state: 'closed', closedAt: new Date() });
    await db.query(`UPDATE tasks SET status = 'cancelled', completed_at = now() WHERE notice_id = $1`, [
      late.notice.id,
    ]);
    const cleared = await eventually(
      scrape,
      (text) =>
        delta(text, 'takedown_notices_near_deadline_unattended', { category: 'terrorist_content' }) === 0,
      30_000,
    );
    expect(delta(cleared, 'takedown_notices_overdue', { category: 'terrorist_content' })).toBe(0);
    expect(delta(cleared, 'takedown_tasks_open', { kind: 'noc_suspension', age: '1h_to_4h' })).toBe(0);
  }, 90_000);

  it('counts the worker’s emails by how the send ended', async () => {
    const registry = createRegistry('worker');
    const metrics = workerBusinessMetrics(registry);
    const env = testEnv();
    const mail = { from: 'desk@provider.example', to: ['c@tenant-a.example'], subject: 's', text: 't' };
    await new Mailer(env.SMTP_URL, (r) => metrics.emails.inc({ result: r })).send({
      ...mail,
      idempotencyKey: `ops-metrics-${randomUUID()}`,
    });
    const nobody = `smtp://127.0.0.1:${await freePort()}`;
    await expect(
      new Mailer(nobody, (r) => metrics.emails.inc({ result: r })).send({
        ...mail,
        idempotencyKey: `ops-metrics-${randomUUID()}`,
      }),
    ).rejects.toThrow();
    const text = await registry.metrics();
    expect(sample(text, 'takedown_emails_total', { result: 'sent' })).toBe(1);
    expect(sample(text, 'takedown_emails_total', { result: 'failed' })).toBe(1);
    expect(sample(text, 'takedown_feedback_deliveries_pending')).toBe(0);
  });

  it('reads in its alert rules and dashboard only metrics that the API and the worker export', async () => {
    const worker = createRegistry('worker');
    workerBusinessMetrics(worker);
    workerTaskMetrics(worker);
    const exported = namesIn(`${await scrape()}\n${await worker.metrics()}`);
    for (const file of ['alerts.yml', 'grafana-dashboard.json']) {
      const used = [...namesIn(fs.readFileSync(path.join(OPS, file), 'utf8'))];
      expect(used.length).toBeGreaterThan(3);
      expect(used.filter((n) => !exported.has(n))).toEqual([]);
    }
    const dashboard = JSON.parse(fs.readFileSync(path.join(OPS, 'grafana-dashboard.json'), 'utf8'));
    expect(dashboard.panels.every((p: { targets: unknown[] }) => p.targets.length > 0)).toBe(true);
  });

  it('has alert rules that promtool accepts and whose rule tests pass', async () => {
    const promtool = await ensurePromtool({ log: (l) => process.stderr.write(`${l}\n`) });
    const run = (args: string[]) => promisify(execFile)(promtool, args, { cwd: OPS });
    const checked = await run(['check', 'rules', 'alerts.yml']);
    expect(checked.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const tested = await run(['test', 'rules', 'alerts.test.yml']);
    expect(`${tested.stdout}${tested.stderr}`).toMatch(/SUCCESS/);
  }, 1_800_000);
});
