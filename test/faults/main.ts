/**
 * `npm run test:faults` (the full form; FAULTS_LONG=1 for the long one) and, with `--bounded`, the form that
 * `npm test` runs through test/faults/faults.spec.ts. Prints the invariants table; exits 1 if any is violated.
 * `--report FILE` also writes the report as JSON. FAULTS_KEEP=1 keeps the run's folder (logs, mail, data).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register test/faults/main.ts [--bounded] [--report FILE]
 */
import * as fs from 'node:fs';
import { formatTable } from './invariants';
import { PLANS, type FaultPlan } from './plan';
import { runFaultSuite, toleranceFor } from './runner';

async function main(args: string[]): Promise<number> {
  const plan: FaultPlan = args.includes('--bounded')
    ? PLANS.bounded
    : process.env.FAULTS_LONG === '1'
      ? PLANS.long
      : PLANS.full;
  const reportAt = args.indexOf('--report');
  const say = (line: string) =>
    process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  say(
    `${plan.name}: ${plan.notices} notices over ${plan.submitSpanMs / 1000} s, ${plan.rounds} round(s) of faults, ` +
      `PostgreSQL down ${plan.postgresOutageMs / 1000} s, timer tolerance ${toleranceFor(plan) / 1000} s`,
  );
  const report = await runFaultSuite(plan, say, { keep: process.env.FAULTS_KEEP === '1' });
  const lines = [
    '',
    `Fault run (${plan.name}): ${report.ok ? 'all invariants hold' : 'INVARIANTS VIOLATED'} ` +
      `in ${(report.durationMs / 1000).toFixed(0)} s`,
    '',
    ...report.faults.map(
      (f) =>
        `  +${(f.atMs / 1000).toFixed(0).padStart(4)} s  ${f.fault}: ${f.note} (${(f.tookMs / 1000).toFixed(1)} s)`,
    ),
    '',
    formatTable(report.checks),
    ...(report.dir ? ['', `Logs, mail and data kept in ${report.dir}`] : []),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (reportAt >= 0) fs.writeFileSync(args[reportAt + 1], JSON.stringify(report, null, 2));
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(
      `the fault run could not complete: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(2);
  },
);
