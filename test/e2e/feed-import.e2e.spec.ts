import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { FeedImportService } from '@takedown/api/intake/feed-import';
import { readFeed } from '@takedown/intake';
import { NoticeEntity } from '@takedown/persistence';
import { startSystem, type RunningSystem } from '../support/api';
import { runCli } from '../support/cli';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

const HOUR = 3_600_000;
const HEADER = 'timestamp,ip,port,protocol,type,asn,tag';
/** `2026-12-04 00:13:22`, as the scanners write UTC. */
const stamp = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ');

describe('takedown import feed: IP-based reports aggregated into notices', () => {
  let system: RunningSystem;
  let db: DataSource;

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const aggregateOf = async (noticeId: string) =>
    (
      (await db.query(
        `SELECT occurrences, first_seen, last_seen, sources, customer_id FROM notice_aggregates WHERE notice_id = $1`,
        [noticeId],
      )) as {
        occurrences: number;
        first_seen: Date;
        last_seen: Date;
        sources: string[];
        customer_id: string;
      }[]
    )[0];

  it('joins the lines of one address, category and customer within the window; a new window, customer or category is a new notice', async () => {
    const a = await storeCustomer(db);
    const b = await storeCustomer(db);
    const source = { kind: 'public' as const, name: `Feed ${randomUUID()}` };
    // Three days ago, on the hour: every line is in the past, and the window's end falls on a line of its own.
    const t0 = new Date(Math.floor((Date.now() - 72 * HOUR) / HOUR) * HOUR);
    const at = (hours: number) => stamp(new Date(t0.getTime() + hours * HOUR));
    const feed = [
      HEADER,
      `${at(0)},${a.ip},22,tcp,ssh-bruteforce,64500,brute-force`, // line 2: opens A's window
      `${at(1)},${a.ip},23,tcp,telnet-bruteforce,64500,brute-force`, // 3: joins it
      `${stamp(new Date(t0.getTime() + 24 * HOUR - 1000))},${a.ip},22,tcp,ssh-bruteforce,64500,brute-force`, // 4: last second
      `${at(24)},${a.ip},22,tcp,ssh-bruteforce,64500,brute-force`, // 5: the window's end: a new notice
      `${at(0)},${b.ip},22,tcp,ssh-bruteforce,64500,brute-force`, // 6: another customer
      `${at(2)},${a.ip},53,udp,open-resolver,64500,open-dns`, // 7: another category
      `${at(0)},${a.ip},22,tcp,ssh-bruteforce,64500,brute-force`, // 8: line 2 again
      `${at(3)},not-an-ip,22,tcp,ssh-bruteforce,64500,brute-force`, // 9
      `${at(3)},${a.ip},22,tcp,ssh-bruteforce,64500`, // 10: a cell short
      `${at(3)},${a.ip},80,tcp,weather-report,64500,weather`, // 11: not abuse this import knows
      `${stamp(new Date(Date.now() + 48 * HOUR))},${a.ip},22,tcp,ssh-bruteforce,64500,brute-force`, // 12
    ].join('\n');
    const feeds = system.app.get(FeedImportService);
    const report = await feeds.import(readFeed(feed, { source: source.name }), source);
    expect(report).toEqual({
      lines: 11,
      created: 4,
      joined: 2,
      known: 1,
      rejected: 4,
      rejects: [
        { line: 9, column: 'ip', problem: 'is not an IP address' },
        { line: 10, problem: 'has 6 cells where the header has 7' },
        { line: 11, column: 'tag', problem: 'is not a kind of abuse this feed import knows' },
        { line: 12, column: 'timestamp', problem: 'is in the future' },
      ],
    });

    const notices = await db.getRepository(NoticeEntity).find({ where: { sourceName: source.name } });
    const who = (ip: string | null) => (ip === a.ip ? 'A' : ip === b.ip ? 'B' : ip);
    const key = (n: NoticeEntity) => `${n.observedAt!.toISOString()} ${n.category} ${who(n.ip)}`;
    notices.sort((x, y) => key(x).localeCompare(key(y)));
    expect(notices.map((n) => [who(n.ip), n.category, n.urls, n.observedAt])).toEqual([
      ['A', 'login_attack', [], t0],
      ['B', 'login_attack', [], t0],
      ['A', 'vulnerable_service', [], new Date(t0.getTime() + 2 * HOUR)],
      ['A', 'login_attack', [], new Date(t0.getTime() + 24 * HOUR)],
    ]);
    const first = notices[0];
    expect(await aggregateOf(first.id)).toEqual({
      occurrences: 3,
      first_seen: t0,
      last_seen: new Date(t0.getTime() + 24 * HOUR - 1000),
      sources: ['ssh-bruteforce (tcp/22)', 'telnet-bruteforce (tcp/23)'],
      customer_id: a.customer.id,
    });
    expect((await db.getRepository(NoticeEntity).findOneByOrFail({ id: first.id })).reportDetails).toEqual({
      occurrences: 3,
      firstSeen: t0.toISOString(),
      lastSeen: new Date(t0.getTime() + 24 * HOUR - 1000).toISOString(),
      sources: ['ssh-bruteforce (tcp/22)', 'telnet-bruteforce (tcp/23)'],
    });
    expect((await aggregateOf(notices[1].id)).customer_id).toBe(b.customer.id);
    expect((await aggregateOf(notices[3].id)).occurrences).toBe(1);
    // Each runs the notice workflow: attributed to its customer, who is told.
    const told = await eventually(
      () => db.getRepository(NoticeEntity).findOneByOrFail({ id: notices[1].id }),
      (n) => n.state === 'customer_notified',
    );
    expect(told.customerId).toBe(b.customer.id);

    // The same feed again changes nothing.
    const again = await feeds.import(readFeed(feed, { source: source.name }), source);
    expect(again).toMatchObject({ lines: 11, created: 0, joined: 0, known: 7, rejected: 4 });
    expect(await db.getRepository(NoticeEntity).countBy({ sourceName: source.name })).toBe(4);
    expect((await aggregateOf(first.id)).occurrences).toBe(3);
  });

  it('takes a feed a chunk at a time exactly as one line after the other, wherever the chunks are cut', async () => {
    const a = await storeCustomer(db);
    const b = await storeCustomer(db);
    const t0 = new Date(Math.floor((Date.now() - 72 * HOUR) / HOUR) * HOUR);
    const kinds = [
      '22,tcp,ssh-bruteforce,64500,brute-force',
      '23,tcp,telnet-bruteforce,64500,brute-force',
      '53,udp,open-resolver,64500,open-dns',
    ];
    // Times out of order over 30 hours (lines before a window's start, on and past its end), two customers, two
    // categories, a line from a few lines back every seventh line (once a broken one), a broken one now and then.
    const lines = [HEADER];
    for (let j = 0; j < 60; j++) {
      if (j % 7 === 6) lines.push(lines[lines.length - 4]);
      else if (j % 17 === 16) lines.push(`${stamp(t0)},not-an-ip,${kinds[0]}`);
      else
        lines.push(
          `${stamp(new Date(t0.getTime() + ((j * 7) % 31) * HOUR))},${j % 3 ? a.ip : b.ip},${kinds[j % 3]}`,
        );
    }
    const feed = lines.join('\n');
    const feeds = system.app.get(FeedImportService);
    const who = (ip: string | null) => (ip === a.ip ? 'A' : ip === b.ip ? 'B' : ip);
    const run = async (chunkSize: number) => {
      const source = { kind: 'public' as const, name: `Feed ${randomUUID()}` };
      const report = await feeds.import(readFeed(feed, { source: source.name }), source, { chunkSize });
      const notices = await db.getRepository(NoticeEntity).find({ where: { sourceName: source.name } });
      const rows = await Promise.all(
        notices.map(async (n) => ({
          notice: [who(n.ip), n.category, n.observedAt!.toISOString()],
          aggregate: await aggregateOf(n.id),
          reportDetails: n.reportDetails,
        })),
      );
      rows.sort((x, y) => JSON.stringify(x.notice).localeCompare(JSON.stringify(y.notice)));
      return {
        report,
        rows,
        again: () => feeds.import(readFeed(feed, { source: source.name }), source, { chunkSize }),
      };
    };

    const oneByOne = await run(1);
    expect(oneByOne.report).toMatchObject({ lines: 60, rejected: 4, known: 7 });
    // Three keys (address, category, customer), more notices: windows were cut.
    expect(oneByOne.report.created).toBeGreaterThan(3);
    expect(oneByOne.report.joined).toBeGreaterThan(20);
    expect(oneByOne.rows.filter((r) => r.aggregate.occurrences > 1).length).toBeGreaterThan(3);
    for (const chunkSize of [4, 1000]) {
      const chunked = await run(chunkSize);
      expect({ report: chunked.report, rows: chunked.rows }).toEqual({
        report: oneByOne.report,
        rows: oneByOne.rows.map((r) => ({
          ...r,
          aggregate: { ...r.aggregate, customer_id: expect.any(String) as string },
        })),
      });
      expect(await chunked.again()).toMatchObject({ created: 0, joined: 0, known: 56, rejected: 4 });
    }
  });

  it('runs two imports of one source one after the other: the same feed twice at once opens its notices once', async () => {
    const a = await storeCustomer(db);
    const t0 = new Date(Math.floor((Date.now() - 72 * HOUR) / HOUR) * HOUR);
    const feed = [
      HEADER,
      ...Array.from(
        { length: 30 },
        (_, j) =>
          `${stamp(new Date(t0.getTime() + j * 60_000))},${a.ip},${22 + (j % 3)},tcp,ssh-bruteforce,64500,brute-force`,
      ),
    ].join('\n');
    const source = { kind: 'public' as const, name: `Feed ${randomUUID()}` };
    const feeds = system.app.get(FeedImportService);
    const runs = await Promise.all(
      [0, 1].map(() => feeds.import(readFeed(feed, { source: source.name }), source, { chunkSize: 5 })),
    );
    expect(runs.map((r) => [r.created, r.joined, r.known]).sort()).toEqual([
      [0, 0, 30],
      [1, 29, 0],
    ]);
    const notices = await db.getRepository(NoticeEntity).find({ where: { sourceName: source.name } });
    expect(notices).toHaveLength(1);
    expect((await aggregateOf(notices[0].id)).occurrences).toBe(30);
  });

  it('imports the sample feed from the command line: per-line rejects, exit 2, and again a no-op', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feed-'));
    const file = path.join(dir, 'scan-feed.csv');
    fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'samples', 'scan-feed.csv'), file);
    const env = {
      DATABASE_URL: system.env.DATABASE_URL!,
      TEMPORAL_ADDRESS: system.env.TEMPORAL_ADDRESS!,
      TEMPORAL_TASK_QUEUE: system.env.TEMPORAL_TASK_QUEUE!,
      LOG_LEVEL: 'warn',
    };
    const source = `Sample feed ${randomUUID()}`;
    // Exit 2 (lines rejected) makes runCli reject, with the output on the error.
    const cli = (...args: string[]) =>
      runCli(['import', 'feed', file, '--source', source, ...args], env).then(
        (out) => ({ code: 0, ...out }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
    const first = await cli();
    expect(first.code).toBe(2);
    expect(first.stdout).toBe(
      '9 lines: 5 notices created, 3 lines joined one, 0 known from an earlier import, 1 rejected\n' +
        'line 10 [ip]: is not an IP address\n',
    );
    const rows = await db.getRepository(NoticeEntity).find({ where: { sourceName: source } });
    expect(rows.map((r) => `${r.ip} ${r.category}`).sort()).toEqual([
      '192.0.2.200 login_attack',
      '198.51.100.41 vulnerable_service',
      '2001:db8:4a::25 spam',
      '203.0.113.77 login_attack',
      '203.0.113.80 botnet',
    ]);
    const again = await cli('--json');
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({
      lines: 9,
      created: 0,
      joined: 0,
      known: 8,
      rejected: 1,
    });
  });
});
