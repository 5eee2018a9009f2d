import type { AppealStatus } from '@takedown/domain';

/** One step of an appeal, written to the appeal's row and to the timelines of what it contests. */
export interface AppealStep {
  appealId: string;
  /** One write per key, whatever the retries. */
  key: string;
  type:
    'appeal_filed' | 'appeal_refused_late' | 'appeal_review_overdue' | 'appeal_upheld' | 'appeal_reversed';
  actor: string;
  reason?: string;
  /** The appeal's status after this step, when it changes it. */
  status?: AppealStatus;
  at: string;
}

/** The activities an appeal workflow calls. Implemented in apps/worker. */
export interface AppealActivities {
  /**
   * Records the step: the appeal's row, the notice's timeline (strike, suspension, rejection) and the termination
   * case's timeline (a termination, or a strike or suspension of a customer whose case runs).
   */
  recordAppealStep(step: AppealStep): Promise<void>;
}
