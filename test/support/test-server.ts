import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The Temporal time-skipping test server, from Maven rather than from the SDK's auto-download (which cannot reach its
 * download host here). `ensureJavaTestServer()` returns a shell script to hand to the SDK:
 *
 *   TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })
 *
 * sdk-core starts that path as `<path> <port> [extraArgs...]`, gives it 5 s to answer gRPC on 127.0.0.1:<port>, and
 * stops it with SIGKILL on teardown. The script therefore `exec`s java (so the PID the SDK kills is the JVM itself) and
 * passes its arguments straight to `io.temporal.testserver.TestServer <port> [--enable-time-skipping]`.
 */

export interface EnsureJavaTestServerOptions {
  /** Where resolved servers are kept; defaults to $TAKEDOWN_CACHE_DIR, then ~/.cache/takedown. */
  cacheDir?: string;
  /** Receives Maven's output, line by line, while a server is being resolved. */
  log?: (line: string) => void;
}

const MAIN_CLASS = 'io.temporal.testserver.TestServer';
const WRAPPER_NAME = 'temporal-test-server';
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
  const root = cacheRoot(opts.cacheDir);
  const finalDir = path.join(root, `temporal-test-server-${version}`);
  const wrapper = path.join(finalDir, WRAPPER_NAME);
  if (isExecutable(wrapper)) return wrapper;

  requireOnPath('mvn', 'Apache Maven 3 (e.g. `apt-get install maven`)');
  log(`resolving the Temporal Java test server ${version} with Maven into ${finalDir}`);
  await fs.promises.mkdir(root, { recursive: true });
  // Build in a private temp dir beside the final one (same filesystem, so the rename is atomic). A directory that
  // exists under the final name is therefore always complete, whoever made it.
  const tempDir = await fs.promises.mkdtemp(path.join(root, `.temporal-test-server-${version}-`));
  try {
    await resolveWithMaven(pom, path.join(tempDir, 'lib'), log);
    await writeWrapper(path.join(tempDir, WRAPPER_NAME), version);
    await fs.promises.chmod(tempDir, 0o755); // mkdtemp makes it 0700; the published dir should look like any other
    await publish(tempDir, finalDir);
  } finally {
    await fs.promises.rm(tempDir, { recursive: true, force: true });
  }
  return wrapper;
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
  const script = [
    '#!/bin/sh',
    `# Temporal Java time-skipping test server ${version}, written by test/support/test-server.ts.`,
    '# Usage: temporal-test-server <port> [--enable-time-skipping]',
    'dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1',
    `exec java $TAKEDOWN_TEST_SERVER_JAVA_OPTS -cp "$dir/lib/*" ${MAIN_CLASS} "$@"`,
    '',
  ].join('\n');
  await fs.promises.writeFile(file, script, { mode: 0o755 });
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
