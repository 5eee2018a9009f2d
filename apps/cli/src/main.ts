import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { InventoryRecord, InventoryReport } from '@takedown/persistence';
import { loadEnvOrExit, withLocalStack } from '@takedown/config';
import { DomainError, SOURCE_KINDS, type SourceKind } from '@takedown/domain';
import { HASHES_USAGE, POLICY_USAGE, RETENTION_USAGE, TOKEN_USAGE, VERIFY_REPORT_USAGE } from './usage';

// What a command needs (TypeORM and the entities, the intake, the report signer, the progress bar) is loaded when it
// runs, not for every start: `takedown --help` and a usage error need none of it, and each command only its own.
const commands = {
  audit: () => import('./commands/audit'),
  hashes: () => import('./commands/hashes'),
  policy: () => import('./commands/policy'),
  retention: () => import('./commands/retention'),
  token: () => import('./commands/token'),
  verifyReport: () => import('./commands/verify-report'),
};

/** Exit codes from sysexits.h, so that scripts can tell a usage error from bad data or a missing file. */
const EXIT = { ok: 0, rowsRejected: 2, usage: 64, dataError: 65, noInput: 66, config: 78 } as const;

/**
 * `npm run takedown -- <command>`. A command is matched by its leading words; adding one (`migrate`,
 * `token create`, `audit verify`) is adding an entry here.
 */
interface Command {
  words: string[];
  usage: string;
  /** Reads no database, Temporal or mail: the local stack's settings are not looked for. */
  offline?: boolean;
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Command[] = [
  {
    words: ['import', 'inventory'],
    usage: 'import inventory FILE [--json]',
    summary:
      'Import customers and prefixes from a CSV or .json file (idempotent; bad rows are reported, good ones kept). ' +
      'Exits 2 when some rows were rejected. --json prints the report as JSON.',
    run: importInventoryCommand,
  },
  {
    words: ['import', 'feed'],
    usage: 'import feed FILE [--source NAME] [--kind KIND] [--json]',
    summary:
      'Import a CSV feed of IP-based abuse (timestamp, ip, port, protocol, type, asn, tag; times in UTC), streamed: ' +
      'the lines of one address, category and customer within the policy’s aggregation window (a day) are one ' +
      'notice with an occurrence count. Importing again changes nothing. --source names the reporter (default ' +
      '"Scan feed"), --kind its notifier kind (default public). Exits 2 when some lines were rejected.',
    run: importFeedCommand,
  },
  {
    words: ['import', 'hashes'],
    usage: HASHES_USAGE,
    summary:
      'Import a hash list (one MD5, SHA-1 or SHA-256 digest a line, as a hotline exports it or sha256sum writes it; ' +
      '--list names it, default the file name) and flag every notice whose reported hash is on it (hashListed). ' +
      'Importing again changes nothing. Exits 2 when some lines were rejected.',
    run: async (args) => (await commands.hashes()).hashesCommand(args),
  },
  {
    words: ['verify-report'],
    usage: VERIFY_REPORT_USAGE,
    offline: true,
    summary:
      'Check a termination report snapshot, its .json or its .pdf, against its Ed25519 signature with the public ' +
      'keys (--keys: a JWKS file or the URL of /.well-known/takedown-keys); with --api (and --token or ' +
      'TAKEDOWN_API_TOKEN) also against the snapshot the API stores, naming the fields that differ. Without keys, ' +
      'a JSON is checked against its SHA-256 digest only. Exits 0 when it holds up, 65 when the file was changed.',
    run: async (args) => (await commands.verifyReport()).verifyReportCommand(args),
  },
  {
    words: ['migrate'],
    usage: 'migrate',
    summary:
      'Bring the database named by DATABASE_URL to the latest schema (what `npm start` does at every start).',
    run: migrateCommand,
  },
  {
    words: ['audit', 'verify'],
    usage: 'audit verify [--heads FILE]',
    summary:
      'Recompute the audit trail’s SHA-256 chain from the stored rows (docs/audit.md). Exits 0 with the row count ' +
      'when it is intact, 65 naming the first broken row (its id and what differs) when not. --heads FILE: the ' +
      'heads the API exported (AUDIT_HEAD_FILE), checked against AUDIT_HEAD_KEY and the chain.',
    run: async (args) => (await commands.audit()).auditCommand(['verify', ...args]),
  },
  {
    words: ['token', 'create'],
    usage: TOKEN_USAGE.create,
    summary:
      'Create an API token (roles: docs/auth.md) and print it once: only its hash is kept. An account_manager token ' +
      'sees that manager’s customers; a source token submits and reads as that source only.',
    run: async (args) => (await commands.token()).tokenCommand('create', args),
  },
  {
    words: ['token', 'list'],
    usage: TOKEN_USAGE.list,
    summary:
      'List the API tokens: role and scope, active/expired/revoked, expiry, last use. Never the tokens.',
    run: async (args) => (await commands.token()).tokenCommand('list', args),
  },
  {
    words: ['token', 'revoke'],
    usage: TOKEN_USAGE.revoke,
    summary: 'Revoke an API token at once (by the id `token list` shows). Exits 65 for an unknown id.',
    run: async (args) => (await commands.token()).tokenCommand('revoke', args),
  },
  {
    words: ['policy', 'list'],
    usage: POLICY_USAGE.list,
    summary:
      'List the timer policy profiles: each version, when it takes effect, who made it, and the one in force now.',
    run: async (args) => (await commands.policy()).policyCommand('list', args),
  },
  {
    words: ['policy', 'show'],
    usage: POLICY_USAGE.show,
    summary:
      'Print a policy version as JSON: the one in force now, or --version N (current: the one in force now). ' +
      'Exits 65 for an unknown id or version.',
    run: async (args) => (await commands.policy()).policyCommand('show', args),
  },
  {
    words: ['policy', 'set'],
    usage: POLICY_USAGE.set,
    summary:
      'Add the next version of a policy profile from a JSON file (as `policy show` prints it, or its categories ' +
      'alone), in effect from --effective-from (default now); notices received before keep theirs. Checked as ' +
      'POST /v1/policies is; exits 65 naming every problem, nothing stored. Audited.',
    run: async (args) => (await commands.policy()).policyCommand('set', args),
  },
  {
    words: ['retention', 'run'],
    usage: RETENTION_USAGE,
    summary:
      'Anonymise closed notices older than RETENTION_DAYS (RETENTION_DAYS_BY_CATEGORY) and old unprocessable mail: ' +
      'URLs to host + hash, reporter contact and mail text removed; counts, timings and evidence kept ' +
      '(docs/retention.md). Prints rows per table; --dry-run changes nothing. Run it daily.',
    run: async (args) => (await commands.retention()).retentionCommand(['run', ...args]),
  },
  {
    words: ['ingest-mail'],
    usage: 'ingest-mail [--sender ADDRESS] [--client-ip IP] < message.eml',
    summary:
      'Take one email from standard input (for an MTA pipe) as a notice: X-ARF, ARF or plain mail from a sender of ' +
      'INBOUND_MAIL_SOURCES with an aligned DKIM signature (--client-ip: the SMTP client, for sources with IP ' +
      'ranges). Exits 0 when taken or kept for the desk, 75 (try again) when the database, Temporal or DNS is ' +
      'down, 65 when the message is too large.',
    run: ingestMailCommand,
  },
];

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS.find((c) => c.words.every((word, i) => argv[i] === word));
  if (!command || argv.includes('--help')) {
    process.stderr.write(usage());
    // `takedown --help` (what the start log suggests) asked for this; anything else unknown is a usage error.
    return command || (argv.length === 1 && argv[0] === '--help') ? EXIT.ok : EXIT.usage;
  }
  if (!command.offline) {
    // Unset connection settings come from the stack `npm start` runs, and the operator is told which one it is.
    const { env, note } = withLocalStack(process.env);
    Object.assign(process.env, env);
    if (note) process.stderr.write(`takedown: ${note}\n`);
  }
  return command.run(argv.slice(command.words.length));
}

