import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowSource } from '@takedown/worker/workflow-bundle';

/**
 * Histories recorded from real runs (binary protobuf, written by `RECORD_HISTORIES=1 npx jest test/workflows/notice-branches --selectProjects integration`) must replay
 * against the current workflow code: a change that would break running notices fails here, and has to go behind
 * `patched()`.
 */
describe('replay of saved notice histories', () => {
  const dir = path.join(__dirname, 'histories');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.binpb'));

  it('has saved histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it('replays every saved history without a non-determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.binpb'),
      history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(dir, file))),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories(workflowSource(), histories)) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual(
      histories.map((h) => [h.workflowId, null]),
    );
  });
});
