import { DataSource } from 'typeorm';
import {
  cliActor,
  dataSourceOptions,
  runRetention,
  RETENTION_TABLES,
  type RetentionReport,
} from '@takedown/persistence';
import { loadEnvOrExit, resolveUrlHashKeys } from '@takedown/config';
import { RETENTION_USAGE } from '../usage';

/** sysexits.h: 0 done, 64 usage, 78 configuration missing. */
const EXIT = { ok: 0, usage: 64, config: 78 } as const;

/**
 * `takedown retention run`: anonymises closed notices older than RETENTION_DAYS (per category:
 * RETENTION_DAYS_BY_CATEGORY) and unprocessable mail older than RETENTION_DAYS (docs/retention.md). `--dry-run`
 * prints the same counts and changes nothing. Meant to run daily (cron or a systemd timer); a second run the same day
 * changes nothing.
 */
export async function retentionCommand(
  args: string[],
  say = (line: string) => process.stdout.write(`${line}\n`),
  complain = (line: string) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const flags = new Set(args);
  if (args[0] !== 'run' || [...flags].some((f) => !['run', '--dry-run', '--json'].includes(f))) {
    complain(`usage: takedown ${RETENTION_USAGE}`);
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
    const report = await runRetention(
      db,
      {
        days: env.RETENTION_DAYS,
        byCategory: env.RETENTION_DAYS_BY_CATEGORY,
        urlHashKey: resolveUrlHashKeys(env)[0],
      },
      { dryRun: flags.has('--dry-run'), actor: cliActor('retention run') },
    );
    say(flags.has('--json') ? JSON.stringify(report, null, 2) : describe(report));
    return EXIT.ok;
  } finally {
    await db.destroy();
  }
}

function describe(r: RetentionReport): string {
  const exceptions = Object.entries(r.policy.byCategory).map(([c, d]) => `${c} ${d} days`);
  const width = Math.max(...RETENTION_TABLES.map((t) => t.length));
  return [
    `${r.dryRun ? 'DRY RUN, nothing changed: would anonymise' : 'anonymised'} closed notices older than ` +
      `${r.policy.days} days${exceptions.length ? ` (${exceptions.join(', ')})` : ''}, as of ${r.now}`,
    ...RETENTION_TABLES.map((t) => `  ${t.padEnd(width)}  ${r.rows[t]} rows`),
    ...(r.examples.notices.length ? [`  notices, for example: ${r.examples.notices.join(', ')}`] : []),
    ...(r.examples.rawMessages.length
      ? [`  raw messages, for example: ${r.examples.rawMessages.join(', ')}`]
      : []),
  ].join('\n');
}
