import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { freePort } from '@takedown/dev';
import { createApiToken, dataSourceOptions } from '@takedown/persistence';
import { nodeArgs } from '../support/child-build';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/tcp-proxy';

const ROOT = path.resolve(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The API or the worker as its own process, compiled: what `npm start` runs, signals and all. */
function startApp(app: 'api' | 'worker', env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, nodeArgs(`apps/${app}/src/main.ts`), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> } | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return null;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Start-up and shutdown of the two processes (docs/faults.md): started before PostgreSQL and Temporal they wait with
 * backoff instead of crashing and /health names the part that is missing; SIGTERM stops them in order. The servers
 * of the test stack sit behind proxies that this file opens, pauses and closes.
 */
describe('start-up and shutdown', () => {
  const env = testEnv();
  const database = new URL(env.DATABASE_URL);
  const [temporalHost, temporalPort] = env.TEMPORAL_ADDRESS.split(':');
  const proxies: TcpProxy[] = [];
  const started: Started[] = [];
  const proxy = async (target: { host: string; port: number }) => {
    const p = await TcpProxy.create(target);
    proxies.push(p);
    return p;
  };
  const postgresProxy = () => proxy({ host: database.hostname, port: Number(database.port) });
  const temporalProxy = () => proxy({ host: temporalHost, port: Number(temporalPort) });
  const via = (p: TcpProxy) => Object.assign(new URL(env.DATABASE_URL), { port: String(p.port) }).toString();
  const run = (app: 'api' | 'worker', overrides: Record<string, string>) => {
    const s = startApp(app, { ...process.env, LOG_LEVEL: 'info', ...overrides });
    started.push(s);
    return s;
  };
  const logged = (s: Started, pattern: RegExp) =>
    eventually(
      async () => s.output(),
      (o) => pattern.test(o),
      120_000,
    );

  afterEach(async () => {
    for (const s of started.splice(0))
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  it('a worker waits for PostgreSQL, then Temporal, says which is missing, runs, and stops cleanly on SIGTERM', async () => {
    const postgres = await postgresProxy();
    const temporal = await temporalProxy();
    const port = await freePort();
    const worker = run('worker', {
      DATABASE_URL: via(postgres),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporal.port}`,
      TEMPORAL_TASK_QUEUE: `startup-${randomUUID()}`,
      WORKER_PORT: String(port),
    });
    const health = () => getJson(`http://127.0.0.1:${port}/health`);

    await logged(worker, /waiting for PostgreSQL .*attempt 2/);
    expect(await health()).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: 'down',
        postgres: 'down',
        temporal: 'starting',
        worker: 'STARTING',
      }),
    });

    await postgres.open();
    await logged(worker, /waiting for Temporal .*attempt 2/);
    expect(await health()).toEqual({
      status: 503,
      body: expect.objectContaining({ postgres: 'up', temporal: 'starting' }),
    });

    await temporal.open();
    const up = await eventually(health, (h) => h?.status === 200, 120_000);
    expect(up?.body).toMatchObject({ status: 'ok', postgres: 'up', temporal: 'up', worker: 'RUNNING' });
    expect(worker.output()).toMatch(/Temporal is reachable \(after \d+ attempts\)/);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain('worker stopped; closing connections');
    expect(worker.output()).not.toMatch(/worker failed/);
  }, 240_000);

  it('a worker told to stop while it waits for PostgreSQL exits at once, cleanly', async () => {
    const postgres = await postgresProxy();
    const worker = run('worker', {
      DATABASE_URL: via(postgres),
      TEMPORAL_TASK_QUEUE: `startup-${randomUUID()}`,
      WORKER_PORT: String(await freePort()),
    });
    await logged(worker, /waiting for PostgreSQL/);
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5000);
  }, 180_000);

  it('the API waits for PostgreSQL, names the part that is down, answers 503 without it, and on SIGTERM finishes the request in flight', async () => {
    const postgres = await postgresProxy();
    const temporal = await temporalProxy(); // never opened: Temporal stays unreachable
    const port = await freePort();
    const api = run('api', {
      DATABASE_URL: via(postgres),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporal.port}`,
      API_PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    });
    await logged(api, /waiting for PostgreSQL .*attempt 2/);
    expect(await accepts(port)).toBe(false);

    await postgres.open();
    const health = await eventually(
      () => getJson(`http://127.0.0.1:${port}/health`),
      (h) => h !== null,
      120_000,
    );
    expect(health).toMatchObject({
      status: 503,
      body: { details: { postgres: { status: 'up' }, temporal: { status: 'down' } } },
    });

    const db = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
    const { token } = await createApiToken(db, { name: 'shutdown test', role: 'admin', createdBy: 'test' });
    await db.destroy();
    const get = () =>
      fetch(`http://127.0.0.1:${port}/v1/notices?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(200);

    // PostgreSQL goes away: /health names it, requests get 503 (retry), not 500.
    await postgres.close();
    const down = await getJson(`http://127.0.0.1:${port}/health`);
    expect(down).toMatchObject({ status: 503, body: { details: { postgres: { status: 'down' } } } });
    // Up or down, not the driver's words (hosts, ports, users): the route is public.
    const details = (down?.body as { details: Record<string, object> }).details;
    for (const part of Object.values(details)) expect(Object.keys(part)).toEqual(['status']);
    const refused = await get();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'DATABASE.UNAVAILABLE' });
    await postgres.open();
    await eventually(
      async () => (await get()).status,
      (status) => status === 200,
    );

    // The request reaches PostgreSQL, which the paused proxy holds: it is in flight when SIGTERM comes.
    postgres.pause();
    const before = postgres.bytesIn;
    const inFlight = get();
    await eventually(
      async () => postgres.bytesIn,
      (n) => n > before,
    );
    api.child.kill('SIGTERM');
    await eventually(
      () => accepts(port),
      (open) => !open,
    );
    postgres.resume();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expect.objectContaining({ total: expect.any(Number) }));
    // Its answer closes the connection it came on: kept alive, it held the process for Fastify's keep-alive timeout
    // (72 s) after the request was done.
    expect(res.headers.get('connection')).toBe('close');
    const answered = Date.now();
    const exit = await api.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(Date.now() - answered).toBeLessThan(30_000);
    expect(api.output()).not.toMatch(/api failed/);
  }, 240_000);
});
