import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@takedown/config';

/**
 * The Temporal time-skipping test server, from Maven rather than from the SDK's auto-download (which cannot reach its
 * download host here). `ensureJavaTestServer()` returns a shell script to hand to the SDK:
 *
 *   TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })
 *
 * sdk-core starts that path as `<path> <port> [extraArgs...]`, gives it 5 s to answer gRPC on 127.0.0.1:<port>, and
 * stops it with SIGKILL on teardown. The script therefore `exec`s java (so the PID the SDK kills is the JVM itself) and
 * passes its arguments straight to `KeepAliveTestServer <port> [--enable-time-skipping]` (test-server/, compiled with
 * javac into the cache entry): Temporal's TestServer with the SDK's keepalive pings accepted.
 */

export interface EnsureJavaTestServerOptions {
  /** Where resolved servers are kept; defaults to $TAKEDOWN_CACHE_DIR, then ~/.cache/takedown. */
  cacheDir?: string;
  /** Receives Maven's output, line by line, while a server is being resolved. */
  log?: (line: string) => void;
}

const MAIN_CLASS = 'KeepAliveTestServer';
const WRAPPER_NAME = 'temporal-test-server';
const STAND_IN_NAME = 'started-elsewhere';
/** The class archive the wrapper maps when it exists (see createClassArchive). */
const ARCHIVE_NAME = 'server.jsa';
/** Part of the cache entry's name with the main class's digest: raise it when the entry's layout changes. */
const LAYOUT = 5;
/**
 * A JVM serves one test file and stops within a minute or so: the serial collector costs such a short-lived JVM on
 * two shared cores less than the default one, made for long-running servers. (Stopping at the first compiler tier saves a tenth of a second
 * more per start but makes the server slower in a long test: 1,000 signals took longer than the test allows.)
 */
const JVM_FLAGS = '-XX:+UseSerialGC';
const POM_FROM_ROOT = path.join('test', 'support', 'test-server', 'pom.xml');
const VERSION_PROPERTY = 'temporal-test-server.version';
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Path of an executable that starts the Java test server, resolving it with Maven on first use. */
export async function ensureJavaTestServer(opts: EnsureJavaTestServerOptions = {}): Promise<string> {
  const log = opts.log ?? (() => undefined);
  // java is checked even on a cache hit: without it the SDK only reports an opaque 5 s startup timeout.
  requireOnPath('java', 'a Java runtime, 8 or newer (e.g. `apt-get install openjdk-17-jre-headless`)');
  const pom = findPom();
  const version = readServerVersion(pom);
  const main = path.join(path.dirname(pom), `${MAIN_CLASS}.java`);
  const root = cacheRoot(opts.cacheDir);
  const finalDir = path.join(root, `temporal-test-server-${version}-${entryDigest(main)}`);
  const wrapper = path.join(finalDir, WRAPPER_NAME);
  if (isExecutable(wrapper)) return wrapper;

  requireOnPath('mvn', 'Apache Maven 3 (e.g. `apt-get install maven`)');
  requireOnPath('javac', 'a Java compiler, 8 or newer (e.g. `apt-get install openjdk-17-jdk-headless`)');
  log(`resolving the Temporal Java test server ${version} with Maven into ${finalDir}`);
  await fs.promises.mkdir(root, { recursive: true });
  // Build in a private temp dir beside the final one (same filesystem, so the rename is atomic). A directory that
  // exists under the final name is therefore always complete, whoever made it.
  const tempDir = await fs.promises.mkdtemp(path.join(root, `.temporal-test-server-${version}-`));
  try {
    await resolveWithMaven(pom, path.join(tempDir, 'lib'), log);
    await compileMain(main, tempDir);
    await writeWrapper(path.join(tempDir, WRAPPER_NAME), version);
    await writeScript(path.join(tempDir, STAND_IN_NAME), [
      '#!/bin/sh',
      '# Stands in for a time-skipping server started beforehand (test/support/test-server.ts, standInPath):',
      '# waits until the SDK kills it, or until the test process that started it is gone.',
      'while kill -0 "$PPID" 2>/dev/null; do sleep 1; done',
    ]);
    await fs.promises.chmod(tempDir, 0o755); // mkdtemp makes it 0700; the published dir should look like any other
    await publish(tempDir, finalDir);
  } finally {
    await fs.promises.rm(tempDir, { recursive: true, force: true });
  }
  await createClassArchive(finalDir).catch((err: Error) =>
    log(`no class archive, each start loads its classes: ${err.message}`),
  );
  return wrapper;
}

