import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { writeLocalStack } from '@takedown/config';
import { runMigrations } from '@takedown/persistence';
import { nodeArgs } from '../support/child-build';
import { testEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI_PREFIX = /^npm run (?:-s )?takedown -- /;

interface Example {
  /** The line as the README has it, comment included. */
  line: string;
  /** The shell command without its comment. */
  command: string;
  /** `exits N` in the line's comment, else 0. */
  exitCode: number;
}

/** Every `npm run takedown -- …` line of the README's `sh` blocks: the examples it says work as they are. */
function readmeExamples(): Example[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => CLI_PREFIX.test(line))
    .map((line) => {
      const hash = line.indexOf(' #');
      const comment = hash < 0 ? '' : line.slice(hash);
      return {
        line: line.trim(),
        command: (hash < 0 ? line : line.slice(0, hash)).trim(),
        exitCode: Number(/\bexits (\d+)/.exec(comment)?.[1] ?? 0),
      };
    });
}

/**
 * What each command says when it did its work: a README line whose command is not listed here fails the test, so a
 * new example is checked for more than its exit code.
 */
const SAYS: [RegExp, RegExp][] = [
  [/^import inventory /, /^\d+ rows: \d+ created, \d+ updated, \d+ unchanged, 0 rejected$/m],
  [/^ingest-mail\b/, /kept for the abuse desk as raw message [0-9a-f-]{36}|notice [0-9a-f-]{36}/],
  [/^import feed /, /^\d+ lines: [1-9]\d* notices created[\s\S]*^line \d+ \[\w+\]: /m],
  [/^migrate\b/, /^the schema is up to date$|^applied /im],
  [/^audit verify\b/, /^audit trail intact: [1-9]\d* rows/m],
  [/^retention run --dry-run\b/, /^DRY RUN, nothing changed: would anonymise /m],
  [/^policy list\b/, /^default \(in force: version \d+\)$/m],
  [/^policy show default\b/, /"id": "default",[\s\S]*"categories": \{/],
  [/^policy set default\b/, /^policy default version \d+ stored, in effect from /m],
];

/**
 * The README's CLI examples, word for word, against a started stack: each line runs in a shell as the README
 * prints it, `npm run takedown --` standing for the compiled CLI that script runs once the build is current
 * (`node dist/apps/cli/src/main.js`; here this run's build, so no line waits for a rebuild). As after `npm start`,
 * the CLI is given no connection variables: it must find the stack in `<TAKEDOWN_DATA_DIR>/stack.json`.
 */
describe('README CLI examples', () => {
  const examples = readmeExamples();
  const env = testEnv();
  const name = `readme_cli_${randomBytes(4).toString('hex')}`;
  const databaseUrl = env.DATABASE_URL.replace(/\/[^/]+$/, `/${name}`);
  let work: string;
  let admin: Client;
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // A database of its own, migrated as `npm start` leaves it: the examples import, ingest and set a policy.
    admin = new Client({ connectionString: env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await runMigrations(databaseUrl);

    // The examples name files from the repository's root and write files of their own (`> default.json`).
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-cli-'));
    fs.symlinkSync(path.join(ROOT, 'test'), path.join(work, 'test'), 'dir');
    const dataDir = path.join(work, '.data');
    fs.mkdirSync(dataDir);
    // What apps/dev/src/main.ts writes, with this (living) process standing for `npm start`.
    writeLocalStack(dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      apiUrl: 'http://127.0.0.1:9',
      env: {
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
        SMTP_URL: env.SMTP_URL,
        // The development default of apps/dev/src/main.ts: the samples' senders.
        INBOUND_MAIL_SOURCES:
          'provider|Mailbox Example|@mailbox.example;hotline|Example Hotline|ntd@hotline.example',
      },
    });
    // The operator's shell sets none of the stack's variables: the CLI must take them from stack.json.
    const unset = [
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'SMTP_URL',
      'INBOUND_MAIL_SOURCES',
      'MAIL_CAPTURE_DIR',
    ];
    cliEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !unset.includes(key))),
      // An operator's shell, not jest's.
      NODE_ENV: 'development',
      TAKEDOWN_DATA_DIR: dataDir,
      // Nothing works this queue: the workflows the examples start only have to start.
      TEMPORAL_TASK_QUEUE: `readme-cli-${randomUUID()}`,
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('finds the examples in the README, and `npm run takedown` runs the compiled CLI', () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.takedown).toMatch(/&& node dist\/apps\/cli\/src\/main\.js$/);
    expect(examples.length).toBeGreaterThanOrEqual(9);
    expect(examples.map((e) => e.command)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('import inventory'),
        expect.stringContaining('ingest-mail <'),
        expect.stringContaining('policy set'),
      ]),
    );
  });

  // In the README's order (a line may use what an earlier one made: `policy set` the file `policy show` wrote).
  it.each(examples.map((e) => [e.line, e] as const))('%s', async (_line, example) => {
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(nodeArgs('apps/cli/src/main.ts')[0])} `;
    const args = example.command.replace(CLI_PREFIX, '');
    const says = SAYS.find(([command]) => command.test(args));
    const result = await shell(example.command.replace(CLI_PREFIX, cli), work, cliEnv);
    const written = /> (\S+)$/.exec(args)?.[1];
    const output =
      result.stdout + result.stderr + (written ? fs.readFileSync(path.join(work, written), 'utf8') : '');
    // On a failure, what it printed.
    const seen = { code: result.code, says: says ? says[1].test(output) : 'no SAYS entry' };
    expect(seen.code === example.exitCode && seen.says === true ? seen : { ...seen, output }).toEqual({
      code: example.exitCode,
      says: true,
    });
    // The stack was found on its own, and the CLI said so.
    expect(result.stderr).toContain('using the local stack of npm start');
  });
});

/** Runs one line with `sh`, as a terminal would; resolves with its exit code whatever it is. */
function shell(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd, env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
