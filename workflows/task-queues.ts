/** The task queue the notice worker polls when TEMPORAL_TASK_QUEUE is not set. */
export const DEFAULT_TASK_QUEUE = 'takedown-notices';

export const noticeWorkflowId = (noticeId: string): string => `notice-${noticeId}`;
