import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '@takedown/dev';
import { eventually } from '../support/eventually';
import { listeningPorts } from '../support/listening-ports';
import { nodeArgs } from '../support/child-build';
import { greeting } from '../support/smtp-flood';

const ROOT = path.resolve(__dirname, '..', '..');
const SAMPLES = path.join(ROOT, 'test', 'fixtures', 'samples');

/** The environment of a new operator's shell: none of the test stack's connection settings, no NODE_ENV (jest's). */
function operatorEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    'SMTP_URL',
    'MAIL_CAPTURE_DIR',
    'INBOUND_MAIL_SOURCES',
    'NODE_ENV',
  ])
    delete env[name];
  return env;
}

/**
 * What `npm start` runs (apps/dev/src/main.ts, compiled as `npm start` runs it: here from the run's build, see
 * child-build.ts), on a data folder and ports of its own:
 * its start log, the settings file the CLI finds it by, the README's CLI examples against it, and a worker killed
 * under intake that the stack restarts while the API goes on taking notices.
 */
describe('the dev stack (npm start)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-devstack-'));
  let main: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let api: string;
  let token: string;
  let smtpPort: string;

  const cli = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [...nodeArgs('apps/cli/src/main.ts'), ...args],
        { cwd: ROOT, env: operatorEnv({ TAKEDOWN_DATA_DIR: dir }) },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (stdin !== undefined) child.stdin?.end(fs.readFileSync(stdin));
    });
  /** The pid of one of the stack's applications, a child of `npm start`'s process. */
  const childPid = (app: 'worker' | 'api' | 'mail-intake') =>
    Number(
      execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(main.pid)], { encoding: 'utf8' })
        .split('\n')
        .find((l) => l.includes(`apps/${app}/src/main.js`))
        ?.trim()
        .split(/\s+/)[0],
    );
  const request = (method: string, route: string, body?: unknown) =>
    fetch(`${api}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });

  beforeAll(async () => {
    const port = () => freePort().then(String);
    const apiPort = await port();
    smtpPort = await port();
    const env = operatorEnv({
      TAKEDOWN_DATA_DIR: dir,
      API_PORT: apiPort,
      WORKER_PORT: await port(),
      PG_PORT: await port(),
      TEMPORAL_PORT: await port(),
      TEMPORAL_UI_PORT: await port(),
      SMTP_CAPTURE_PORT: await port(),
      INBOUND_SMTP_PORT: smtpPort,
      MAIL_INTAKE_PORT: await port(),
      LOG_LEVEL: 'info',
      POLICY_PROFILE: 'default',
    });
    main = spawn(process.execPath, nodeArgs('apps/dev/src/main.ts'), {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    main.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    main.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => main.once('exit', (code) => resolve(code)));
    await eventually(
      async () => output,
      (o) => o.includes('Press Ctrl-C to stop.') || main.exitCode !== null,
      300_000,
    );
    if (!output.includes('Takedown is running.')) throw new Error(`npm start did not come up:\n${output}`);
    api = `http://127.0.0.1:${apiPort}`;
    token = /\[takedown\] +(td_\S+)/.exec(output)?.[1] ?? '';
    if (!token) throw new Error(`npm start printed no bootstrap token:\n${output}`);
  }, 320_000);

  afterAll(async () => {
    if (main.exitCode === null) {
      main.kill('SIGINT');
      const timer = setTimeout(() => main.kill('SIGKILL'), 90_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('writes its connection settings owner-only and masks the password in the start log', () => {
    const file = path.join(dir, 'stack.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(settings).toMatchObject({ pid: main.pid, apiUrl: api });
    const database = new URL(settings.env.DATABASE_URL);
    expect(database.password).not.toBe('');
    expect(output).not.toContain(`:${database.password}@`);
    expect(output).toContain(`PostgreSQL      postgres://${database.username}:***@${database.host}`);
    expect(output).toContain(`connection settings: ${file}`);
  });

  it('prints the bootstrap admin token with its expiry, 24 hours on', () => {
    const expires = /It expires (\S+) \(BOOTSTRAP_TOKEN_TTL\)/.exec(output)?.[1];
    const hours = (new Date(expires ?? 0).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23);
    expect(hours).toBeLessThanOrEqual(24);
  });

  it('says which addresses, senders and policy profile are active: the samples’ senders by default', () => {
    expect(output).toMatch(/Inbound mail {4}smtp:\/\/127\.0\.0\.1:\d+ {3}for abuse@provider\.example/);
    expect(output).toMatch(
      /Mail senders {4}provider "Mailbox Example" @mailbox\.example; hotline .*ntd@hotline\.example/,
    );
    expect(output).toContain('a development default: set INBOUND_MAIL_SOURCES');
    expect(output).toMatch(/Policy profile {2}default \(deadlines in hours/);
  });

  it('runs the README’s CLI examples against it without any variable set, saying which stack it uses', async () => {
    const imported = await cli(['import', 'inventory', 'test/fixtures/samples/inventory.csv']);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringMatching(/\d+ rows: \d+ created/) });
    expect(imported.stderr).toMatch(/using the local stack of npm start \(pid \d+, .*stack\.json\)/);
    expect(imported.stderr).toMatch(/PostgreSQL postgres:\/\/takedown:\*\*\*@/);

    // The start log points at it.
    expect(await cli(['--help'])).toMatchObject({
      code: 0,
      stderr: expect.stringContaining('takedown ingest-mail'),
    });
    expect(await cli(['migrate'])).toMatchObject({ code: 0, stdout: 'the schema is up to date\n' });
    expect(await cli(['token', 'create', '--role', 'abuse_desk', '--name', 'desk'])).toMatchObject({
      code: 0,
    });
    expect(await cli(['audit', 'verify'])).toMatchObject({ code: 0 });
    expect(await cli(['retention', 'run', '--dry-run'])).toMatchObject({ code: 0 });

    // The repository's ARF sample, through the MTA pipe, from a sender the dev stack allows by default: taken, not
    // refused. It carries no DKIM signature, so it opens no notice as that source: the desk finds it kept as mail
    // that could not be authenticated.
    const mailed = await cli(['ingest-mail'], path.join(SAMPLES, 'arf-phishing.eml'));
    expect(mailed).toMatchObject({ code: 0 });
    const kept = (await (await request('GET', '/v1/raw-messages')).json()) as {
      items: { error: string }[];
    };
    expect(kept.items.map((m) => m.error)).toContainEqual(expect.stringMatching(/not authenticated/));
  }, 240_000);

  it('restarts a worker killed under intake, says so, and the API takes notices all along', async () => {
    const workerPid = childPid('worker');
    expect(workerPid).toBeGreaterThan(0);
    const submitted: { id: string; status: number; at: number }[] = [];
    let load = true;
    const intake = (async () => {
      while (load) {
        const ref = `devstack-${randomUUID()}`;
        const res = await request('POST', '/v1/notices', {
          source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
          sourceReference: ref,
          category: 'csam',
          urls: [`https://files.tenant-a.example/gallery/${ref}`],
          ip: '198.51.100.23',
        });
        submitted.push({ id: ((await res.json()) as { id: string }).id, status: res.status, at: Date.now() });
        // Ten a second at most: enough to see the API answer all along, while the notices the restarted worker has to
        // work off stay few however long the restart takes on a busy machine.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await eventually(
        async () => submitted.length,
        (n) => n >= 5,
        60_000,
      );
      const killedAt = Date.now();
      process.kill(workerPid, 'SIGKILL');
      await eventually(
        async () => output,
        (o) => /The worker is back: healthy/.test(o),
        180_000,
      );
      const backAt = Date.now();
      await eventually(
        async () => submitted.filter((s) => s.at > backAt).length,
        (n) => n >= 3,
        60_000,
      );
      load = false;
      await intake;

      expect(output).toMatch(/The worker exited \(SIGKILL\); restarting it in 1 s/);
      expect(output).toMatch(/The worker was restarted \(pid \d+\)/);
      expect(submitted.filter((s) => s.status !== 201)).toEqual([]);
      const duringOutage = submitted.filter((s) => s.at > killedAt && s.at < backAt);
      expect(duringOutage.length).toBeGreaterThan(0);
      // The stack went on: the API and the restarted worker serve, and what came in meanwhile is worked off.
      expect(main.exitCode).toBeNull();
      for (const s of duringOutage.slice(0, 3)) {
        await eventually(
          async () =>
            ((await (await request('GET', `/v1/notices/${s.id}`)).json()) as { state: string }).state,
          (state) => state !== 'received',
          120_000,
        );
      }
    } finally {
      load = false;
      await intake;
    }
  }, 420_000);

  it('runs the SMTP listener in the mail-intake process, and restarts that process when it is killed', async () => {
    const intakePid = childPid('mail-intake');
    expect(intakePid).toBeGreaterThan(0);
    expect(listeningPorts(intakePid)).toContain(Number(smtpPort));
    expect(listeningPorts(childPid('api'))).not.toContain(Number(smtpPort));
    process.kill(intakePid, 'SIGKILL');
    await eventually(
      async () => output,
      (o) => /The mail-intake is back: healthy/.test(o),
      120_000,
    );
    expect(output).toMatch(/The mail-intake exited \(SIGKILL\); restarting it in 1 s/);
    const smtp = await greeting(Number(smtpPort));
    smtp.socket.destroy();
    expect(smtp.first).toMatch(/^220 /);
    expect(main.exitCode).toBeNull();
  }, 180_000);

  it('stops everything on Ctrl-C and takes its settings away; the CLI then says no stack runs', async () => {
    main.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Stopped.');
    expect(fs.existsSync(path.join(dir, 'stack.json'))).toBe(false);
    const after = await cli(['migrate']);
    expect(after).toMatchObject({
      code: 78,
      stderr: expect.stringContaining('or the local stack running (npm start)'),
    });
  }, 120_000);
});
