import { Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import type { Actor } from '@takedown/domain';
import { appendAudit, auditAction, type AuditEntry } from '@takedown/persistence';

/**
 * Workflow decisions in the audit trail. The activities that record a workflow's steps append a row in the same
 * transaction, and only when the step's own row was inserted (its idempotency key was new): a retried activity
 * writes neither twice. The actor is the workflow; who asked for the step (`by`), if anyone, is in the summary.
 */
export function auditWorkflowDecision(tx: EntityManager, decision: WorkflowDecision): Promise<unknown> {
  return appendAudit(tx, workflowDecisionEntry(decision));
}

export interface WorkflowDecision {
  workflowId: string;
  workflowType: string;
  /** `notice.escalated` → action `workflow.notice.escalated`. */
  action: string;
  target: { type: string; id: string };
  summary: Record<string, unknown>;
}

/** The audit row of a workflow decision, for a transaction that appends its rows together at its end. */
export function workflowDecisionEntry(decision: WorkflowDecision): AuditEntry {
  const actor: Actor = { kind: 'workflow', id: decision.workflowId, name: decision.workflowType };
  return {
    actor,
    action: auditAction(`workflow.${decision.action}`),
    target: decision.target,
    summary: decision.summary,
  };
}

/** The running activity's workflow, for activities whose input does not name it; `fallback` outside an activity. */
export function activityWorkflow(fallback: { workflowId: string; workflowType: string }): {
  workflowId: string;
  workflowType: string;
} {
  let info: ReturnType<typeof Context.current>['info'];
  try {
    info = Context.current().info;
  } catch {
    return fallback;
  }
  // A standalone activity (not started by a workflow) has no workflow execution.
  if (!info.workflowExecution || !info.workflowType) return fallback;
  return { workflowId: info.workflowExecution.workflowId, workflowType: info.workflowType };
}
