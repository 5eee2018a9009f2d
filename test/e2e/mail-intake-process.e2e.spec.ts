import { randomUUID } from 'node:crypto';
import { freePort } from '@takedown/dev';
import { startAppProcess, startMailIntake, type AppProcess } from '../support/app-process';
import { listeningPorts } from '../support/listening-ports';
import { greeting, smtpFlood } from '../support/smtp-flood';

/** How long the API's /health may take while the listener is flooded (a shared test machine, not a benchmark). */
const HEALTH_BOUND_MS = 2_000;

/**
 * The inbound SMTP listener runs in the mail-intake process, not the API's: the API opens no SMTP port whatever its
 * configuration says, and a flood of connections and oversize mail at the listener leaves the API answering.
 */
describe('mail intake in its own process', () => {
  let api: AppProcess;
  let apiPort: number;
  let apiSmtpPort: number;
  let mailIntake: AppProcess & { smtpPort: number };

  beforeAll(async () => {
    apiPort = await freePort();
    apiSmtpPort = await freePort();
    const queue = { TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}` };
    // INBOUND_SMTP_PORT given to the API too, as a shared environment file would: it must not open it.
    api = await startAppProcess('api', {
      ...queue,
      API_PORT: String(apiPort),
      INBOUND_SMTP_PORT: String(apiSmtpPort),
    });
    mailIntake = await startMailIntake({
      ...queue,
      INBOUND_MAIL_ADDRESSES: 'abuse@provider.example',
      INBOUND_MAIL_MAX_BYTES: String(1024 * 1024),
      INBOUND_SMTP_MAX_CLIENTS: '10',
      INBOUND_MAIL_SOURCES: 'provider|Mailbox Example|@mailbox.example',
    });
  }, 180_000);

  afterAll(async () => {
    await mailIntake?.stop();
    await api?.stop();
  }, 30_000);

  it('has the API process listen on its HTTP port only, with INBOUND_SMTP_PORT set; the mail intake takes SMTP', async () => {
    expect(listeningPorts(api.pid)).toEqual([apiPort]);
    await expect(greeting(apiSmtpPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(listeningPorts(mailIntake.pid)).toContain(mailIntake.smtpPort);
    const smtp = await greeting(mailIntake.smtpPort);
    smtp.socket.destroy();
    expect(smtp.first).toMatch(/^220 /);
  });

  it('keeps the API answering /health within its bound while connections and oversize mail flood the listener', async () => {
    const health: { status: number; ms: number }[] = [];
    let flooding = true;
    const probe = (async () => {
      while (flooding) {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${apiPort}/health`, {
          signal: AbortSignal.timeout(10_000),
        }).catch(() => null);
        await res?.arrayBuffer();
        health.push({ status: res?.status ?? 0, ms: performance.now() - started });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const replies: string[] = [];
    let crowded = 0;
    try {
      // Three rounds of eight senders of 48 MiB each against a limit of 1 MiB, with a crowd of a hundred connections
      // past the client limit at the same time.
      for (let round = 0; round < 3; round++) {
        const floods = Array.from({ length: 8 }, () =>
          smtpFlood(
            mailIntake.smtpPort,
            'From: a@mailbox.example\r\nSubject: flood\r\n\r\n',
            48 * 1024 * 1024,
          ).then(
            (f) => f.replies,
            // A sender the crowd left no room for.
            (err: Error) => err.message,
          ),
        );
        const crowd = await Promise.all(
          Array.from({ length: 100 }, () => greeting(mailIntake.smtpPort).catch(() => null)),
        );
        for (const c of crowd) c?.socket.destroy();
        crowded += crowd.filter((c) => c?.first.startsWith('421')).length;
        replies.push(...(await Promise.all(floods)));
      }
    } finally {
      flooding = false;
      await probe;
    }
    // The flood reached the listener: it dropped oversize mail and turned the crowd away.
    expect(replies.filter((r) => /^552 .*size limit/m.test(r)).length).toBeGreaterThan(0);
    expect(crowded).toBeGreaterThan(0);
    expect(health.length).toBeGreaterThan(5);
    expect(health.filter((h) => h.status !== 200)).toEqual([]);
    expect(Math.max(...health.map((h) => h.ms))).toBeLessThan(HEALTH_BOUND_MS);
    // And the listener is back for real mail once the flood is over.
    const after = await greeting(mailIntake.smtpPort);
    after.socket.destroy();
    expect(after.first).toMatch(/^220 /);
  }, 180_000);
});
