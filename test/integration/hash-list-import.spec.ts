import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { runCli } from '../support/cli';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

type View = { id: string; hashListed: boolean; state: string; timeline: { type: string; data: unknown }[] };

/** `takedown import hashes` against the real stack: the list stored, notices flagged, new notices flagged by the worker. */
describe('hash list import', () => {
  let system: RunningSystem;
  let http: Http;
  let db: DataSource;
  let dir: string;

  beforeAll(async () => {
    system = await startSystem();
    http = system.http;
    db = system.app.get(DataSource);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hash-list-'));
  });

  afterAll(async () => {
    await system?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const view = async (id: string) => (await http.get(`/v1/notices/${id}`).expect(200)).body as View;
  const submit = async (ip: string, hashes: Record<string, string>) =>
    (
      await http
        .post('/v1/notices')
        .send({
          source: { kind: 'hotline', name: 'Example Hotline' },
          sourceReference: `hl-${randomUUID()}`,
          category: 'csam',
          urls: [`https://files.tenant-a.example/gallery/${randomUUID()}`],
          ip,
          hashes,
        })
        .expect(201)
    ).body.id as string;
  /** The CLI's JSON report and its exit code (runCli rejects on a non-zero exit). */
  const importHashes = async (file: string) => {
    const run = await runCli(['import', 'hashes', file, '--list', 'hotline-2026-12', '--json'], {
      DATABASE_URL: system.env.DATABASE_URL,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    return { code: run.code, report: JSON.parse(run.stdout) as Record<string, unknown> };
  };

  it('flags the notices whose reported hash is listed, names bad lines, and changes nothing the second time', async () => {
    const { ip } = await storeCustomer(db);
    const md5 = randomBytes(16).toString('hex');
    const listed = await submit(ip, { md5 });
    const unlisted = await submit(ip, { sha256: randomBytes(32).toString('hex') });
    await eventually(
      () => view(listed),
      (n) => n.state === 'customer_notified',
    );
    const sha1 = createHash('sha1').update(randomUUID()).digest('hex');
    const file = path.join(dir, 'list.txt');
    fs.writeFileSync(
      file,
      [
        '# exported by the hotline',
        `${md5.toUpperCase()}  image-001.jpg`,
        '',
        `sha1:${sha1}`,
        'not-a-hash',
        'abc123',
      ].join('\n'),
    );

    const first = await importHashes(file);
    expect(first.code).toBe(2);
    expect(first.report).toMatchObject({
      list: 'hotline-2026-12',
      lines: 6,
      listed: 2,
      known: 0,
      rejected: 2,
      flagged: 1,
      rejects: [
        { line: 5, problem: expect.stringContaining('hex digest') },
        { line: 6, problem: expect.stringContaining('6 hex digits') },
      ],
    });
    const flagged = await view(listed);
    expect(flagged.hashListed).toBe(true);
    expect(flagged.timeline.find((e) => e.type === 'hash_listed')?.data).toEqual({
      lists: ['hotline-2026-12'],
    });
    expect((await view(unlisted)).hashListed).toBe(false);

    const again = await importHashes(file);
    expect(again.report).toMatchObject({ listed: 0, known: 2, flagged: 0 });
    expect((await view(listed)).timeline.filter((e) => e.type === 'hash_listed')).toHaveLength(1);

    // A notice that arrives later with a listed hash is flagged when the worker takes it.
    const later = await submit(ip, { md5 });
    await eventually(
      () => view(later),
      (n) => n.hashListed,
    );
    const audit = (await db.query(
      `SELECT summary FROM audit_log WHERE action = 'hash_list.import' ORDER BY id DESC LIMIT 1`,
    )) as { summary: Record<string, unknown> }[];
    expect(audit[0].summary).toMatchObject({ list: 'hotline-2026-12', listed: 0, known: 2 });
  });
});
