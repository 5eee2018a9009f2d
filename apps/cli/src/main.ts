import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { DataSource } from 'typeorm';
import { loadEnvOrExit } from '@takedown/config';
import { DomainError } from '@takedown/domain';
import {
  dataSourceOptions,
  importInventory,
  inventoryCsvRecords,
  runMigrations,
  type InventoryRecord,
  type InventoryReport,
} from '@takedown/persistence';

/** Exit codes from sysexits.h, so that scripts can tell a usage error from bad data or a missing file. */
const EXIT = { ok: 0, rowsRejected: 2, usage: 64, dataError: 65, noInput: 66, config: 78 } as const;

/**
 * `npm run takedown -- <command>`. A command is matched by its leading words; adding one (`migrate`,
 * `token create`, `audit verify`) is adding an entry here.
 */
interface Command {
  words: string[];
  usage: string;
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
    words: ['migrate'],
    usage: 'migrate',
    summary:
      'Bring the database named by DATABASE_URL to the latest schema (what `npm start` does at every start).',
    run: migrateCommand,
  },
];

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS.find((c) => c.words.every((word, i) => argv[i] === word));
  if (!command || argv.includes('--help')) {
    process.stderr.write(usage());
    return command ? EXIT.ok : EXIT.usage;
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
    process.stderr.write('DATABASE_URL must be set (the PostgreSQL that Takedown uses).\n');
    return EXIT.config;
  }
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
    process.stderr.write('DATABASE_URL must be set (the PostgreSQL that Takedown uses).\n');
    return EXIT.config;
  }
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
        `  row ${x.row}${x.reference ? ` (${x.reference})` : ''}${x.field ? ` ${x.field}` : ''}: ${x.reason}`,
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
