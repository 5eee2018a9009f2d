import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DEFAULT_POLICY } from '@takedown/domain';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

type View = {
  id: string;
  customerId: string | null;
  state: string;
  repeatOf: string | null;
  policy: string | null;
  timeline: { type: string; data: Record<string, unknown> }[];
};

/**
 * The same material back at the same customer, on the real stack (API, worker, PostgreSQL, Temporal): found when the
 * worker attributes the new notice, linked to the closed one, counted in the customer's standing with the weight of
 * the category's policy, and shown to the desk.
 */
describe('repeat offences end to end', () => {
  let system: RunningSystem;
  let http: Http;
  let db: DataSource;

  beforeAll(async () => {
    system = await startSystem();
    http = system.http;
    db = system.app.get(DataSource);
  });

  afterAll(() => system?.stop());

  const view = async (id: string): Promise<View> =>
    (await http.get(`/v1/notices/${id}`).expect(200)).body as View;
  const submit = async (body: Record<string, unknown>): Promise<string> =>
    (
      await http
        .post('/v1/notices')
        .send({
          source: { kind: 'hotline', name: 'Example Hotline' },
          sourceReference: `rep-${randomUUID()}`,
          ...body,
        })
        .expect(201)
    ).body.id as string;
  const attributed = (id: string) =>
    eventually(
      () => view(id),
      (n) => n.state === 'customer_notified',
    );
  const close = async (id: string) => {
    await attributed(id);
    await http
      .post(`/v1/notices/${id}/actions/confirm-removal`)
      .send({ by: 'desk:e2e' })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await eventually(
      () => view(id),
      (n) => n.state === 'closed',
    );
  };

  it('links a notice of the same URL or hash at the same customer to the closed one, counts it, and lists it', async () => {
    const { customer, ip } = await storeCustomer(db);
    const other = await storeCustomer(db);
    const url = `https://files.tenant-a.example/gallery/${randomUUID()}`;
    const sha256 = randomBytes(32).toString('hex');
    const first = await submit({ category: 'phishing', urls: [url], ip, hashes: { sha256 } });

    // While the first notice is open, the same URL joins it: no repeat yet.
    await close(first);

    const byUrl = await submit({ category: 'phishing', urls: [url], ip });
    const byHash = await submit({
      category: 'csam',
      urls: [`https://files.tenant-a.example/other/${randomUUID()}`],
      ip,
      hashes: { sha256: sha256.toUpperCase() },
    });
    // The same hash at another customer is that customer's first notice of it.
    const elsewhere = await submit({
      category: 'phishing',
      urls: [`https://files.tenant-b.example/${randomUUID()}`],
      ip: other.ip,
      hashes: { sha256 },
    });
    const fresh = await submit({
      category: 'phishing',
      urls: [`https://files.tenant-a.example/${randomUUID()}`],
      ip,
    });

    const urlRepeat = await attributed(byUrl);
    expect(urlRepeat.repeatOf).toBe(first);
    expect(urlRepeat.policy).toBe(`default@${DEFAULT_POLICY.version}`);
    expect(urlRepeat.timeline.find((e) => e.type === 'repeat')?.data).toEqual({
      repeatOf: first,
      by: 'url',
      weight: 1,
    });
    const hashRepeat = await attributed(byHash);
    expect(hashRepeat.repeatOf).toBe(first);
    // Policy version 5: a CSAM repeat counts twice.
    expect(hashRepeat.timeline.find((e) => e.type === 'repeat')?.data).toEqual({
      repeatOf: first,
      by: 'hash',
      weight: 2,
    });
    for (const id of [elsewhere, fresh]) {
      const n = await attributed(id);
      expect(n.repeatOf).toBeNull();
      expect(n.timeline.some((e) => e.type === 'repeat')).toBe(false);
    }

    const list = async (repeat: boolean) =>
      (
        (await http.get(`/v1/notices?customer=${customer.id}&repeat=${repeat}`).expect(200)).body
          .items as View[]
      )
        .map((n) => n.id)
        .sort();
    expect(await list(true)).toEqual([byUrl, byHash].sort());
    expect(await list(false)).toEqual([first, fresh].sort());
    const bad = await http.get('/v1/notices?repeat=sometimes').expect(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toContain('repeat');

    // Content back 1 (the phishing repeat) + 2 (the CSAM one): the final-warning threshold of one is passed.
    const standing = await eventually(
      async () =>
        (await http.get(`/v1/customers/${customer.id}/standing`).expect(200)).body as {
          counts: { contentBack: number };
          level: string;
          events: { type: string }[];
        },
      (s) => s.counts.contentBack === 3,
    );
    expect(standing.events.filter((e) => e.type === 'repeat')).toHaveLength(2);
    expect(['final_warning', 'termination_case']).toContain(standing.level);
    const otherStanding = (await http.get(`/v1/customers/${other.customer.id}/standing`).expect(200)).body;
    expect(otherStanding.counts.contentBack).toBe(0);
  });
});
