import * as fs from 'node:fs';
import { DataSource } from 'typeorm';
import { loadEnvOrExit } from '@takedown/config';
import {
  dataSourceOptions,
  parseAuditHeads,
  verifyAuditChain,
  verifyAuditHeads,
  type SignedAuditHead,
} from '@takedown/persistence';

/** sysexits.h: 0 intact, 64 usage, 65 the data is not what it should be, 78 configuration missing. */
const EXIT = { ok: 0, usage: 64, dataError: 65, config: 78 } as const;

/**
 * `takedown audit verify [--heads FILE]`: recomputes the audit trail's hash chain from the stored rows (see
 * docs/audit.md) and names the first row that breaks it; with the heads the API exported (AUDIT_HEAD_FILE), checks
 * each against AUDIT_HEAD_KEY and the chain, which is what holds against the database's owner. Read-only.
 */
export async function auditCommand(
  args: string[],
  say = (line: string) => process.stdout.write(`${line}\n`),
  complain = (line: string) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const headsFile = args.length === 3 && args[1] === '--heads' ? args[2] : undefined;
  if (args[0] !== 'verify' || (args.length !== 1 && !headsFile)) {
    complain('usage: takedown audit verify [--heads FILE]');
    return EXIT.usage;
  }
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL) {
    complain(
      'DATABASE_URL must be set (the PostgreSQL that Takedown uses), or the local stack running (npm start).',
    );
    return EXIT.config;
  }
  if (headsFile && !env.AUDIT_HEAD_KEY) {
    complain('AUDIT_HEAD_KEY must be set to check signed heads.');
    return EXIT.config;
  }
  let heads: SignedAuditHead[] = [];
  if (headsFile) {
    try {
      heads = parseAuditHeads(fs.readFileSync(headsFile, 'utf8'));
    } catch (err) {
      complain(`${headsFile}: ${(err as Error).message}`);
      return EXIT.dataError;
    }
  }
  const db = await new DataSource(dataSourceOptions(env.DATABASE_URL, { logging: ['error'] })).initialize();
  try {
    const result = await verifyAuditChain(db);
    if (result.ok && env.AUDIT_HEAD_KEY && headsFile) {
      const signed = await verifyAuditHeads(db, env.AUDIT_HEAD_KEY, heads);
      if (!signed.ok) {
        complain(`audit trail BROKEN: ${signed.problem}`);
        return EXIT.dataError;
      }
      say(`${signed.heads} signed heads hold`);
    }
    if (result.ok) {
      say(
        result.rows
          ? `audit trail intact: ${result.rows} rows, last row ${result.lastId}, head ${result.head}`
          : 'audit trail intact: 0 rows',
      );
      return EXIT.ok;
    }
    const b = result.broken;
    complain(`audit trail BROKEN at row ${b.id} (${result.rows} rows before it verify)`);
    complain(`  ${b.problem}`);
    complain(`  ${b.field}: expected ${b.expected}, found ${b.actual}`);
    return EXIT.dataError;
  } finally {
    await db.destroy();
  }
}
