import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  NoticeEntity,
  NoticeEventEntity,
  NoticeReportEntity,
  onlyVisibleNotices,
  PgNoticeRepository,
  searchCondition,
  type NoticeFilter,
  type NoticeScope,
} from '@takedown/persistence';
import { authorizedHttp } from '../support/api';
import { ownDatabase } from '../support/own-database';

/**
 * The hot reads of notices (one notice with its timeline, reports, tasks and linked notices in one statement; a page
 * with its count in one) are plain SQL on the pool. Each is compared with the TypeORM entity reads it replaced, on
 * notices that use every column and on every kind of scope, so that a field or a scope the SQL dropped fails here;
 * and read through the API by readers of each scope, who never see another's notice and see no CSAM path.
 */
describe('the plain-SQL notice reads against the entity reads they replaced', () => {
  const own = ownDatabase('notice_reads');
  let db: DataSource;
  let repo: PgNoticeRepository;
  const tag = randomUUID().slice(0, 8);
  const sourceX = { kind: 'hotline', name: `Reads X ${tag}` };
  const sourceY = { kind: 'trusted_flagger', name: `Reads Y ${tag}` };
  const amA = `am-a-${tag}@provider.example`;
  const amB = `am-b-${tag}@provider.example`;
  const group = randomUUID();
  const ids = { csam: randomUUID(), closed: randomUUID(), bare: randomUUID() };
  let customerA: string;
  let customerB: string;

  const scopes: [string, NoticeScope][] = [
    ['everything', { all: true }],
    ['account manager A', { all: false, accountManagerEmail: amA }],
    ['account manager B', { all: false, accountManagerEmail: amB }],
    ['source X', { all: false, source: sourceX }],
    ['source Y', { all: false, source: sourceY }],
    ['account manager A who is also source Y', { all: false, accountManagerEmail: amA, source: sourceY }],
    ['a restricted caller with no scope', { all: false }],
  ];

  beforeAll(async () => {
    await own.start();
    db = own.db;
    repo = new PgNoticeRepository(db);
    const customer = async (ref: string, am: string) =>
      (
        (await db.query(
          `INSERT INTO customers (reference, name, contract_type, account_manager_email)
           VALUES ($1, $1, 'colocation', $2) RETURNING id`,
          [ref, am],
        )) as { id: string }[]
      )[0].id;
    customerA = await customer(`A-${tag}`, amA);
    customerB = await customer(`B-${tag}`, amB);
    const insert = (row: Partial<NoticeEntity> & { id: string }) =>
      db.getRepository(NoticeEntity).insert({
        workflowId: `notice-${row.id}`,
        sourceKind: 'hotline',
        sourceName: sourceX.name,
        sourceReference: `ref-${row.id}`,
        hashes: {},
        ...row,
      });
    // Every column set (times with microseconds, JSON, arrays, an address), and a host group shared across customers.
    await insert({
      id: ids.csam,
      category: 'csam',
      urls: ['https://csam.example/a/secret-path-1', 'https://other.example/b/secret-path-2'],
      ip: '2001:db8::1',
      observedAt: new Date('2026-12-01T09:59:59.123Z'),
      receivedAt: new Date('2026-12-01T10:00:00.456Z'),
      state: 'customer_notified',
      deadline: new Date(Date.now() + 3_600_000),
      policyId: 'default',
      policyVersion: 3,
      customerId: customerA,
      resellerId: customerB,
      resellerMode: 'informed',
      sourceContact: 'reports@x.example',
      workflowId: `notice-${ids.csam}`,
      hashes: { sha256: 'ab'.repeat(32) },
      description: 'seen at https://csam.example/a/secret-path-1',
      reportedType: 'content/csem',
      reportDetails: { nested: { url: 'https://csam.example/a/secret-path-1' }, n: 1.5, on: true },
      host: 'csam.example',
      hostGroup: group,
      hashListed: true,
      originalText: 'please remove https://csam.example/a/secret-path-1',
      assignedTo: 'oidc:desk-1',
      assignedToName: 'Desk One',
    });
    await insert({
      id: ids.closed,
      category: 'phishing',
      urls: ['https://phish.example/login'],
      ip: '192.0.2.10',
      receivedAt: new Date('2026-12-01T11:00:00Z'),
      state: 'closed',
      outcome: 'removed_in_time',
      deadline: new Date('2026-12-03T11:00:00Z'),
      removedAt: new Date('2026-12-02T11:00:00Z'),
      timeToRemovalSeconds: 86_400,
      closedAt: new Date('2026-12-02T12:00:00.789Z'),
      customerId: customerB,
      hostGroup: group,
      repeatOf: ids.csam,
    });
    await insert({
      id: ids.bare,
      category: 'spam',
      urls: ['https://spam.example/x'],
      receivedAt: new Date('2026-12-01T12:00:00Z'),
      state: 'needs_triage',
      sourceKind: 'trusted_flagger',
      sourceName: sourceY.name,
    });
    await db.query(`UPDATE notices SET anonymised_at = now() WHERE id = $1`, [ids.bare]);
    const report = (
      noticeId: string,
      source: { kind: string; name: string },
      extra: Partial<NoticeReportEntity>,
    ) =>
      db.getRepository(NoticeReportEntity).insert({
        noticeId,
        sourceKind: source.kind as NoticeReportEntity['sourceKind'],
        sourceName: source.name,
        sourceReference: `ref-${noticeId}-${source.name}`,
        receivedAt: new Date('2026-12-01T10:00:00.456Z'),
        ...extra,
      });
    await report(ids.csam, sourceX, { urlPositions: [1, 2], sourceContact: 'reports@x.example' });
    await report(ids.csam, sourceY, {
      urlPositions: [1],
      designationReference: 'DSC-1',
      designatingAuthority: 'ACM',
      receivedAt: new Date('2026-12-01T10:05:00.001Z'),
    });
    await report(ids.closed, sourceX, { urlPositions: [1] });
    await report(ids.bare, sourceY, { urlPositions: null });
    // Two steps at the same moment (ordered by id), data and reasons with URLs in them.
    const at = new Date('2026-12-01T10:00:01.999Z');
    for (const [k, type, occurredAt] of [
      [1, 'received', at],
      [2, 'attributed', at],
      [3, 'note', new Date('2026-12-01T10:30:00Z')],
    ] as const) {
      await db.getRepository(NoticeEventEntity).insert({
        noticeId: ids.csam,
        type,
        actor: 'workflow',
        reason: k === 3 ? 'still at https://csam.example/a/secret-path-1' : null,
        data: k === 3 ? { urls: ['https://csam.example/a/secret-path-1'], count: 2 } : {},
        occurredAt,
        idempotencyKey: `${ids.csam}:${k}`,
      });
    }
    await db.getRepository(NoticeEventEntity).insert({
      noticeId: ids.closed,
      type: 'closed',
      actor: 'desk',
      reason: null,
      data: { outcome: 'removed_in_time' },
      occurredAt: new Date('2026-12-02T12:00:00.789Z'),
      idempotencyKey: `${ids.closed}:1`,
    });
    await db.query(
      `INSERT INTO tasks (notice_id, kind, assignee, assignee_email, summary, due_at, status, idempotency_key,
                          completed_at)
       VALUES ($1, 'noc_suspension', 'noc', 'noc@provider.example', 'suspend https://csam.example/a/secret-path-1',
               '2026-12-01T14:00:00.5Z', 'open', $2, NULL),
              ($1, 'account_manager_escalation', 'account_manager', 'am@provider.example', 'call them',
               '2026-12-01T13:00:00Z', 'open', $3, NULL),
              ($1, 'noc_suspension', 'noc', 'noc@provider.example', 'cancelled', '2026-12-01T12:00:00Z', 'cancelled',
               $4, now())`,
      [ids.csam, `${tag}-t1`, `${tag}-t2`, `${tag}-t3`],
    );
  });
  afterAll(async () => {
    await own.stop();
  });

  /** One notice as the repository read it before: TypeORM's entities, then its parts one by one. */
  async function entityDetail(id: string, scope: NoticeScope) {
    const notice = await onlyVisibleNotices(
      db.getRepository(NoticeEntity).createQueryBuilder('n').where('n.id = :id', { id }),
      scope,
    ).getOne();
    if (!notice) return null;
    const events = await db
      .getRepository(NoticeEventEntity)
      .find({ where: { noticeId: id }, order: { occurredAt: 'ASC', id: 'ASC' } });
    const reports = await db
      .getRepository(NoticeReportEntity)
      .find({ where: { noticeId: id }, order: { id: 'ASC' } });
    const tasks = (await db.query(
      `SELECT id, kind, assignee, due_at AS "dueAt", summary FROM tasks
        WHERE notice_id = $1 AND status = 'open' ORDER BY due_at`,
      [id],
    )) as unknown[];
    const linked = notice.hostGroup
      ? (
          await onlyVisibleNotices(
            db
              .getRepository(NoticeEntity)
              .createQueryBuilder('n')
              .select('n.id')
              .where('n.host_group = :group AND n.id <> :id', { group: notice.hostGroup, id }),
            scope,
          )
            .orderBy('n.receivedAt')
            .addOrderBy('n.id')
            .getMany()
        ).map((r) => r.id)
      : [];
    return {
      all: { notice, events, reports },
      detail: {
        notice,
        events: events.map(({ type, actor, reason, data, occurredAt }) => ({
          type,
          actor,
          reason,
          data,
          occurredAt,
        })),
        reports: reports.map((r) => ({
          sourceKind: r.sourceKind,
          sourceName: r.sourceName,
          sourceReference: r.sourceReference,
          receivedAt: r.receivedAt,
          designationReference: r.designationReference,
          designatingAuthority: r.designatingAuthority,
        })),
        tasks,
        linked,
      },
    };
  }

  /** A page as the repository read it before: TypeORM's query builder, getManyAndCount. */
  async function entityPage(q: NoticeFilter, scope: NoticeScope) {
    const qb = onlyVisibleNotices(db.getRepository(NoticeEntity).createQueryBuilder('n'), scope);
    if (q.q !== undefined) {
      const params: Record<string, unknown> = {};
      qb.andWhere(
        searchCondition(q.q, ['abuse_desk'], scope, (name, value) => {
          params[name] = value;
          return `:${name}`;
        }),
        params,
      );
    }
    if (q.status) qb.andWhere('n.state = :status', { status: q.status });
    if (q.customer) qb.andWhere('n.customer_id = :customer', { customer: q.customer });
    if (q.sort === 'time_left') {
      qb.orderBy(`n.state = 'closed'`, 'ASC')
        .addOrderBy('n.deadline', 'ASC', 'NULLS LAST')
        .addOrderBy('n.receivedAt', 'ASC');
    } else {
      const sort = q.sort ?? '-received_at';
      const column = sort.replace('-', '') === 'deadline' ? 'n.deadline' : 'n.receivedAt';
      qb.orderBy(column, sort.startsWith('-') ? 'DESC' : 'ASC', 'NULLS LAST');
    }
    qb.addOrderBy('n.id', 'ASC');
    const [rows, total] = await qb.take(q.limit).skip(q.offset).getManyAndCount();
    return { rows, total };
  }

  it.each(scopes)('reads one notice, whole, as the entities did, for %s', async (name, scope) => {
    let seen = 0;
    for (const id of Object.values(ids)) {
      const before = await entityDetail(id, scope);
      expect(await repo.detail(id, scope)).toEqual(before?.detail ?? null);
      expect(await repo.find(id, scope)).toEqual(before?.all.notice ?? null);
      if (!before) continue;
      seen += 1;
      expect(await repo.events(id)).toEqual(before.all.events);
      expect(await repo.reports(id)).toEqual(before.all.reports);
      expect(await repo.reportsBy([id], sourceY)).toEqual(
        before.all.reports.filter((r) => r.sourceName === sourceY.name),
      );
    }
    // What each scope may see, so that a scope that let everything through (or nothing) fails here too.
    const visible: Record<string, number> = {
      everything: 3,
      'account manager A': 1,
      'account manager B': 1,
      'source X': 2,
      'source Y': 2,
      'account manager A who is also source Y': 2,
      'a restricted caller with no scope': 0,
    };
    expect(seen).toBe(visible[name]);
  });

  it('reads every column of a notice, its parts whole and in order, and the linked notices the scope may see', async () => {
    const found = await repo.detail(ids.csam, { all: true });
    expect(found?.notice).toMatchObject({
      observedAt: new Date('2026-12-01T09:59:59.123Z'),
      reportDetails: { nested: { url: 'https://csam.example/a/secret-path-1' }, n: 1.5, on: true },
      resellerMode: 'informed',
      hashListed: true,
      policyVersion: 3,
    });
    expect(found?.events.map((e) => e.type)).toEqual(['received', 'attributed', 'note']);
    expect(found?.reports.map((r) => r.designationReference)).toEqual([null, 'DSC-1']);
    expect(found?.tasks.map((t) => t.summary)).toEqual([
      'call them',
      'suspend https://csam.example/a/secret-path-1',
    ]);
    expect(found?.linked).toEqual([ids.closed]);
    expect((await repo.detail(ids.csam, { all: false, accountManagerEmail: amA }))?.linked).toEqual([]);
    expect((await repo.detail(ids.closed, { all: false, source: sourceX }))?.linked).toEqual([ids.csam]);
  });

  it.each(scopes)('reads a page and its count as the entities did, for %s', async (_name, scope) => {
    const base = { limit: 50, offset: 0 };
    const filters: NoticeFilter[] = [
      base,
      { ...base, sort: 'time_left' },
      { ...base, sort: 'deadline' },
      { ...base, sort: '-deadline', limit: 1, offset: 1 },
      { ...base, status: 'customer_notified' },
      { ...base, customer: customerB, sort: 'received_at' },
      { ...base, offset: 10 },
      { ...base, q: 'csam.example' },
      { ...base, q: '192.0.2.0/24' },
      { ...base, q: `ref-${ids.bare}-${sourceY.name}` },
    ];
    for (const q of filters) {
      const before = await entityPage(q, scope);
      const after = await repo.page(q, scope, ['abuse_desk']);
      expect(after.total).toBe(before.total);
      expect(after.rows).toEqual(
        before.rows.map((n) => ({
          id: n.id,
          sourceKind: n.sourceKind,
          sourceName: n.sourceName,
          sourceReference: n.sourceReference,
          category: n.category,
          urls: n.urls,
          ip: n.ip,
          customerId: n.customerId,
          state: n.state,
          outcome: n.outcome,
          receivedAt: n.receivedAt,
          deadline: n.deadline,
          closedAt: n.closedAt,
          timeToRemovalSeconds: n.timeToRemovalSeconds,
          policyId: n.policyId,
          policyVersion: n.policyVersion,
          workflowId: n.workflowId,
          assignedTo: n.assignedTo,
          assignedToName: n.assignedToName,
        })),
      );
    }
  });

  it('through the API: each reader sees its own notices only, and staff no CSAM path', async () => {
    const as = (role: Parameters<typeof authorizedHttp>[1], scope: Parameters<typeof authorizedHttp>[2]) =>
      authorizedHttp(own.app, role, scope);
    const desk = await as('abuse_desk', {});
    const one = (await desk.get(`/v1/notices/${ids.csam}`).expect(200)).body as Record<string, unknown>;
    expect(one.urls).toEqual(['https://csam.example/[redacted]', 'https://other.example/[redacted]']);
    expect(JSON.stringify(one)).not.toContain('secret-path');
    expect(one.linkedNotices).toEqual([ids.closed]);
    expect(one.pendingTasks).toHaveLength(2);
    expect(one.timeline).toHaveLength(3);
    expect(one.reports).toHaveLength(2);
    const queue = (await desk.get('/v1/notices?sort=time_left').expect(200)).body as {
      items: Record<string, unknown>[];
      total: number;
    };
    expect(queue.total).toBe(3);
    expect(JSON.stringify(queue)).not.toContain('secret-path');

    const managerA = await as('account_manager', { accountManagerEmail: amA });
    expect((await managerA.get(`/v1/notices/${ids.csam}`).expect(200)).body.linkedNotices).toEqual([]);
    await managerA.get(`/v1/notices/${ids.closed}`).expect(404);
    await managerA.get(`/v1/notices/${ids.bare}`).expect(404);
    const pageA = (await managerA.get('/v1/notices').expect(200)).body as {
      items: { id: string }[];
      total: number;
    };
    expect({ ids: pageA.items.map((n) => n.id), total: pageA.total }).toEqual({ ids: [ids.csam], total: 1 });

    const managerB = await as('account_manager', { accountManagerEmail: amB });
    await managerB.get(`/v1/notices/${ids.csam}`).expect(404);
    expect((await managerB.get(`/v1/notices/${ids.closed}`).expect(200)).body.linkedNotices).toEqual([]);

    // A source reads its own view of its own notices, never another source's report of them.
    const y = await as('source', { source: sourceY });
    const ownView = (await y.get(`/v1/notices/${ids.csam}`).expect(200)).body as Record<string, unknown>;
    expect(ownView.reports).toEqual([expect.objectContaining({ name: sourceY.name })]);
    expect(JSON.stringify(ownView)).not.toContain(sourceX.name);
    await y.get(`/v1/notices/${ids.closed}`).expect(404);
    const pageY = (await y.get('/v1/notices').expect(200)).body as { items: { id: string }[]; total: number };
    expect(pageY.items.map((n) => n.id).sort()).toEqual([ids.csam, ids.bare].sort());

    // A customer (or a reseller) reads notices through /v1/customer only: on the staff routes it sees nothing.
    const customer = await as('customer', { customerId: customerA });
    await customer.get(`/v1/notices/${ids.csam}`).expect((res) => expect([403, 404]).toContain(res.status));
  });
});