/** A time-skipping test server started by `startJavaTestServer`, listening on `port` of the loopback address. */
export interface StartedTestServer {
  port: number;
  /** Stops the server (its workflows and clock are thrown away with it) and resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * Starts a server of its own (workflows, task queues, a skipped clock) in this process's pool (`--pool` in
 * KeepAliveTestServer.java): one JVM serves every test of a file, each test on a server of its own. A JVM per test
 * spent about 2 s of CPU per test on its start and warm-up, more than most tests do. As the SDK starts a server,
 * the clock stays put until a client unlocks it (the SDK's test client does while it waits for a workflow's result).
 */
export async function startJavaTestServer(wrapper: string): Promise<StartedTestServer> {
  const pool = await poolOf(wrapper);
  const port = Number(await pool.ask('start'));
  if (!Number.isInteger(port) || port <= 0) throw new Error('the test server pool answered no port');
  return { port, stop: () => pool.ask(`stop ${port}`).then(() => undefined) };
}

/** Stops this process's pool JVM and every server in it; the next `startJavaTestServer` starts a new one. */
export async function stopTestServerPool(): Promise<void> {
  const pool = current;
  current = undefined;
  await (await pool?.catch(() => undefined))?.close();
}

interface Pool {
  /** One request line, its one answer line; an answer starting with "error" rejects. */
  ask(request: string): Promise<string>;
  close(): Promise<void>;
  /** Resolves when the JVM is gone. */
  exited: Promise<void>;
}

let current: Promise<Pool> | undefined;

function poolOf(wrapper: string): Promise<Pool> {
  if (!current) {
    const pool = startPool(wrapper);
    current = pool;
    // A pool that failed to start, or whose JVM died, is started anew by the next test.
    void pool
      .then(
        (p) => p.exited,
        () => undefined,
      )
      .then(() => {
        if (current === pool) current = undefined;
      });
  }
  return current;
}

async function startPool(wrapper: string): Promise<Pool> {
  const child = spawn(wrapper, ['--pool'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => {
    child.once('error', () => resolve());
    child.once('exit', () => resolve());
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    // However long the JVM takes: on a saturated machine that can be longer than the SDK's 5 s (see standInPath).
    const controlPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the test server pool did not start within 120 s')),
        120_000,
      );
      forwardLines(child.stdout, (line) => {
        const match = /^control (\d+)$/.exec(line);
        if (match) resolve(Number(match[1]));
      });
      void exited.then(() => reject(new Error('the test server pool exited before it listened')));
      void exited.finally(() => clearTimeout(timer));
      child.stdout.once('close', () => clearTimeout(timer));
    });
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(controlPort, '127.0.0.1');
      s.once('connect', () => resolve(s)).once('error', reject);
    });
    // Answers come in the order of the requests: each waiter takes the next line.
    const waiters: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
    const failAll = (err: Error) => waiters.splice(0).forEach((w) => w.reject(err));
    forwardLines(socket, (line) => {
      const waiter = waiters.shift();
      if (!waiter) return;
      if (line.startsWith('error')) waiter.reject(new Error(`the test server pool: ${line}`));
      else waiter.resolve(line);
    });
    socket.on('error', (err) => failAll(err));
    socket.on('close', () => failAll(new Error('the test server pool closed its connection')));
    return {
      exited,
      ask: (request) =>
        new Promise<string>((resolve, reject) => {
          if (socket.destroyed) return reject(new Error('the test server pool is gone'));
          waiters.push({ resolve, reject });
          socket.write(`${request}\n`);
        }),
      async close() {
        socket.destroy();
        await kill();
      },
    };
  } catch (err) {
    await kill();
    throw err;
  }
}

/**
 * What the SDK is given to start when the server already runs (`startJavaTestServer`): a process that only waits
 * to be killed (or for the test process to be gone). The SDK then finds the port open at once, and its teardown
 * kills this stand-in, not the server.
 */
export function standInPath(wrapper: string): string {
  return path.join(path.dirname(wrapper), STAND_IN_NAME);
}

/**
 * Records the classes the server loads until it listens into a class-data-sharing archive beside the jars, which
 * every later start maps instead of reading and verifying them again: about a fifth of the CPU a start takes
 * without it. Made once, after the entry is in place, because the archive holds the class path it was made with.
 * Written under a temporary name and renamed, so that a start sees either no archive or a whole one.
 */
