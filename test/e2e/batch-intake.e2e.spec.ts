import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { freePort } from '@takedown/dev';
import { NoticeEntity, NoticeReportEntity } from '@takedown/persistence';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { authorizedHttp, type Http } from '../support/api';
import { testEnv } from '../support/env';
import { headStart } from '../support/head-start';

const native = (ref = `bulk-${randomUUID()}`, url = `https://login.tenant-b.example/${randomUUID()}`) => ({
  source: { kind: 'hotline', name: 'Bulk Hotline' },
  sourceReference: ref,
  category: 'phishing',
  urls: [url],
});

/**
 * A batch sent to an API whose Temporal is unreachable: answered once each start's deadline (15 s) passed, with the
 * items and what the database kept of them. Sent before the other tests, so that the deadline passes while they run.
 */
let unreachable: () => Promise<{ items: ReturnType<typeof native>[]; body: BatchBody; kept: number[] }>;

interface BatchBody {
  created: number;
  existing: number;
  rejected: number;
  items: { index: number; status: string; retryable?: boolean; field?: string }[];
}

beforeAll(() => {
  unreachable = headStart(async () => {
    const env = testEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    const app = await createApp(new AppConfig(env));
    await app.init();
    try {
      const items = [native(), native(), native()];
      const res = await (
        await authorizedHttp(app)
      )
        .post('/v1/notices/batch')
        .send([...items, { ...native(), ip: 'not-an-ip' }])
        .expect(200);
      const repo = app.get(DataSource).getRepository(NoticeEntity);
      const kept = await Promise.all(
        items.map((item) => repo.countBy({ sourceReference: item.sourceReference })),
      );
      return { items, body: res.body as BatchBody, kept };
    } finally {
      await app.close();
    }
  });
});

