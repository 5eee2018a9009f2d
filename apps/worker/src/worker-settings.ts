import type { LinkKey } from '@takedown/links';

/** What the activities need from the configuration, as a class so Nest can inject it. */
export class WorkerSettings {
  constructor(
    readonly mailFrom: string,
    readonly abuseDeskEmail: string,
    readonly publicBaseUrl: string,
    /** The timer policy for customers without a contract, and for notices nobody holds the address of. */
    readonly defaultPolicyProfile: string,
    readonly abuseLeadEmail: string,
    readonly nocEmail: string,
    /** The first signs the links in emails (see @takedown/links). */
    readonly linkKeys: readonly LinkKey[],
    /** How long a link in an email stays valid. */
    readonly linkTtlMs: number,
  ) {}
}

/**
 * The worker's capacity (docs/scaling.md). The workflow cache bounds memory: a notice waits days for its timers,
 * so the cache holds only the recently active ones and the rest are replayed from history when a timer fires.
 * `npm run bench:scale` measured about 0.3 MiB of RSS per cached workflow; the SDK's default size follows the heap
 * limit (about 2,300 workflows here: 1.5 GiB), so Takedown sets its own.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 1000;

export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
}

export function workerTuning(env: {
  WORKER_MAX_CACHED_WORKFLOWS?: number;
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS?: number;
  WORKER_MAX_CONCURRENT_ACTIVITIES?: number;
}): WorkerTuning {
  const tuning: WorkerTuning = {
    maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  };
  if (env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined)
    tuning.maxConcurrentWorkflowTaskExecutions = env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  if (env.WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined)
    tuning.maxConcurrentActivityTaskExecutions = env.WORKER_MAX_CONCURRENT_ACTIVITIES;
  return tuning;
}
