import { durationToMs } from './duration';
import { DomainError } from './errors';

/**
 * What can be contested (DOMAIN.md, DSA Art. 20): a customer a strike (a closed notice that counted against its
 * standing), a suspension (a notice closed by suspending the service), a termination decision or a removal under a
 * removal order that counted nothing (TCO Regulation Art. 10); a notifier the rejection of its notice.
 */
export const APPEAL_KINDS = ['strike', 'suspension', 'termination', 'rejection', 'order_removal'] as const;
export type AppealKind = (typeof APPEAL_KINDS)[number];

export const APPEAL_STATUSES = ['under_review', 'upheld', 'reversed', 'refused_late'] as const;
export type AppealStatus = (typeof APPEAL_STATUSES)[number];

export type AppealDecision = 'uphold' | 'reverse';

/**
 * How long after a decision it can be appealed, and how long the review may take, as data
 * (`appeal_settings`, one row per policy profile).
 */
export interface AppealPeriods {
  appealPeriod: string;
  reviewPeriod: string;
}

/** The periods the migration starts with: two weeks to appeal, a week to review; seconds in the demo profile. */
export const DEFAULT_APPEAL_PERIODS: Record<string, AppealPeriods> = {
  default: { appealPeriod: 'P14D', reviewPeriod: 'P7D' },
  demo: { appealPeriod: 'PT10M', reviewPeriod: 'PT5M' },
};

/** Whether an appeal filed at `filedAtMs` is in time for a decision made at `decidedAtMs`. */
export function appealInTime(decidedAtMs: number, filedAtMs: number, appealPeriod: string): boolean {
  return filedAtMs <= decidedAtMs + durationToMs(appealPeriod);
}

/** The API's and the workflow's one answer to a late appeal. */
export function assertAppealInTime(decidedAtMs: number, filedAtMs: number, appealPeriod: string): void {
  if (!appealInTime(decidedAtMs, filedAtMs, appealPeriod)) {
    throw new DomainError(
      'APPEAL.PERIOD_PASSED',
      `the period to appeal (${appealPeriod}) ended at ${new Date(decidedAtMs + durationToMs(appealPeriod)).toISOString()}`,
      undefined,
      undefined,
      'closed',
    );
  }
}

/**
 * Someone other than the one who decided reviews an appeal. `decidedBy` is the actor recorded with the decision
 * (`token:…`, `oidc:…`); a decision the workflow made on its own (`workflow`) may be reviewed by any person.
 */
export function assertReviewerIsNotDecider(reviewer: string, decidedBy: string): void {
  if (reviewer === decidedBy) {
    throw new DomainError(
      'APPEAL.REVIEWER_IS_DECIDER',
      'the person who made the decision cannot review its appeal: someone else must',
      undefined,
      undefined,
      'under_review',
    );
  }
}
