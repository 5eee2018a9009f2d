import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

/**
 * `POST /v1/notices/bulk-actions` on the real stack: each notice through its workflow's update, as the single
 * action route takes it, with a result per notice and an audit row per notice with the caller as actor.
 */
describe('bulk actions on notices', () => {
  let system: RunningSystem;
  let db: DataSource;
  let customer: StoredCustomer;
  let desk: Http;
  let deskToken: string;

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    customer = await storeCustomer(db);
    deskToken = await system.tokenFor('abuse_desk', { name: 'Bulk desk' });
    desk = request.agent(system.app.getHttpServer()).set('Authorization', `Bearer ${deskToken}`);
  });
  afterAll(() => system?.stop());

  /** Notices submitted through the API, once their workflows have notified the customer. */
  const openNotices = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const ref = `bulk-${randomUUID()}`;
      const res = await system.http
        .post('/v1/notices')
        .send({
          source: { kind: 'hotline', name: 'Bulk Hotline' },
          sourceReference: ref,
          category: 'phishing',
          urls: [`https://login.bulk.example/${ref}`],
          ip: customer.ip,
        })
        .expect(201);
      ids.push(res.body.id as string);
    }
    await eventually(
      () =>
        Promise.all(ids.map(async (id) => (await system.http.get(`/v1/notices/${id}`)).body.state as string)),
      (states) => states.every((s) => s === 'customer_notified'),
    );
    return ids;
  };

  const bulk = (body: object) => desk.post('/v1/notices/bulk-actions').send(body);

  it('escalates three notices at once, refuses the one that cannot be, and answers per notice', async () => {
    const [a, b, c, closed] = await openNotices(4);
    await desk
      .post(`/v1/notices/${closed}/actions/reject-invalid`)
      .send({ reason: 'Not our network' })
      .expect(200);
    const unknown = randomUUID();
    const res = await bulk({
      action: 'escalate-now',
      noticeIds: [a, b, unknown, c, closed],
      reason: 'Batch',
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { id: a, status: 'done', state: 'escalated' },
      { id: b, status: 'done', state: 'escalated' },
      { id: unknown, status: 'not_found' },
      { id: c, status: 'done', state: 'escalated' },
      expect.objectContaining({ id: closed, status: 'conflict', state: 'closed', code: expect.any(String) }),
    ]);
    expect(res.body.counts).toEqual({ done: 3, conflict: 1, not_found: 1, failed: 0 });
    // Once more: each is escalated already, which its workflow refuses.
    const again = await bulk({ action: 'escalate-now', noticeIds: [a] }).expect(200);
    expect(again.body.results).toEqual([
      expect.objectContaining({
        id: a,
        status: 'conflict',
        code: 'NOTICE.ALREADY_ESCALATED',
        state: 'escalated',
      }),
    ]);
    const [{ id: tokenId }] = (await db.query(`SELECT id FROM api_tokens WHERE name = 'Bulk desk'`)) as {
      id: string;
    }[];
    const audit = (await db.query(
      `SELECT target_id, actor_kind, actor_id FROM audit_log WHERE action = 'notice.escalate_now'
        AND target_id = ANY($1) ORDER BY target_id`,
      [[a, b, c]],
    )) as { target_id: string; actor_kind: string; actor_id: string }[];
    expect(audit).toEqual(
      [a, b, c].sort().map((id) => ({ target_id: id, actor_kind: 'token', actor_id: tokenId })),
    );
    for (const id of [a, b, c]) {
      const timeline = (await desk.get(`/v1/notices/${id}`)).body.timeline as {
        type: string;
        actor: string;
      }[];
      expect(timeline).toContainEqual(
        expect.objectContaining({ type: 'escalated', actor: `token:${tokenId}` }),
      );
    }
  });

  it('confirms removals, adds a note, rejects as invalid and assigns in bulk', async () => {
    const [a, b, c] = await openNotices(3);
    const noted = await bulk({ action: 'add-note', noticeIds: [a, b], note: 'Customer called back' }).expect(
      200,
    );
    expect(noted.body.counts.done).toBe(2);
    expect((await desk.get(`/v1/notices/${a}`)).body.timeline).toContainEqual(
      expect.objectContaining({ type: 'note', reason: 'Customer called back' }),
    );
    const confirmed = await bulk({ action: 'confirm-removal', noticeIds: [a] }).expect(200);
    expect(confirmed.body.results).toEqual([{ id: a, status: 'done', state: 'closed' }]);
    const rejected = await bulk({ action: 'reject-invalid', noticeIds: [b], reason: 'Not ours' }).expect(200);
    expect(rejected.body.results).toEqual([{ id: b, status: 'done', state: 'closed' }]);
    const people = (await system.http.get('/v1/people').expect(200)).body as {
      subject: string;
      name: string;
    }[];
    const me = people.find((p) => p.name === 'Bulk desk')!.subject;
    const assigned = await bulk({ action: 'assign', noticeIds: [c], assignee: me }).expect(200);
    expect(assigned.body.results).toEqual([{ id: c, status: 'done', state: 'customer_notified' }]);
    expect((await desk.get(`/v1/notices/${c}`)).body.assignedTo).toBe(me);
  });

  it('is documented with its body, its per-notice results and its errors', async () => {
    const doc = (await system.http.get('/docs-json').expect(200)).body;
    const op = doc.paths['/v1/notices/bulk-actions'].post;
    expect(op.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/BulkActionDto');
    expect(op.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/BulkActionResponse',
    );
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    const dto = doc.components.schemas.BulkActionDto;
    expect(dto.properties.action.enum).toEqual([
      'confirm-removal',
      'escalate-now',
      'reject-invalid',
      'add-note',
      'assign',
    ]);
    expect(dto.properties.noticeIds.maxItems).toBe(200);
    expect(doc.components.schemas.BulkActionResult.properties.status.enum).toEqual([
      'done',
      'conflict',
      'not_found',
      'failed',
    ]);
  });

  it('refuses a body it cannot take with a 400 naming the field, and carries nothing out', async () => {
    const id = randomUUID();
    const fieldOf = async (body: object) => {
      const res = await bulk(body).expect(400);
      return (res.body.field as string | undefined) ?? (res.body.fields as { field: string }[])[0].field;
    };
    expect(await fieldOf({ action: 'delete', noticeIds: [id] })).toBe('action');
    expect(await fieldOf({ action: 'escalate-now', noticeIds: [] })).toBe('noticeIds');
    expect(await fieldOf({ action: 'escalate-now', noticeIds: [id, id] })).toBe('noticeIds');
    expect(
      await fieldOf({ action: 'escalate-now', noticeIds: Array.from({ length: 201 }, () => randomUUID()) }),
    ).toBe('noticeIds');
    expect(await fieldOf({ action: 'escalate-now', noticeIds: ['not-a-uuid'] })).toBe('noticeIds');
    expect(await fieldOf({ action: 'reject-invalid', noticeIds: [id] })).toBe('reason');
    expect(await fieldOf({ action: 'add-note', noticeIds: [id] })).toBe('note');
    expect(await fieldOf({ action: 'assign', noticeIds: [id] })).toBe('assignee');
    expect(await fieldOf({ action: 'assign', noticeIds: [id], assignee: 'oidc:nobody' })).toBe('assignee');
    const legal = await system.as('legal');
    await legal
      .post('/v1/notices/bulk-actions')
      .send({ action: 'escalate-now', noticeIds: [id] })
      .expect(403);
  });
});
