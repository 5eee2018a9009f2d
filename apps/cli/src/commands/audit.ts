import { DataSource } from 'typeorm';
import { loadEnvOrExit } from '@takedown/config';
import { dataSourceOptions, verifyAuditChain } from '@takedown/persistence';

/** sysexits.h: 0 intact, 64 usage, 65 the data is not what it should be, 78 configuration missing. */
const EXIT = { ok: 0, usage: 64, dataError: 65, config: 78 } as const;

/**
 * `takedown audit verify`: recomputes the audit trail's hash chain from the stored rows (see docs/audit.md) and
 * names the first row that breaks it. Read-only; safe to run against a live database.
 */
export async function auditCommand(
  args: string[],
  say = (line: string) => process.stdout.write(`${line}\n`),
  complain = (line: string) => process.stderr.write(`${line}\n`),
): Promise<number> {
  if (args.length !== 1 || args[0] !== 'verify') {
    complain('usage: takedown audit verify');
    return EXIT.usage;
  }
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL) {
    complain(
      'DATABASE_URL must be set (the PostgreSQL that Takedown uses), or the local stack running (npm start).',
    );
    return EXIT.config;
  }
  const db = await new DataSource(dataSourceOptions(env.DATABASE_URL, { logging: ['error'] })).initialize();
  try {
    const result = await verifyAuditChain(db);
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
