/** Where a termination case stands; the last four end it. */
export const TERMINATION_STATUSES = [
  'legal_review',
  'notice_period',
  'decommissioning',
  'terminated',
  'rejected',
  'withdrawn',
] as const;
export type TerminationStatus = (typeof TERMINATION_STATUSES)[number];

/** The statuses in which legal can still withdraw the case: before the NOC is asked to decommission. */
export const WITHDRAWABLE_STATUSES: readonly TerminationStatus[] = ['legal_review', 'notice_period'];

/**
 * The timers of a termination case as policy data (ISO 8601). The notice period itself is the contract's; these are
 * the provider's own: how long legal has for its review, the reminders before the termination takes effect, and how
 * long the NOC has to decommission.
 */
export interface TerminationTimers {
  legalReviewDue: string;
  /** Reminders to the customer, this long before the termination takes effect. */
  remindersBefore: string[];
  decommissionDue: string;
  /** The length of one day of the contract's notice period (P1D; seconds in the demo profile). */
  noticePeriodDay: string;
}

export const TERMINATION_TIMERS: Record<string, TerminationTimers> = {
  default: {
    legalReviewDue: 'P5D',
    remindersBefore: ['P14D', 'P7D', 'P1D'],
    decommissionDue: 'P2D',
    noticePeriodDay: 'P1D',
  },
  demo: {
    legalReviewDue: 'PT30S',
    remindersBefore: ['PT10S'],
    decommissionDue: 'PT30S',
    noticePeriodDay: 'PT1S',
  },
};

export function terminationTimersFor(profile: string): TerminationTimers {
  return TERMINATION_TIMERS[profile] ?? TERMINATION_TIMERS.default;
}
