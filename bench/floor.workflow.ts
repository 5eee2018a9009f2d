import { proxyActivities } from '@temporalio/workflow';

/** The floor's one activity: does nothing, and says when it ran (see bench/floor-worker.ts). */
export interface FloorActivities {
  noop(n: number): Promise<void>;
}

// The notice workflow's activity options (workflows/notice/steps.ts), so that the floor schedules what it schedules.
const { noop } = proxyActivities<FloorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/**
 * `npm run bench:e2e`'s floor: the least a workflow can do on the server (one workflow task, one activity, one
 * closing workflow task), started at the rate the notices are, so that the notices' end-to-end time has a yardstick.
 */
export async function floorWorkflow(n: number): Promise<void> {
  await noop(n);
}
