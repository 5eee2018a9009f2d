// Prints each project's total and the slowest files at the end of a run, and keeps every file's time in
// .cache/test-times.json (merged with other lanes' files), from which `npm run test:times` refreshes the baseline.
// Beside each file's wall time, the CPU time it cost this process and the processes it started and saw end (JVMs,
// browsers, CLIs), taken when files run in band (the lanes do): on a saturated machine the CPU, not the wall time,
// is what a faster suite must cut. The stack's servers live through the run and are not in it.
const fs = require('node:fs');
const path = require('node:path');
const { LAST_RUN, read, relative } = require('./test-times');

const SLOWEST = 15;
const TICKS_PER_SECOND = 100;

/** CPU seconds of this process and its ended children so far (Linux /proc; elsewhere this process only). */
function cpuSeconds() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14-17 of proc(5), counted from the state (field 3) here.
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / TICKS_PER_SECOND;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
}

class TimingReporter {
  constructor(globalConfig) {
    this.inBand = globalConfig.maxWorkers === 1;
    this.started = new Map();
    this.cpu = new Map();
  }

  onTestFileStart(test) {
    this.started.set(test.path, cpuSeconds());
  }

  onTestFileResult(test) {
    const start = this.started.get(test.path);
    if (start !== undefined) this.cpu.set(test.path, cpuSeconds() - start);
  }

  onRunComplete(_contexts, results) {
    const rows = results.testResults
      .filter((r) => !r.skipped && r.perfStats.end > 0)
      .map((r) => ({
        file: relative(r.testFilePath),
        project: r.displayName?.name ?? '',
        seconds: Math.round((r.perfStats.end - r.perfStats.start) / 100) / 10,
        cpu: this.inBand ? (this.cpu.get(r.testFilePath) ?? 0) : undefined,
      }));
    if (rows.length < 2) return;
    const totals = {};
    const cpuTotals = {};
    for (const row of rows) {
      totals[row.project] = (totals[row.project] ?? 0) + row.seconds;
      cpuTotals[row.project] = (cpuTotals[row.project] ?? 0) + (row.cpu ?? 0);
    }
    const cpu = (seconds) => (this.inBand ? `  ${seconds.toFixed(0).padStart(6)} s CPU` : '');
    const lines = Object.entries(totals).map(
      ([p, s]) => `  ${p.padEnd(12)} ${s.toFixed(0).padStart(6)} s${cpu(cpuTotals[p])}`,
    );
    const slowest = [...rows].sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST);
    lines.push(
      `  slowest files:`,
      ...slowest.map(
        (r) =>
          `  ${r.seconds.toFixed(1).padStart(7)} s${this.inBand ? ` ${r.cpu.toFixed(1).padStart(6)} s CPU` : ''}  ${r.file}`,
      ),
    );
    process.stderr.write(`\nTest time per project (file times summed):\n${lines.join('\n')}\n`);
    const kept = read(LAST_RUN);
    for (const row of rows) kept[row.file] = row.seconds;
    fs.mkdirSync(path.dirname(LAST_RUN), { recursive: true });
    fs.writeFileSync(LAST_RUN, `${JSON.stringify(kept, null, 2)}\n`);
  }
}

module.exports = TimingReporter;
