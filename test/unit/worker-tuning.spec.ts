import { loadEnv } from '@takedown/config';
import { DEFAULT_MAX_CACHED_WORKFLOWS, workerTuning } from '@takedown/worker/worker-settings';

/** The worker's memory is bounded by its workflow cache, not by the number of open notices (docs/scaling.md). */
describe('worker tuning', () => {
  it('bounds the workflow cache by default and leaves concurrency to the SDK', () => {
    expect(workerTuning(loadEnv({}))).toEqual({ maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS });
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBe(1000);
  });

  it('takes the cache size and concurrency limits from the environment', () => {
    const env = loadEnv({
      WORKER_MAX_CACHED_WORKFLOWS: '250',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
    });
    expect(workerTuning(env)).toEqual({
      maxCachedWorkflows: 250,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxConcurrentActivityTaskExecutions: 50,
    });
  });

  it('refuses a concurrency the SDK cannot run, naming the variable', () => {
    expect(() => loadEnv({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toThrow(
      /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/,
    );
    expect(() => loadEnv({ WORKER_MAX_CACHED_WORKFLOWS: 'many' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });
});
