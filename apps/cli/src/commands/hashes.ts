import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { parseHashLine, type ListedHash } from '@takedown/intake';
import {
  appendAudit,
  cliActor,
  dataSourceOptions,
  flagListedNotices,
  storeListedHashes,
} from '@takedown/persistence';
import { loadEnvOrExit } from '@takedown/config';
import { HASHES_USAGE } from '../usage';

/** sysexits.h: 0 done, 2 some lines rejected, 64 usage, 66 no such file, 78 configuration missing. */
const EXIT = { ok: 0, linesRejected: 2, usage: 64, noInput: 66, config: 78 } as const;

/** Digests stored per statement: a hotline's list may hold millions. */
const CHUNK = 5_000;

export interface HashImportReport {
  list: string;
  lines: number;
  listed: number;
  known: number;
  rejected: number;
  rejects: { line: number; problem: string }[];
  /** Notices flagged by this import (not those an earlier import flagged). */
  flagged: number;
}

/**
 * `takedown import hashes FILE`: a hash list (one MD5, SHA-1 or SHA-256 digest a line, as a hotline exports it or
 * `sha256sum` writes it) is stored, and every notice with a reported hash on it is flagged (`hashListed`, a
 * `hash_listed` event). Streamed; a bad line is named and the others taken; importing again changes nothing.
 */
export async function hashesCommand(
  args: string[],
  say = (line: string) => process.stdout.write(`${line}\n`),
  complain = (line: string) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let values: { list?: string; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: { list: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch {
    complain(`usage: takedown ${HASHES_USAGE}`);
    return EXIT.usage;
  }
  if (positionals.length !== 1) {
    complain(`usage: takedown ${HASHES_USAGE}`);
    return EXIT.usage;
  }
  const file = path.resolve(positionals[0]);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    complain(`no such file: ${file}`);
    return EXIT.noInput;
  }
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL) {
    complain(
      'DATABASE_URL must be set (the PostgreSQL that Takedown uses), or the local stack running (npm start).',
    );
    return EXIT.config;
  }
  const list = values.list ?? path.basename(file);
  const db = await new DataSource(dataSourceOptions(env.DATABASE_URL, { logging: ['error'] })).initialize();
  try {
    const report: HashImportReport = {
      list,
      lines: 0,
      listed: 0,
      known: 0,
      rejected: 0,
      rejects: [],
      flagged: 0,
    };
    let batch: ListedHash[] = [];
    const flush = async () => {
      const stored = await storeListedHashes(db, list, batch);
      report.listed += stored;
      report.known += batch.length - stored;
      batch = [];
    };
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      report.lines++;
      const parsed = parseHashLine(line);
      if (parsed === null) continue;
      if ('problem' in parsed) {
        report.rejected++;
        report.rejects.push({ line: report.lines, problem: parsed.problem });
        continue;
      }
      batch.push(parsed);
      if (batch.length >= CHUNK) await flush();
    }
    await flush();
    report.flagged = (await flagListedNotices(db, 'cli:import-hashes')).length;
    await appendAudit(db, {
      actor: cliActor('import hashes'),
      action: 'hash_list.import',
      summary: {
        list,
        listed: report.listed,
        known: report.known,
        rejected: report.rejected,
        flagged: report.flagged,
      },
    });
    say(
      values.json
        ? JSON.stringify(report, null, 2)
        : `${report.listed} digests listed, ${report.known} already listed, ${report.rejected} lines rejected; ` +
            `${report.flagged} notices flagged` +
            report.rejects.map((r) => `\nline ${r.line}: ${r.problem}`).join(''),
    );
    return report.rejected ? EXIT.linesRejected : EXIT.ok;
  } finally {
    await db.destroy();
  }
}
