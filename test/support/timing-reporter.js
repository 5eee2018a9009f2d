// Prints each project's total and the slowest files at the end of a run, and keeps every file's time in
// .cache/test-times.json (merged with other lanes' files), from which `npm run test:times` refreshes the baseline.
const fs = require('node:fs');
const path = require('node:path');
const { LAST_RUN, read, relative } = require('./test-times');

const SLOWEST = 15;

class TimingReporter {
  onRunComplete(_contexts, results) {
    const rows = results.testResults
      .filter((r) => !r.skipped && r.perfStats.end > 0)
      .map((r) => ({
        file: relative(r.testFilePath),
        project: r.displayName?.name ?? '',
        seconds: Math.round((r.perfStats.end - r.perfStats.start) / 100) / 10,
      }));
    if (rows.length < 2) return;
    const totals = {};
    for (const row of rows) totals[row.project] = (totals[row.project] ?? 0) + row.seconds;
    const lines = Object.entries(totals).map(([p, s]) => `  ${p.padEnd(12)} ${s.toFixed(0).padStart(6)} s`);
    const slowest = [...rows].sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST);
    lines.push(
      `  slowest files:`,
      ...slowest.map((r) => `  ${r.seconds.toFixed(1).padStart(7)} s  ${r.file}`),
    );
    process.stderr.write(`\nTest time per project (file times summed):\n${lines.join('\n')}\n`);
    const kept = read(LAST_RUN);
    for (const row of rows) kept[row.file] = row.seconds;
    fs.mkdirSync(path.dirname(LAST_RUN), { recursive: true });
    fs.writeFileSync(LAST_RUN, `${JSON.stringify(kept, null, 2)}\n`);
  }
}

module.exports = TimingReporter;
