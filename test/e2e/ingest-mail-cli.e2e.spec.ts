import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, NoticeEntity } from '@takedown/persistence';
import { nodeArgs } from '../support/child-build';
import { startDkimDns, type DkimDns } from '../support/dkim';
import { testEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const unsignedArf = () =>
  fs
    .readFileSync(path.join(ROOT, 'test', 'fixtures', 'samples', 'arf-phishing.eml'), 'utf8')
    .replace('arf-20261122-0930-77', `arf-${randomUUID()}`)
    .replace('/invoice/confirm', `/invoice/${randomUUID()}`);

/** `takedown ingest-mail` as an MTA runs it: a message on stdin, an exit code the MTA understands. */
function ingest(
  input: Buffer,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs('apps/cli/src/main.ts'), 'ingest-mail', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

describe('ingest-mail (MTA pipe)', () => {
  const env = testEnv();
  const base = {
    DATABASE_URL: env.DATABASE_URL,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
    // Nothing runs on this queue: the notice is stored and its workflow started, which is all the pipe does.
    TEMPORAL_TASK_QUEUE: `pipe-${randomUUID()}`,
    INBOUND_MAIL_SOURCES: 'provider|Mailbox Example|@mailbox.example',
    LOG_LEVEL: 'warn',
  };
  let db: DataSource;
  let dns: DkimDns;
  const arf = () => dns.sign(unsignedArf(), 'mailbox.example');
  beforeAll(async () => {
    dns = await startDkimDns();
    Object.assign(base, { INBOUND_MAIL_DNS_SERVERS: dns.server });
    db = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await dns?.close();
  });

  it('takes the ARF sample as a notice and exits 0; the same message again is the same notice', async () => {
    const message = await arf();
    const first = await ingest(message, base);
    expect(first).toMatchObject({ code: 0, stderr: expect.stringMatching(/\(created\)/) });
    const again = await ingest(message, base);
    expect(again).toMatchObject({ code: 0, stderr: expect.stringMatching(/\(existing\)/) });
    const id = /notice ([0-9a-f-]{36})/.exec(first.stderr)![1];
    expect(await db.getRepository(NoticeEntity).findOneByOrFail({ id })).toMatchObject({
      category: 'phishing',
    });
  });

  it('exits 75 so that the MTA retries when Temporal or the database is down, and stores nothing', async () => {
    const before = await db.getRepository(NoticeEntity).count();
    // A port this test holds and answers with a closed connection: a port found free and let go could be taken by
    // another lane's Temporal or PostgreSQL meanwhile (once, the ingest then stored its notice and exited 0).
    const dead = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as net.AddressInfo).port;
    try {
      // The whole result, so that a failure shows what the pipe said: twice, in full runs, it exited 0 here.
      const temporalDown = await ingest(await arf(), { ...base, TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` });
      expect(temporalDown).toMatchObject({ code: 75 });
      const deadDb = env.DATABASE_URL.replace(/:(\d+)\//, `:${deadPort}/`);
      expect(await ingest(await arf(), { ...base, DATABASE_URL: deadDb })).toMatchObject({ code: 75 });
    } finally {
      await new Promise((resolve) => dead.close(resolve));
    }
    // The DKIM key cannot be looked up: the same message may pass later.
    const signed = await arf();
    dns.failing.add('mailbox.example');
    try {
      expect(await ingest(signed, base)).toMatchObject({
        code: 75,
        stderr: expect.stringMatching(/DKIM keys/),
      });
    } finally {
      dns.failing.delete('mailbox.example');
    }
    expect(await db.getRepository(NoticeEntity).count()).toBe(before);
  });

  it('refuses a 25 MB message and one with 100 kB of headers with 65, and keeps a message it cannot read for the desk with 0', async () => {
    const huge = Buffer.concat([await arf(), Buffer.alloc(25 * 1024 * 1024, 'a')]);
    expect(await ingest(huge, base)).toMatchObject({ code: 65, stderr: expect.stringMatching(/exceeds/) });
    const longHeaders = Buffer.concat([Buffer.from(`X-Filler: ${'h'.repeat(100 * 1024)}\r\n`), await arf()]);
    expect(await ingest(longHeaders, base)).toMatchObject({
      code: 65,
      stderr: expect.stringMatching(/header section exceeds INBOUND_MAIL_MAX_HEADER_BYTES/),
    });
    const message = unsignedArf();
    const truncated = await dns.sign(
      message.slice(0, message.indexOf('Content-Type: message/feedback-report')),
      'mailbox.example',
    );
    expect(await ingest(truncated, base, ['--sender', 'abuse-reports@mailbox.example'])).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/kept for the abuse desk/),
    });
  });

  it("keeps mail from outside a source's IP ranges for the desk; --client-ip inside them lets it in", async () => {
    const ranged = {
      ...base,
      INBOUND_MAIL_SOURCES: 'provider|Mailbox Example|@mailbox.example|192.0.2.0/24',
    };
    const message = await arf();
    expect(await ingest(message, ranged, ['--client-ip', '198.51.100.9'])).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/kept for the abuse desk .*IP ranges/),
    });
    expect(await ingest(message, ranged, ['--client-ip', '192.0.2.9'])).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/\(created\)/),
    });
  });
});
