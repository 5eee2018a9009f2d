// Shared by the balanced sequencer and the timing reporter: where each test file's last measured time is kept.
// Plain CommonJS: jest loads sequencers and reporters without transforming them.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
/** The committed baseline that decides the shards, so that every lane of a run computes the same split. */
const BASELINE = path.join(__dirname, 'test-times.json');
/** The last run's measurements (not committed), from which the baseline is refreshed: `npm run test:times`. */
const LAST_RUN = path.join(ROOT, '.cache', 'test-times.json');

function relative(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

function read(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

module.exports = { BASELINE, LAST_RUN, relative, read };

// `npm run test:times`: the last run's times of the sharded projects (unit and integration) become the baseline; a
// file the last run did not reach (a lane stopped early) keeps its time from before.
if (require.main === module) {
  const last = { ...read(BASELINE), ...read(LAST_RUN) };
  const sharded = Object.entries(last)
    .filter(([file]) => !/^test\/(faults|benches)\//.test(file) && fs.existsSync(path.join(ROOT, file)))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  if (sharded.length === 0) throw new Error(`no times in ${LAST_RUN}: run the tests first`);
  fs.writeFileSync(BASELINE, `${JSON.stringify(Object.fromEntries(sharded), null, 2)}\n`);
  process.stdout.write(`${sharded.length} files' times written to ${relative(BASELINE)}\n`);
}
