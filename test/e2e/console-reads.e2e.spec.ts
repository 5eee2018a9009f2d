import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import type { Role } from '@takedown/domain';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

/**
 * What the console reads about a CSAM notice: every route it reads (the notice, the queue, a search, an action's and
 * an assignment's answer, a bulk action, the live stream) gives the staff, whatever their role, the URL's host only.
 * The path comes from `GET /v1/notices/:id/urls` alone, and every such read is an audit row.
 */
describe('the console’s reads never carry a CSAM URL’s path; only the audited reveal does', () => {
  let system: RunningSystem;
  let db: DataSource;
  let port: number;
  let customer: StoredCustomer;
  const secret = `gallery-${randomUUID()}`;
  const host = `files-${secret.slice(8, 16)}.tenant-a.example`;
  const url = `https://${host}/${secret}/0001.jpg`;
  let id: string;

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    await system.app.listen(0, '127.0.0.1');
    port = (system.app.getHttpServer().address() as AddressInfo).port;
    customer = await storeCustomer(db);
    const created = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Reads Hotline' },
        sourceReference: `reads-${randomUUID()}`,
        category: 'csam',
        urls: [url],
        ip: customer.ip,
      })
      .expect(201);
    id = created.body.id as string;
    await eventually(
      async () =>
        (await system.http.get(`/v1/notices/${id}`).expect(200)).body as { deadline: string | null },
      (n) => n.deadline !== null,
    );
  });
  afterAll(() => system?.stop());

  /** The raw `GET /v1/events` bytes a token receives until `stop` resolves. */
  const sse = (token: string) => {
    let text = '';
    const req = http.get({
      host: '127.0.0.1',
      port,
      path: '/v1/events',
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    const opened = new Promise<void>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', () => undefined);
        res.once('data', () => resolve());
      });
    });
    return { opened, text: () => text, close: () => req.destroy() };
  };

  /** A role's own token and client, and what it read, to be searched for the path at the end. */
  const reader = async (role: Role) => {
    const scope = { accountManagerEmail: customer.customer.accountManagerEmail ?? undefined };
    const as = await system.as(role, scope);
    const stream = sse(await system.tokenFor(role, scope));
    await stream.opened;
    const bodies: unknown[] = [];
    const read = async (path: string, query: Record<string, string> = {}) => {
      const res = await as.get(path).query(query).expect(200);
      bodies.push(res.body);
      return res.body as { items?: { id: string }[]; urls?: string[] };
    };
    const everything = () => {
      stream.close();
      return [...bodies, stream.text()].map((b) => (typeof b === 'string' ? b : JSON.stringify(b)));
    };
    return { as, stream, bodies, read, everything };
  };

  it.each<Role>(['abuse_desk', 'abuse_lead', 'admin', 'account_manager', 'legal', 'noc'])(
    'gives %s the host and never the path in the notice, the queue and the search',
    async (role) => {
      const { read, everything } = await reader(role);
      const notice = await read(`/v1/notices/${id}`);
      expect(notice.urls).toEqual([`https://${host}/[redacted]`]);
      const queue = await read('/v1/notices', { sort: 'time_left', customer: customer.customer.id });
      expect(queue.items?.map((n) => n.id)).toContain(id);
      const byHost = await read('/v1/notices', { q: host });
      expect(byHost.items?.map((n) => n.id)).toEqual([id]);
      await read('/v1/notices', { q: secret });
      for (const text of everything()) expect(text).not.toContain(secret);
    },
  );

  it.each<Role>(['abuse_desk', 'abuse_lead', 'admin'])(
    'gives %s the host only in action, assignment and bulk answers, the timeline and the live stream; the path on reveal, audited',
    async (role) => {
      const { as, stream, bodies, read, everything } = await reader(role);
      // A note that quotes the URL: the note's answer, the timeline and the live stream show the host only.
      const noted = await as
        .post(`/v1/notices/${id}/actions/add-note`)
        .send({ reason: `seen again at ${url}` })
        .expect(200);
      bodies.push(noted.body);
      expect(JSON.stringify(noted.body.timeline)).toContain(`https://${host}/[redacted]`);
      bodies.push((await as.post(`/v1/notices/${id}/assignee`).send({ assignee: null }).expect(200)).body);
      const bulk = await as
        .post('/v1/notices/bulk-actions')
        .send({ action: 'add-note', noticeIds: [id], note: `bulk ${url}` })
        .expect(200);
      bodies.push(bulk.body);
      await read(`/v1/notices/${id}`);
      await eventually(
        async () => stream.text(),
        (text) => text.includes(id),
      );
      for (const text of everything()) expect(text).not.toContain(secret);

      const before = await reveals();
      const revealed = await as.get(`/v1/notices/${id}/urls`).expect(200);
      expect(revealed.body.urls).toEqual([url]);
      await expect(reveals()).resolves.toBe(before + 1);
    },
  );

  it("answers a desk member's report that joins a CSAM notice without the other reports' paths", async () => {
    const tag = randomUUID();
    const shared = `https://${host}/joined-${tag}/a.jpg`;
    const other = `https://${host}/other-${tag}/b.jpg`;
    await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Reads Hotline' },
        sourceReference: `reads-${tag}`,
        category: 'csam',
        urls: [shared, other],
        ip: customer.ip,
      })
      .expect(201);
    const desk = await system.as('abuse_desk');
    const joined = await desk
      .post('/v1/notices')
      .send({
        source: { kind: 'police', name: 'Reads Police' },
        sourceReference: `police-${tag}`,
        category: 'csam',
        urls: [shared],
        ip: customer.ip,
      })
      .expect(200);
    expect(joined.body.urls).toEqual([`https://${host}/[redacted]`, `https://${host}/[redacted]`]);
    expect(JSON.stringify(joined.body)).not.toContain(`other-${tag}`);
  });

  it.each<Role>(['account_manager', 'legal', 'noc'])('refuses %s the reveal', async (role) => {
    const { as, bodies, everything } = await reader(role);
    bodies.push((await as.get(`/v1/notices/${id}/urls`).expect(403)).body);
    for (const text of everything()) expect(text).not.toContain(secret);
  });

  const reveals = async () => {
    const [{ n }] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'notice.reveal_urls' AND target_id = $1`,
      [id],
    );
    return n;
  };
});
