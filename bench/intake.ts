/**
 * `npm run bench:intake`: how many notices per second each intake channel takes, against the ceiling of bare
 * workflow starts on the same Temporal server.
 *
 * Starts a throw-away local stack (embedded PostgreSQL, Temporal dev server, SMTP capture, as `npm start` does) and
 * the API in-process on loopback ports, with its inbound SMTP listener. No worker runs: every channel ends in a
 * workflow start, which is what is compared. BENCH_N notices (default 5,000) each, in BENCH_ROUNDS rounds (default 4)
 * in which the channels take turns, so that all of them meet the same, growing Temporal store:
 *   - `client.workflow.start` alone (the ceiling), BENCH_CONCURRENCY at a time (default 16), and for reference as
 *     many at a time as the batch intake starts;
 *   - POST /v1/notices, one notice per request, BENCH_CONCURRENCY at a time;
 *   - POST /v1/notices/batch, BENCH_BATCH notices per request (default 500), one request at a time;
 *   - ARF emails to the SMTP listener, BENCH_CONCURRENCY connections.
 * Not a test: it prints figures and removes everything it made.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { freePort, startThrowawayStack } from '@takedown/dev';
import { createApiToken } from '@takedown/persistence';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { AppConfig } from '../apps/api/src/app-config';
import { createApp } from '../apps/api/src/create-app';
import { InboundSmtpListener } from '../apps/mail-intake/src/inbound-smtp';
import { createMailIntake } from '../apps/mail-intake/src/mail-intake.module';
import { START_CONCURRENCY } from '../apps/api/src/notices/bulk-intake.service';
import { startDkimDns } from '../test/support/dkim';

const N = Number(process.env.BENCH_N ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const TASK_QUEUE = 'bench-intake';
const BARE_AT_BATCH = `bare start, ${START_CONCURRENCY} at once`;

interface Result {
  name: string;
  notices: number;
  seconds: number;
  /** Per request: one notice, or one batch. */
  latencies: number[];
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const stack = await startThrowawayStack({ prefix: 'takedown-bench', log });
  const dir = stack.dataDir;
  // The listener takes the mailbox's reports only DKIM-signed: a key on a loopback DNS server, as the tests do.
  const dns = await startDkimDns();
  const env = loadEnv({
    INBOUND_MAIL_DNS_SERVERS: dns.server,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LOG_LEVEL: 'silent',
    INBOUND_SMTP_PORT: '0',
    INBOUND_MAIL_SOURCES: 'provider|Bench Mailbox|@mailbox.example',
    // A bench measures the API, not its rate limit.
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const config = new AppConfig({
    ...env,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
  });
  const app = await createApp(config);
  const apiPort = await freePort();
  await app.listen(apiPort, '127.0.0.1');
  // The mail intake's application beside the API, as the mail-intake process runs it.
  const mailIntake = await createMailIntake(config);
  const smtpPort = mailIntake.get(InboundSmtpListener).port!;
  const { token } = await createApiToken(app.get(DataSource), {
    name: 'bench-intake',
    role: 'abuse_desk',
    createdBy: 'bench',
  });
  authorization = `Bearer ${token}`;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  // Encrypted as the API's client encrypts, so that the ceiling pays what the API pays.
  const client = new Client({ connection, dataConverter: temporalDataConverter(env) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const mail = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    ignoreTLS: true,
    pool: true,
    maxConnections: CONCURRENCY,
    maxMessages: Infinity,
  });
  try {
    // Each channel's notices in ROUNDS parts, the channels taking turns (each round starting with the next one), so
    // that every channel meets the same Temporal store (it grows with every workflow) and the same machine load.
    const perRound = Math.ceil(N / ROUNDS);
    const bare = () =>
      client.workflow.start(noticeWorkflow, {
        workflowId: `bench-${randomUUID()}`,
        taskQueue: TASK_QUEUE,
        args: [
          { version: 1, noticeId: randomUUID(), category: 'phishing', receivedAt: new Date().toISOString() },
        ],
      });
    const channels: {
      name: string;
      batched?: boolean;
      concurrency?: number;
      one: (count: number) => Promise<unknown>;
    }[] = [
      { name: 'bare workflow start', one: bare },
      // For reference: the rate at the batch intake's own number of starts in flight.
      { name: BARE_AT_BATCH, concurrency: START_CONCURRENCY, one: bare },
      { name: 'POST /v1/notices', one: () => post(agent, apiPort, '/v1/notices', [notice()], 201) },
      {
        name: 'POST /v1/notices/batch',
        batched: true,
        one: (count) => post(agent, apiPort, '/v1/notices/batch', Array.from({ length: count }, notice), 200),
      },
      {
        name: 'SMTP listener (ARF)',
        one: async () =>
          mail.sendMail({
            envelope: { from: 'feedback@mailbox.example', to: 'abuse@provider.example' },
            raw: await dns.sign(arf(), 'mailbox.example'),
          }),
      },
    ];
    const results: Result[] = channels.map((c) => ({ name: c.name, notices: 0, seconds: 0, latencies: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      const notices = Math.min(perRound, N - round * perRound);
      if (notices <= 0) break;
      for (let k = 0; k < channels.length; k++) {
        const index = (round + k) % channels.length;
        const channel = channels[index];
        log(`round ${round + 1}/${ROUNDS}, ${channel.name}: ${notices} notices`);
        const requests = channel.batched ? Math.ceil(notices / BATCH) : notices;
        const size = (i: number) => (channel.batched ? Math.min(BATCH, notices - i * BATCH) : 1);
        const concurrency = channel.batched ? 1 : (channel.concurrency ?? CONCURRENCY);
        const t = await timed(requests, concurrency, (i) => channel.one(size(i)));
        results[index].notices += notices;
        results[index].seconds += t.seconds;
        results[index].latencies.push(...t.latencies);
      }
    }
    print(results);
  } finally {
    mail.close();
    agent.destroy();
    await mailIntake.close();
    await app.close();
    await connection.close();
    await stack.stop();
    await dns.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let counter = 0;
let authorization = '';
function notice() {
  const ref = `bench-${++counter}-${randomUUID()}`;
  return {
    source: { kind: 'hotline', name: 'Bench Hotline' },
    sourceReference: ref,
    category: 'phishing',
    urls: [`https://login.tenant-b.example/${ref}`],
    ip: '198.51.100.23',
  };
}

function arf(): string {
  const id = randomUUID();
  return [
    'From: feedback@mailbox.example',
    'To: abuse@provider.example',
    `Message-ID: <${id}@mailbox.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'Phishing report.',
    '--b',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: fraud',
    'Version: 1',
    'Source-IP: 203.0.113.77',
    `Reported-URI: http://pay-update.tenant-c.example/${id}`,
    '',
    '--b--',
    '',
  ].join('\r\n');
}

/** POST one request body (a single notice is sent as itself, not as an array of one). */
function post(
  agent: http.Agent,
  port: number,
  route: string,
  body: unknown[],
  expected: number,
): Promise<void> {
  const payload = JSON.stringify(route === '/v1/notices' ? body[0] : body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: route,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          if (res.statusCode !== expected)
            return reject(new Error(`${route}: HTTP ${res.statusCode} ${text}`));
          if (route.endsWith('batch') && (JSON.parse(text) as { rejected: number }).rejected) {
            const body = JSON.parse(text) as { rejected: number; items: { status: string }[] };
            const first = body.items.find((i) => i.status === 'rejected');
            return reject(
              new Error(`${route}: ${body.rejected} items rejected, e.g. ${JSON.stringify(first)}`),
            );
          }
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `requests` calls, `concurrency` at a time; wall time and each call's latency. */
async function timed(requests: number, concurrency: number, one: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests; i = next++) {
        const t = process.hrtime.bigint();
        await one(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies };
}

function print(results: Result[]): void {
  const ceiling = results[0].notices / results[0].seconds;
  const q = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const out = [
    `Intake benchmark: ${N} notices per channel in ${ROUNDS} interleaved rounds, ${CONCURRENCY} concurrent (batch: ${BATCH} per request, one at a time), ${os.cpus().length} CPUs`,
    'Latency per request (a batch request carries many notices).',
    '',
    `| ${'channel'.padEnd(24)} | notices/s | p50 ms   | p99 ms   | vs bare start |`,
    `|${'-'.repeat(26)}|-----------|----------|----------|---------------|`,
  ];
  for (const r of results) {
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const rate = r.notices / r.seconds;
    out.push(
      `| ${r.name.padEnd(24)} | ${Math.round(rate).toString().padStart(9)} | ${q(sorted, 0.5).toFixed(1).padStart(8)} | ${q(
        sorted,
        0.99,
      )
        .toFixed(1)
        .padStart(8)} | ${`${(rate / ceiling).toFixed(2)}x`.padStart(13)} |`,
    );
  }
  const ratio = (name: string) => {
    const r = results.find((x) => x.name === name)!;
    return r.notices / r.seconds / ceiling;
  };
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  out.push(
    '',
    `API single intake: ${ratio('POST /v1/notices').toFixed(2)}x bare starts (target >= 0.7x: ${verdict(ratio('POST /v1/notices') >= 0.7)})`,
    `Batch: ${ratio('POST /v1/notices/batch').toFixed(2)}x bare starts (target >= 1.0x: ${verdict(ratio('POST /v1/notices/batch') >= 1)})`,
    `  (the ceiling is bare starts at the clients' ${CONCURRENCY} in flight; the batch starts ${START_CONCURRENCY} at once,` +
      ` and against bare starts at that number it is ${(ratio('POST /v1/notices/batch') / ratio(BARE_AT_BATCH)).toFixed(2)}x)`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