function usage(): string {
  const lines = COMMANDS.map((c) => `  takedown ${c.usage}\n      ${c.summary}`);
  return `Usage:\n${lines.join('\n')}\n`;
}

async function migrateCommand(): Promise<number> {
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL) {
    process.stderr.write(
      'DATABASE_URL must be set (the PostgreSQL that Takedown uses), or the local stack running (npm start).\n',
    );
    return EXIT.config;
  }
  const { runMigrations } = await import('@takedown/persistence');
  const applied = await runMigrations(env.DATABASE_URL);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n');
  return EXIT.ok;
}

async function importInventoryCommand(args: string[]): Promise<number> {
  const asJson = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length !== 1) {
    process.stderr.write(usage());
    return EXIT.usage;
  }
  const file = path.resolve(files[0]);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    process.stderr.write(`no such file: ${file}\n`);
    return EXIT.noInput;
  }
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL) {
    process.stderr.write(
      'DATABASE_URL must be set (the PostgreSQL that Takedown uses), or the local stack running (npm start).\n',
    );
    return EXIT.config;
  }
  const { DataSource } = await import('typeorm');
  const { appendAudit, cliActor, dataSourceOptions, importInventory, inventoryCsvRecords } =
    await import('@takedown/persistence');
  const { Presets, SingleBar } = await import('cli-progress');
  const db = await new DataSource(dataSourceOptions(env.DATABASE_URL, { logging: ['error'] })).initialize();
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: 'import |{bar}| {percentage}% | {rows} rows, {rejected} rejected | ETA {eta}s',
    },
    Presets.shades_classic,
  );
  try {
    let report: InventoryReport;
    if (file.endsWith('.json')) {
      const records = parseJson(fs.readFileSync(file, 'utf8'));
      bar.start(records.length, 0, { rows: 0, rejected: 0 });
      report = await importInventory(db, records, (r) =>
        bar.update(r.rows, { rows: r.rows, rejected: r.rejected }),
      );
    } else {
      // Progress by bytes read: the number of rows of a large CSV is not known before reading it.
      const stream = fs.createReadStream(file);
      let bytes = 0;
      stream.on('data', (chunk) => (bytes += chunk.length));
      bar.start(fs.statSync(file).size, 0, { rows: 0, rejected: 0 });
      report = await importInventory(db, inventoryCsvRecords(stream), (r) =>
        bar.update(bytes, { rows: r.rows, rejected: r.rejected }),
      );
      bar.update(bytes);
    }
    bar.stop();
    // One row for the whole run: per-row rows would make the trail of a million-row import a million rows long.
    await appendAudit(db, {
      actor: cliActor('import inventory'),
      action: 'customer.import',
      summary: {
        file: path.basename(file),
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: report.rejected,
      },
    });
    process.stdout.write(asJson ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
    return report.rejected ? EXIT.rowsRejected : EXIT.ok;
  } catch (err) {
    bar.stop();
    if (!(err instanceof DomainError)) throw err;
    process.stderr.write(`${file}: ${err.message}\n`);
    return EXIT.dataError;
  } finally {
    await db.destroy();
  }
}

