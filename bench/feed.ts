/**
 * `npm run bench:feed`: how fast `takedown import feed` takes a scanners' feed, in lines per second, against the
 * plain batch intake (POST /v1/notices/batch) of as many IP notices as the feed opened, on the same machine in one run.
 *
 * Starts a throw-away local stack (embedded PostgreSQL, Temporal dev server, SMTP capture, as `npm start` does) and
 * the API in-process on loopback ports. No worker runs: both paths end in workflow starts, which is what is compared.
 * Generates customers with a /24 each in 198.18.0.0/15 (the range set aside for benchmarks) and a feed of
 * BENCH_LINES lines (default 100,000) over BENCH_ADDRESSES addresses (default 5,000) in those prefixes, one kind of
 * abuse per address, all within one aggregation window, about one line in a thousand broken; imports it through the
 * same function as the command line; then sends as many IP notices as the feed opened to the batch intake,
 * BENCH_BATCH a request (default 500), one request at a time. Not a test: it prints figures and removes everything
 * it made.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { loadEnv } from '@takedown/config';
import { freePort, startThrowawayStack } from '@takedown/dev';
import { ContractEntity, createApiToken } from '@takedown/persistence';
import { AppConfig } from '../apps/api/src/app-config';
import { createApp } from '../apps/api/src/create-app';
import { importFeedFile } from '../apps/api/src/intake/feed-file';
import type { FeedPhases } from '../apps/api/src/intake/feed-import';

const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const ADDRESSES = Number(process.env.BENCH_ADDRESSES ?? 5_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const TASK_QUEUE = 'bench-feed';
/** Addresses per customer's /24; 512 /24s in 198.18.0.0/15. */
const PER_CUSTOMER = 50;
const HOUR = 3_600_000;
/** One line in so many is broken: a prime, so that the broken lines fall on different addresses. */
const BROKEN_EVERY = 1009;

/** What the scanners report, and the category each becomes. */
const KINDS = [
  { type: 'ssh-bruteforce', where: 'tcp,22', tag: 'brute-force', category: 'login_attack' },
  { type: 'open-resolver', where: 'udp,53', tag: 'open-dns', category: 'vulnerable_service' },
  { type: 'spam', where: 'tcp,25', tag: 'spam', category: 'spam' },
  { type: 'scan', where: 'tcp,445', tag: 'scanner', category: 'scanning' },
  { type: 'botnet', where: 'tcp,8080', tag: 'botnet-c2', category: 'botnet' },
] as const;