async function createClassArchive(dir: string): Promise<void> {
  const archive = path.join(dir, ARCHIVE_NAME);
  if (fs.existsSync(archive)) return;
  const partial = path.join(dir, `.${ARCHIVE_NAME}-${process.pid}`);
  const port = await freePort();
  const args = [
    ...JVM_FLAGS.split(' '),
    `-XX:ArchiveClassesAtExit=${partial}`,
    '-cp',
    path.join(dir, 'lib', '*'),
  ];
  const child = spawn('java', [...args, MAIN_CLASS, String(port), '--enable-time-skipping'], {
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  try {
    await untilListening(port, exited);
  } finally {
    // SIGTERM, not SIGKILL: the JVM writes the archive on its way out.
    child.kill('SIGTERM');
    await exited.catch(() => undefined);
  }
  if (!fs.existsSync(partial)) throw new Error('the JVM wrote no archive');
  await fs.promises.rename(partial, archive);
}

/** Resolves once something accepts connections on the loopback port; rejects if the process exits first or in 60 s. */
async function untilListening(port: number, exited: Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  let gone = false;
  void exited.then(
    () => (gone = true),
    () => (gone = true),
  );
  for (const until = Date.now() + timeoutMs; Date.now() < until && !gone;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.once('connect', () => socket.destroy());
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    gone ? 'the server exited before it listened' : `the server did not listen within ${timeoutMs / 1000} s`,
  );
}

/** The layout and the main class's source, so that an edited main class gets an entry of its own. */
function entryDigest(main: string): string {
  return createHash('sha256').update(`${LAYOUT}\0`).update(fs.readFileSync(main)).digest('hex').slice(0, 12);
}

/** Compiles the main class into a jar of its own in lib/: the class archive takes classes from jars only. */
async function compileMain(source: string, dir: string): Promise<void> {
  const classes = path.join(dir, 'classes');
  const run = promisify(execFile);
  await run('javac', ['-d', classes, '-cp', path.join(dir, 'lib', '*'), source]);
  await run('jar', [
    '--create',
    '--file',
    path.join(dir, 'lib', 'keepalive-test-server.jar'),
    '-C',
    classes,
    '.',
  ]);
  await fs.promises.rm(classes, { recursive: true });
}

/** The class path the wrapper gives java; the class archive must be made with the same. */
function classPath(dir: string): string {
  return path.join(dir, 'lib', '*');
}

function cacheRoot(cacheDir: string | undefined): string {
  return cacheDir ?? process.env.TAKEDOWN_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'takedown');
}

/** The pom sits in the source tree beside this file; walk up in case this runs from a compiled copy. */
function findPom(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, POM_FROM_ROOT);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${POM_FROM_ROOT} above ${__dirname}`);
  }
}

/** The pom's version property is the one place the server version is set; it also names the cache entry. */
function readServerVersion(pom: string): string {
  const match = new RegExp(`<${VERSION_PROPERTY}>\\s*([^<\\s]+)\\s*</`).exec(fs.readFileSync(pom, 'utf8'));
  if (!match?.[1]) throw new Error(`${pom} has no <${VERSION_PROPERTY}> property`);
  return match[1];
}

function requireOnPath(command: string, whatToInstall: string): void {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (dirs.some((dir) => isExecutable(path.join(dir, command)))) return;
  throw new Error(`\`${command}\` is not on PATH: the Temporal Java test server needs ${whatToInstall}`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Copies the server jar and its runtime dependencies into `libDir`, streaming Maven's output to `log`. */
function resolveWithMaven(pom: string, libDir: string, log: (line: string) => void): Promise<void> {
  const args = [
    '--batch-mode',
    '-Dstyle.color=never',
    '--file',
    pom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${libDir}`,
  ];
  const tail: string[] = []; // the last lines, to explain a failure without replaying everything
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    log(line);
  };
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    forwardLines(child.stdout, onLine);
    forwardLines(child.stderr, onLine);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new Error(`mvn ${args.join(' ')} ${how}:\n${tail.join('\n')}`));
    });
  });
}

function forwardLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop() ?? '';
    lines
      .map(withoutAnsi)
      .filter((l) => l.trim() !== '')
      .forEach(onLine);
  });
  stream.on('end', () => withoutAnsi(pending).trim() !== '' && onLine(withoutAnsi(pending)));
}

/** Maven 3.8 emits a stray colour reset even with -Dstyle.color=never. */
function withoutAnsi(line: string): string {
  return line.replace(ANSI_ESCAPE, '');
}

/**
 * The script finds lib/ relative to itself, so it keeps working after the temp dir is renamed. `exec` matters: the
 * SDK SIGKILLs the PID it spawned, and a shell left in between would orphan the JVM and keep the SDK's pipes open.
 * TAKEDOWN_TEST_SERVER_JAVA_OPTS is split on spaces on purpose (e.g. "-Xmx256m -XX:+UseSerialGC").
 */
async function writeWrapper(file: string, version: string): Promise<void> {
  await writeScript(file, [
    '#!/bin/sh',
    `# Temporal Java time-skipping test server ${version}, written by test/support/test-server.ts.`,
    '# Usage: temporal-test-server <port> [--enable-time-skipping]',
    'dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1',
    `cds=; [ -f "$dir/${ARCHIVE_NAME}" ] && cds="-XX:SharedArchiveFile=$dir/${ARCHIVE_NAME}"`,
    `exec java ${JVM_FLAGS} $cds $TAKEDOWN_TEST_SERVER_JAVA_OPTS -cp "${classPath('$dir')}" ${MAIN_CLASS} "$@"`,
  ]);
}

async function writeScript(file: string, lines: string[]): Promise<void> {
  await fs.promises.writeFile(file, `${lines.join('\n')}\n`, { mode: 0o755 });
  await fs.promises.chmod(file, 0o755); // writeFile's mode is filtered by the umask
}

/** Moves a finished temp dir into place; if another process got there first, its copy is as good as ours. */
async function publish(tempDir: string, finalDir: string): Promise<void> {
  try {
    await fs.promises.rename(tempDir, finalDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const lostRace =
      (code === 'ENOTEMPTY' || code === 'EEXIST') && isExecutable(path.join(finalDir, WRAPPER_NAME));
    if (!lostRace) throw err;
  }
}
