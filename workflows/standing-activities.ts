import type { StandingCounts, StandingEvent, StandingLevel } from '@takedown/domain';

/** One step of a customer's standing, kept in step in PostgreSQL (`customer_standings` and its events). */
export interface StandingRecord {
  customerId: string;
  /** One row per key, whatever the retries. */
  key: string;
  /** The event received, or absent for a change the window made (an old event aged out). */
  event?: StandingEvent;
  level: StandingLevel;
  previousLevel: StandingLevel;
  counts: StandingCounts;
  eventCount: number;
  policy: { id: string; version: number };
  terminationCaseId: string | null;
  at: string;
}

export interface StandingLetter {
  customerId: string;
  key: string;
  level: StandingLevel;
  previousLevel: StandingLevel;
  counts: StandingCounts;
  /** Why the level changed, in a sentence the account manager can repeat (no reported content). */
  reason: string;
}

/** The activities a customer's standing workflow calls. Implemented in apps/worker. */
export interface StandingActivities {
  /** The customer's verified preventive measures, read once when the workflow starts afresh. */
  loadStanding(input: { customerId: string }): Promise<{ verifiedMeasures: string[] }>;
  recordStanding(record: StandingRecord): Promise<void>;
  /** A letter to the customer's abuse contacts in its language, and a note to its account manager. */
  sendStandingLetter(letter: StandingLetter): Promise<void>;
  /**
   * Opens a termination case (row and TerminationWorkflow), idempotent by case id. Returns the case that runs: the
   * customer's running case (opened by legal, say) when there is one already.
   */
  openTerminationCase(input: {
    caseId: string;
    customerId: string;
    openedBy: string;
    reason: string;
  }): Promise<{ caseId: string }>;
}