async function main(): Promise<void> {
  const customers = Math.ceil(ADDRESSES / PER_CUSTOMER);
  if (!(LINES >= ADDRESSES && ADDRESSES >= 1 && customers <= 512))
    throw new Error('BENCH_LINES >= BENCH_ADDRESSES, and BENCH_ADDRESSES between 1 and 25,600');
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const stack = await startThrowawayStack({ prefix: 'takedown-bench-feed', log });
  const dir = stack.dataDir;
  const env = loadEnv({
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LOG_LEVEL: 'silent',
    // A bench measures the intake, not its rate limit.
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const app = await createApp(
    new AppConfig({ ...env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress }),
  );
  const apiPort = await freePort();
  await app.listen(apiPort, '127.0.0.1');
  const db = app.get(DataSource);
  const { token } = await createApiToken(db, { name: 'bench-feed', role: 'abuse_desk', createdBy: 'bench' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const ips = await seedCustomers(db, customers);
    const file = path.join(dir, 'feed.csv');
    writeFeed(file, ips);
    log(
      `${LINES} lines over ${ADDRESSES} addresses at ${customers} customers: ${fs.statSync(file).size} bytes`,
    );

    const phases: FeedPhases = {};
    let started = process.hrtime.bigint();
    const report = await importFeedFile(
      { ...env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress },
      fs.createReadStream(file),
      { kind: 'public', name: 'Bench feed' },
      undefined,
      phases,
    );
    const feedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    log(`feed: ${JSON.stringify({ ...report, rejects: report.rejects.length })}`);
    const broken = Math.floor(LINES / BROKEN_EVERY);
    if (report.rejected !== broken || report.created + report.joined !== LINES - broken || report.known)
      throw new Error(
        `the feed was not taken as generated: ${JSON.stringify({ ...report, rejects: undefined })}`,
      );

    // As many notices as the feed opened, of the same kinds and addresses, through the batch intake.
    const notices = Array.from({ length: report.created }, (_, i) => ({
      source: { kind: 'public', name: 'Bench batch' },
      sourceReference: `bench-${randomUUID()}`,
      category: KINDS[i % KINDS.length].category,
      urls: [],
      ip: ips[i % ips.length],
    }));
    started = process.hrtime.bigint();
    for (let i = 0; i < notices.length; i += BATCH)
      await postBatch(agent, apiPort, `Bearer ${token}`, notices.slice(i, i + BATCH));
    const batchSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const linesPerSecond = report.lines / feedSeconds;
    const batchRate = notices.length / batchSeconds;
    const ratio = linesPerSecond / batchRate;
    const row = (name: string, items: number, seconds: number, unit: string) =>
      `| ${name.padEnd(28)} | ${String(items).padStart(8)} | ${seconds.toFixed(1).padStart(7)} | ${`${Math.round(
        items / seconds,
      )} ${unit}`.padStart(15)} |`;
    const out = [
      `Feed benchmark: ${report.lines} lines over ${ADDRESSES} addresses at ${customers} customers, ${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
      '',
      `| ${'path'.padEnd(28)} | items    | seconds | rate            |`,
      `|${'-'.repeat(30)}|----------|---------|-----------------|`,
      row('import feed: lines', report.lines, feedSeconds, 'lines/s'),
      row('import feed: notices opened', report.created, feedSeconds, 'notices/s'),
      row('POST /v1/notices/batch', notices.length, batchSeconds, 'notices/s'),
      '',
      `Import phases (s): ${Object.entries(phases)
        .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}`)
        .join(', ')}`,
      `Feed: ${Math.round(linesPerSecond)} lines/s = ${ratio.toFixed(1)}x the batch intake's notices/s ` +
        `(target >= 5x: ${ratio >= 5 ? 'met' : 'MISSED'})`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    agent.destroy();
    await app.close();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `count` customers with a contract and a /24 each; the feed's addresses, PER_CUSTOMER in each /24. */
async function seedCustomers(db: DataSource, count: number): Promise<string[]> {
  const rows = (await db.query(
    `INSERT INTO customers (reference, name, contract_type)
     SELECT 'BENCH-FEED-' || g, 'Bench tenant ' || g, 'colocation' FROM generate_series(0, $1 - 1) g
     RETURNING id, reference`,
    [count],
  )) as { id: string; reference: string }[];
  await db.getRepository(ContractEntity).insert(
    rows.map((r) => ({
      customerId: r.id,
      startsOn: '2024-01-01',
      noticePeriodDays: 30,
      immediateTerminationForIllegalContent: true,
      policyProfile: 'default',
    })),
  );
  await db.query(
    `INSERT INTO prefix_assignments (customer_id, cidr, valid_from)
     SELECT c.id, set_masklen('198.18.0.0'::inet + (substr(c.reference, 12)::int * 256), 24)::cidr, '2020-01-01'
     FROM customers c WHERE c.reference LIKE 'BENCH-FEED-%'`,
  );
  // Address i: customer i % count, host 1 + i / count.
  return Array.from({ length: ADDRESSES }, (_, i) => {
    const net = i % count;
    return `198.${18 + (net >> 8)}.${net & 255}.${1 + Math.floor(i / count)}`;
  });
}

/**
 * The feed: line j (in time order, over twelve hours three days ago, all in one day's window) is about address
 * (j * step) mod ADDRESSES, a step coprime with it, so that every address comes once every ADDRESSES lines.
 */
function writeFeed(file: string, ips: string[]): void {
  const fd = fs.openSync(file, 'w');
  const t0 = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 72 * HOUR;
  let step = 7919;
  while (gcd(step, ips.length) !== 1) step += 2;
  let buffer = 'timestamp,ip,port,protocol,type,asn,tag\n';
  for (let j = 0; j < LINES; j++) {
    const a = (j * step) % ips.length;
    const kind = KINDS[a % KINDS.length];
    const at = new Date(t0 + Math.floor((j * 12 * HOUR) / LINES))
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
    const [protocol, port] = kind.where.split(',');
    const ip = j % BROKEN_EVERY === BROKEN_EVERY - 1 ? 'not-an-ip' : ips[a];
    buffer += `${at},${ip},${port},${protocol},${kind.type},64500,${kind.tag}\n`;
    if (buffer.length > 1 << 20) {
      fs.writeSync(fd, buffer);
      buffer = '';
    }
  }
  fs.writeSync(fd, buffer);
  fs.closeSync(fd);
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

function postBatch(agent: http.Agent, port: number, authorization: string, body: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/notices/batch',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const answer = (res.statusCode === 200 ? JSON.parse(text) : null) as { rejected: number } | null;
          if (!answer || answer.rejected)
            reject(new Error(`batch: HTTP ${res.statusCode} ${text.slice(0, 500)}`));
          else resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
