/** The kinds of work a notice hands to people, each with the answers it accepts. */
export const TASK_OUTCOMES = {
  attribute: ['attributed', 'invalid'],
  dispute_review: ['accept', 'reject'],
  removal_check: ['confirmed', 'still_online'],
  account_manager_escalation: ['acknowledged', 'customer_contacted', 'request_suspension'],
  lead_escalation: ['acknowledged', 'request_suspension'],
  noc_suspension: ['suspended', 'not_possible'],
  legal_review: ['approve', 'reject'],
  decommission: ['done'],
} as const;

export type TaskKind = keyof typeof TASK_OUTCOMES;
export type TaskOutcome<K extends TaskKind = TaskKind> = (typeof TASK_OUTCOMES)[K][number];
export const TASK_KINDS = Object.keys(TASK_OUTCOMES) as TaskKind[];

export const TASK_ASSIGNEES = ['abuse_desk', 'abuse_lead', 'account_manager', 'noc', 'legal'] as const;
export type TaskAssignee = (typeof TASK_ASSIGNEES)[number];

export const TASK_STATUSES = ['open', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export function isTaskOutcome(kind: TaskKind, outcome: string): outcome is TaskOutcome {
  return (TASK_OUTCOMES[kind] as readonly string[]).includes(outcome);
}
