// Splits a run into lanes of about equal length (`--shard=i/n`): each file's time from the committed baseline, the
// longest first to the lane with the least so far. Jest's own split cuts a hash-sorted list into equal counts, which
// put the three longest files in one lane. A file missing from the baseline counts as its project's median.
const Sequencer = require('@jest/test-sequencer').default;
const { BASELINE, read, relative } = require('./test-times');

class BalancedSequencer extends Sequencer {
  shard(tests, { shardIndex, shardCount }) {
    const baseline = read(BASELINE);
    const byProject = {};
    for (const [file, seconds] of Object.entries(baseline)) {
      const project = file.split('/')[1] === 'unit' ? 'unit' : 'other';
      (byProject[project] ??= []).push(seconds);
    }
    const median = (values = [1]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const estimate = (test) => {
      const file = relative(test.path);
      return baseline[file] ?? median(byProject[file.split('/')[1] === 'unit' ? 'unit' : 'other']);
    };
    // Sorted by time, then by path, so that every lane computes the same split.
    const ordered = tests
      .map((test) => ({
        test,
        seconds: estimate(test),
        key: `${test.context.config.displayName?.name}:${test.path}`,
      }))
      .sort((a, b) => b.seconds - a.seconds || (a.key < b.key ? -1 : 1));
    const load = new Array(shardCount).fill(0);
    const mine = [];
    for (const { test, seconds } of ordered) {
      const lane = load.indexOf(Math.min(...load));
      load[lane] += seconds;
      if (lane === shardIndex - 1) mine.push(test);
    }
    return mine;
  }
}

module.exports = BalancedSequencer;
