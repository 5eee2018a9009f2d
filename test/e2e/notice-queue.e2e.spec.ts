import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Category, NoticeState } from '@takedown/domain';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { testSpace, type TestSpace } from '../support/prefixes';

const HOUR = 3_600_000;

/**
 * The desk's queue on `GET /v1/notices`: the legal clock's order, the filters, and one search box that takes a URL
 * fragment, a host, an IP, a CIDR, a hash or a source reference, within what the reader may see and search.
 * Notices are stored as rows (the list reads only PostgreSQL); each test's source name keeps its rows apart.
 */
describe('the notice queue: order, filters and search', () => {
  let system: RunningSystem;
  let db: DataSource;
  let space: TestSpace;
  let customer: StoredCustomer;
  let other: StoredCustomer;

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    space = testSpace();
    [customer, other] = [await storeCustomer(db), await storeCustomer(db)];
  });
  afterAll(() => system?.stop());

  interface Row {
    source: string;
    category?: Category;
    url?: string;
    ip?: string | null;
    state?: NoticeState;
    deadline?: Date | null;
    customerId?: string | null;
    hashes?: Record<string, string>;
    reference?: string;
  }

  /** A notice row and its report, as intake and the workflow leave them. */
  const store = async (row: Row): Promise<string> => {
    const id = randomUUID();
    const reference = row.reference ?? `queue-${id}`;
    await db.query(
      `INSERT INTO notices (id, source_kind, source_name, source_reference, category, urls, ip, received_at, state,
                            deadline, customer_id, hashes, workflow_id)
       VALUES ($1, 'hotline', $2, $3, $4, $5, $6, now(), $7, $8, $9, $10, $11)`,
      [
        id,
        row.source,
        reference,
        row.category ?? 'phishing',
        [row.url ?? `https://www.${id.slice(0, 8)}.example/login`],
        row.ip === undefined ? null : row.ip,
        row.state ?? 'customer_notified',
        row.deadline === undefined ? new Date(Date.now() + HOUR) : row.deadline,
        row.customerId ?? null,
        row.hashes ?? {},
        noticeWorkflowId(id),
      ],
    );
    await db.query(
      `INSERT INTO notice_reports (notice_id, source_kind, source_name, source_reference, received_at)
       VALUES ($1, 'hotline', $2, $3, now())`,
      [id, row.source, reference],
    );
    return id;
  };

  const ids = async (http: Http, query: Record<string, string>): Promise<string[]> => {
    const res = await http.get('/v1/notices').query(query).expect(200);
    return (res.body.items as { id: string }[]).map((n) => n.id);
  };

  it('orders the queue by time left on the legal clock: soonest deadline first, none last, closed after', async () => {
    const source = `Queue ${randomUUID()}`;
    const later = await store({ source, deadline: new Date(Date.now() + 5 * HOUR) });
    const overdue = await store({ source, deadline: new Date(Date.now() - HOUR), state: 'escalated' });
    const none = await store({ source, deadline: null, state: 'unattributed' });
    const closed = await store({ source, deadline: new Date(Date.now() - 9 * HOUR), state: 'closed' });
    const soon = await store({ source, deadline: new Date(Date.now() + HOUR) });
    expect(await ids(system.http, { source, sort: 'time_left' })).toEqual([
      overdue,
      soon,
      later,
      none,
      closed,
    ]);
    expect(await ids(system.http, { source, sort: 'time_left', overdue: 'true' })).toEqual([overdue]);
  });

  it('filters on status, category, customer and whether the customer replied', async () => {
    const source = `Queue ${randomUUID()}`;
    const claimed = await store({ source, customerId: customer.customer.id, category: 'malware' });
    const disputed = await store({ source, customerId: other.customer.id });
    const silent = await store({ source, customerId: customer.customer.id, state: 'reminded' });
    for (const [noticeId, type] of [
      [claimed, 'removal_claimed'],
      [disputed, 'disputed'],
    ]) {
      await db.query(
        `INSERT INTO notice_events (notice_id, type, actor, occurred_at, idempotency_key)
         VALUES ($1, $2, 'token:customer', now(), $3)`,
        [noticeId, type, `${type}:${noticeId}`],
      );
    }
    const sorted = (xs: string[]) => [...xs].sort();
    expect(sorted(await ids(system.http, { source, customerReplied: 'true' }))).toEqual(
      sorted([claimed, disputed]),
    );
    expect(await ids(system.http, { source, customerReplied: 'false' })).toEqual([silent]);
    expect(await ids(system.http, { source, status: 'reminded' })).toEqual([silent]);
    expect(await ids(system.http, { source, category: 'malware' })).toEqual([claimed]);
    expect(sorted(await ids(system.http, { source, customer: customer.customer.id }))).toEqual(
      sorted([claimed, silent]),
    );
  });

  it('finds a notice by IP and by CIDR through inet containment, IPv4 and IPv6', async () => {
    const source = `Queue ${randomUUID()}`;
    const a = await store({ source, ip: space.v4(7) });
    const b = await store({ source, ip: space.v4(200) });
    const v6 = await store({ source, ip: `${space.v6}::17` });
    await store({ source, ip: null });
    expect(await ids(system.http, { source, q: space.v4(7) })).toEqual([a]);
    expect((await ids(system.http, { source, q: `${space.v4(0)}/24` })).sort()).toEqual([a, b].sort());
    expect(await ids(system.http, { source, q: `${space.v4(128)}/25` })).toEqual([b]);
    expect(await ids(system.http, { source, q: `${space.v6}::/48` })).toEqual([v6]);
    expect(await ids(system.http, { source, q: `${space.v6}:0:0:0:0:17` })).toEqual([v6]);
  });

  it('finds a notice by a fragment of its URL, by its host, by a hash and by a source reference', async () => {
    const source = `Queue ${randomUUID()}`;
    const tag = randomUUID().slice(0, 8);
    const host = `files.${tag}.example`;
    const sha256 = createHash('sha256').update(tag).digest('hex');
    const md5 = createHash('md5').update(tag).digest('hex');
    const reference = `hotline-nl-${tag}`;
    // Reads like an IPv6 address, but is none: a reference.
    const colonReference = `${tag.slice(0, 4)}:${tag.slice(4)}`;
    const byUrl = await store({ source, url: `https://${host}/gallery/${tag}-album/7` });
    const byHash = await store({ source, hashes: { sha256, md5 } });
    const byRef = await store({ source, reference });
    const byColonRef = await store({ source, reference: colonReference });
    expect(await ids(system.http, { source, q: `${tag}-album` })).toEqual([byUrl]);
    expect(await ids(system.http, { source, q: host.toUpperCase() })).toEqual([byUrl]);
    // A host name finds the notices on it and on its subdomains (not one that names it in a path); a fragment of a
    // host name, on no notice, is searched as a fragment.
    const bySubdomain = await store({ source, url: `https://media.${host}/v/1` });
    const inPath = await store({ source, url: `https://redirect.example/to/${host}` });
    expect((await ids(system.http, { source, q: host })).sort()).toEqual([byUrl, bySubdomain].sort());
    expect((await ids(system.http, { source, q: `${tag}.example` })).sort()).toEqual(
      [byUrl, bySubdomain].sort(),
    );
    expect((await ids(system.http, { source, q: `files.${tag}.exa` })).sort()).toEqual(
      [byUrl, bySubdomain, inPath].sort(),
    );
    expect(await ids(system.http, { source, q: sha256.toUpperCase() })).toEqual([byHash]);
    expect(await ids(system.http, { source, q: md5 })).toEqual([byHash]);
    expect(await ids(system.http, { source, q: reference })).toEqual([byRef]);
    expect(await ids(system.http, { source, q: colonReference })).toEqual([byColonRef]);
    // LIKE's wildcards are text here: `%` matches only a `%`.
    expect(await ids(system.http, { source, q: '%%%' })).toEqual([]);
  });

  it('never lets a role that may not read a CSAM path find a CSAM notice by its path, only by its host', async () => {
    const source = `Queue ${randomUUID()}`;
    const tag = randomUUID().slice(0, 8);
    const host = `img.${tag}.example`;
    const csam = await store({
      source,
      category: 'csam',
      url: `https://${host}/private/${tag}-secret`,
      customerId: customer.customer.id,
    });
    const phishing = await store({
      source,
      url: `https://login.${tag}.example/private/${tag}-secret`,
      customerId: customer.customer.id,
    });
    const theirs = await store({
      source,
      url: `https://${host}/x/${tag}-secret`,
      customerId: other.customer.id,
    });
    const manager = await system.as('account_manager', {
      accountManagerEmail: customer.customer.accountManagerEmail as string,
    });
    const legal = await system.as('legal');
    const desk = await system.as('abuse_desk');
    const path = `${tag}-secret`;

    expect((await ids(desk, { source, q: path })).sort()).toEqual([csam, phishing, theirs].sort());
    // The account manager sees its own customer's notices only, and the CSAM one not by its path.
    expect(await ids(manager, { source, q: path })).toEqual([phishing]);
    expect(await ids(manager, { source, q: host })).toEqual([csam]);
    expect((await ids(legal, { source, q: path })).sort()).toEqual([phishing, theirs].sort());
    const found = await manager.get('/v1/notices').query({ source, q: host }).expect(200);
    expect(JSON.stringify(found.body)).not.toContain(path);
  });

  it('refuses a search or filter it cannot take with a 400 naming the field', async () => {
    const bad = async (query: Record<string, string>, field: string) => {
      const res = await system.http.get('/v1/notices').query(query).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400 });
      expect(JSON.stringify(res.body)).toContain(`"${field}`);
    };
    await bad({ q: '10.0.0.1/8' }, 'field":"q');
    await bad({ q: 'ab' }, 'field":"q');
    await bad({ q: '198.51.100.0/33' }, 'field":"q');
    await bad({ q: 'x'.repeat(501) }, 'field":"q');
    await bad({ customerReplied: 'maybe' }, 'field":"customerReplied');
    await bad({ sort: 'random' }, 'field":"sort');
  });
});