async function importFeedCommand(args: string[]): Promise<number> {
  let values: { source?: string; kind?: string; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { source: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch {
    process.stderr.write(usage());
    return EXIT.usage;
  }
  const kind = values.kind ?? 'public';
  if (positionals.length !== 1 || !(SOURCE_KINDS as readonly string[]).includes(kind)) {
    process.stderr.write(usage());
    return EXIT.usage;
  }
  const file = path.resolve(positionals[0]);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    process.stderr.write(`no such file: ${file}\n`);
    return EXIT.noInput;
  }
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS) {
    process.stderr.write(
      'DATABASE_URL and TEMPORAL_ADDRESS must be set, or the local stack running (npm start).\n',
    );
    return EXIT.config;
  }
  const { importFeedFile } = await import('@takedown/api/intake/feed-file');
  const { FeedHeaderError } = await import('@takedown/intake');
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format:
        'import |{bar}| {percentage}% | {lines} lines: {created} notices, {joined} joined, {known} known, ' +
        '{rejected} rejected | ETA {eta}s',
    },
    Presets.shades_classic,
  );
  // Progress by bytes read (the number of lines of a large feed is not known before reading it); no `data` listener,
  // which would start the stream before the import pipes it.
  const stream = fs.createReadStream(file);
  bar.start(fs.statSync(file).size, 0, { lines: 0, created: 0, joined: 0, known: 0, rejected: 0 });
  try {
    const report = await importFeedFile(
      { ...env, DATABASE_URL: env.DATABASE_URL, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS },
      stream,
      { kind: kind as SourceKind, name: values.source ?? 'Scan feed' },
      (r) => bar.update(stream.bytesRead, { ...r }),
    );
    bar.update(stream.bytesRead);
    bar.stop();
    process.stdout.write(
      values.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : `${report.lines} lines: ${report.created} notices created, ${report.joined} lines joined one, ` +
            `${report.known} known from an earlier import, ${report.rejected} rejected\n` +
            report.rejects
              .map((r) => `line ${r.line}${r.column ? ` [${r.column}]` : ''}: ${r.problem}\n`)
              .join(''),
    );
    return report.rejected ? EXIT.rowsRejected : EXIT.ok;
  } catch (err) {
    bar.stop();
    if (!(err instanceof FeedHeaderError)) throw err;
    process.stderr.write(`${file}: ${err.message}; nothing was imported\n`);
    return EXIT.dataError;
  }
}

async function ingestMailCommand(args: string[]): Promise<number> {
  let values: { sender?: string; 'client-ip'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { sender: { type: 'string' }, 'client-ip': { type: 'string' } },
      strict: true,
    }));
  } catch {
    process.stderr.write(usage());
    return EXIT.usage;
  }
  const { ingestMailFromPipe } = await import('@takedown/api/intake/mail-pipe');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return ingestMailFromPipe(
    loadEnvOrExit(),
    Buffer.concat(chunks),
    { sender: values.sender, clientIp: values['client-ip'] },
    (line) => process.stderr.write(`${line}\n`),
  );
}

function parseJson(text: string): InventoryRecord[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new DomainError('INVENTORY.MALFORMED', `not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(body) || !body.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new DomainError('INVENTORY.MALFORMED', 'the JSON must be an array of row objects');
  }
  return body as InventoryRecord[];
}

function describe(r: InventoryReport): string {
  const lines = [
    `${r.rows} rows: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected`,
    ...r.rejections.map(
      (x) =>
        `  ${x.line === null ? `row ${x.row}` : `line ${x.line}`}${x.reference ? ` (${x.reference})` : ''}` +
        // Most reasons begin with the field's name already.
        `${x.field && !x.reason.startsWith(x.field) ? ` ${x.field}` : ''}` +
        `${x.column ? ` [column ${x.column}]` : ''}: ${x.reason}`,
    ),
  ];
  if (r.rejected > r.rejections.length) lines.push(`  … and ${r.rejected - r.rejections.length} more`);
  return `${lines.join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`takedown failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
