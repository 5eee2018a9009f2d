import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { TerminationStatus } from '@takedown/domain';
import type { DeskAction, PendingTask } from './messages';

export interface TerminationCaseStatus {
  caseId: string;
  customerId: string;
  status: TerminationStatus;
  /** When the termination takes (or took) effect; null before legal approved. */
  effectiveAt: string | null;
  pendingTasks: PendingTask[];
}

/** Legal withdraws the case (the customer remedied); possible until the NOC is asked to decommission. */
export const withdrawCaseSignal = defineSignal<[DeskAction]>('withdrawCase');
export const terminationQuery = defineQuery<TerminationCaseStatus>('termination');

export const terminationWorkflowId = (caseId: string): string => `termination-${caseId}`;
