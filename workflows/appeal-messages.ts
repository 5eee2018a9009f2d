import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AppealDecision, AppealStatus } from '@takedown/domain';

/** A reviewer's decision on an appeal; `by` is the reviewer's actor label, refused when it made the decision. */
export interface AppealReview {
  decision: AppealDecision;
  by: string;
  reason: string;
}

export interface AppealWorkflowStatus {
  appealId: string;
  status: AppealStatus;
  reviewedBy: string | null;
  /** The review took longer than the review period: the desk was told. */
  overdue: boolean;
}

/** The review, as an update: a reviewer who made the contested decision is refused at once (the validator). */
export const reviewAppealUpdate = defineUpdate<AppealWorkflowStatus, [AppealReview]>('reviewAppeal');
export const appealQuery = defineQuery<AppealWorkflowStatus>('appeal');

export const appealWorkflowId = (appealId: string): string => `appeal-${appealId}`;