/** The batch intake takes its items together, with the rules of the single intake kept item by item. */
describe('batch intake', () => {
  let app: INestApplication;
  let http: Http;
  let db: DataSource;

  // The API alone, on a task queue of its own: what is checked here is what intake stores and which workflows it
  // starts. A worker would run the 330 notices started here meanwhile, for nothing this file looks at.
  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv({ TEMPORAL_TASK_QUEUE: `batch-${randomUUID()}` })));
    await app.init();
    http = await authorizedHttp(app);
    db = app.get(DataSource);
  });

  afterAll(() => app?.close());

  const reportsOf = (noticeId: string) => db.getRepository(NoticeReportEntity).countBy({ noticeId });

  it('opens one notice per source reference and per URL, also within one batch', async () => {
    const twice = native();
    const shared = `https://login.tenant-b.example/${randomUUID()}`;
    const res = await http
      .post('/v1/notices/batch')
      .send([native(), twice, twice, native(undefined, shared), native(undefined, shared)])
      .expect(200);
    // The same reference again is `existing`; a new report that joins an open notice is `created`, as a new
    // notice is (whether its URL was known is not the sender's to learn).
    expect(res.body).toMatchObject({ created: 4, existing: 1, rejected: 0 });
    const [, first, again, opener, joiner] = res.body.items as { status: string; id: string }[];
    expect([first.status, again.status]).toEqual(['created', 'existing']);
    expect(again.id).toBe(first.id);
    expect([opener.status, joiner.status]).toEqual(['created', 'created']);
    expect(joiner.id).toBe(opener.id);
    expect(await reportsOf(opener.id)).toBe(2);
    const created = [
      ...new Set(
        (res.body.items as { status: string; id: string }[])
          .filter((i) => i.status === 'created')
          .map((i) => i.id),
      ),
    ];
    const audited = (await db.query(
      `SELECT target_id FROM audit_log WHERE action = 'notice.submit' AND target_id = ANY($1::text[])`,
      [created],
    )) as { target_id: string }[];
    expect(audited.map((a) => a.target_id).sort()).toEqual([...created].sort());
  });

  it('stores a large batch chunk by chunk while the workflows start, with the rules kept across chunks', async () => {
    // 230 items: three of the intake's chunks of 100. The last item repeats the first one's reference, the one
    // before it reports the first one's URL: both are answered with the first item's notice, the join as a new
    // report (`created`), the repeat as `existing`.
    const items = Array.from({ length: 228 }, () => native());
    items.push(native(undefined, items[0].urls[0]), {
      ...native(),
      sourceReference: items[0].sourceReference,
    });
    const res = await http.post('/v1/notices/batch').send(items).expect(200);
    expect(res.body).toMatchObject({ created: 229, existing: 1, rejected: 0 });
    const answers = res.body.items as { status: string; id: string }[];
    expect(answers.slice(228)).toMatchObject([
      { status: 'created', id: answers[0].id },
      { status: 'existing', id: answers[0].id },
    ]);
    const created = answers.slice(0, 228).map((a) => a.id);
    expect(new Set(created).size).toBe(228);
    // Every new notice has its workflow, in every chunk.
    const temporal = app.get(Client);
    for (const k of [0, 99, 100, 199, 200, 227]) {
      expect((await temporal.workflow.getHandle(noticeWorkflowId(created[k])).describe()).type).toBe(
        'noticeWorkflow',
      );
    }
    // One audit row per new notice, in the order of the items.
    const audited = (await db.query(
      `SELECT target_id FROM audit_log WHERE action = 'notice.submit' AND target_id = ANY($1::text[]) ORDER BY id`,
      [created],
    )) as { target_id: string }[];
    expect(audited.map((a) => a.target_id)).toEqual(created);
    expect(await reportsOf(answers[0].id)).toBe(2);
  });

  it('takes 100 items of 100 URLs each without holding more than 1,000 URL locks in one transaction', async () => {
    const items = Array.from({ length: 100 }, () => {
      const id = randomUUID();
      return {
        ...native(`locks-${id}`),
        urls: Array.from({ length: 100 }, (_, k) => `https://files.tenant-a.example/${id}/${k}`),
      };
    });
    // Another connection samples the advisory locks each backend holds while the batch is stored.
    const sampler = app.get(DataSource).createQueryRunner();
    await sampler.connect();
    let most = 0;
    let sampling = true;
    const sampled = (async () => {
      while (sampling) {
        const [row] = (await sampler.query(
          `SELECT coalesce(max(n), 0)::int AS n FROM (SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' GROUP BY pid) l`,
        )) as { n: number }[];
        most = Math.max(most, row.n);
      }
    })();
    try {
      const res = await http.post('/v1/notices/batch').send(items).expect(200);
      expect(res.body).toMatchObject({ created: 100, rejected: 0 });
    } finally {
      sampling = false;
      await sampled;
      await sampler.release();
    }
    // 10,000 in one transaction before: past PostgreSQL's default shared lock table (about 7,800).
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(1_001);
  });

  it('joins an item to the open notice that already covers its URL, and starts a workflow for every new one', async () => {
    const open = (await http.post('/v1/notices').send(native()).expect(201)).body as {
      id: string;
      urls: string[];
    };
    const res = await http
      .post('/v1/notices/batch')
      .send([native(undefined, open.urls[0]), native()])
      .expect(200);
    expect(res.body.items).toMatchObject([{ status: 'created', id: open.id }, { status: 'created' }]);
    expect(await reportsOf(open.id)).toBe(2);
    const temporal = app.get(Client);
    const started = await temporal.workflow.getHandle(noticeWorkflowId(res.body.items[1].id)).describe();
    expect(started.type).toBe('noticeWorkflow');
  });

  it('starts the workflow of a notice stored without one when its source sends it again', async () => {
    // What a crash between the batch's commit and its workflow starts leaves behind.
    const orphan = native();
    const { identifiers } = await db.getRepository(NoticeEntity).insert({
      sourceKind: 'hotline',
      sourceName: orphan.source.name,
      sourceReference: orphan.sourceReference,
      category: 'phishing',
      urls: orphan.urls,
      receivedAt: new Date(),
      workflowId: '',
      hashes: {},
    });
    const id = identifiers[0].id as string;
    await db.getRepository(NoticeEntity).update({ id }, { workflowId: noticeWorkflowId(id) });
    await db.getRepository(NoticeReportEntity).insert({
      noticeId: id,
      sourceKind: 'hotline',
      sourceName: orphan.source.name,
      sourceReference: orphan.sourceReference,
      receivedAt: new Date(),
    });
    const handle = app.get(Client).workflow.getHandle(noticeWorkflowId(id));
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const res = await http.post('/v1/notices/batch').send([orphan]).expect(200);
    expect(res.body.items).toMatchObject([{ status: 'existing', id }]);
    expect((await handle.describe()).type).toBe('noticeWorkflow');
  });
});

describe('batch intake with Temporal unreachable', () => {
  it('answers every good item as retryable and keeps none of them', async () => {
    const { items, body, kept } = await unreachable();
    expect(body).toMatchObject({ created: 0, existing: 0, rejected: 4 });
    expect(body.items.slice(0, 3)).toEqual(
      items.map((_, index) => expect.objectContaining({ index, status: 'rejected', retryable: true })),
    );
    expect(body.items[3]).toMatchObject({ field: 'ip' });
    expect(kept).toEqual([0, 0, 0]);
  });
});
