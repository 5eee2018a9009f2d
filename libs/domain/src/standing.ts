import type { Category } from './category';
import { durationToMs } from './duration';
import type { NoticeOutcome } from './notice';

/** A customer's standing, from good to a termination case; the order is the order of severity. */
export const STANDING_LEVELS = ['good', 'watch', 'warning', 'final_warning', 'termination_case'] as const;
export type StandingLevel = (typeof STANDING_LEVELS)[number];

/** What the standing workflow hears: closed notices from notice workflows, the rest from the desk. */
export type StandingEvent =
  | {
      type: 'notice_closed';
      noticeId: string;
      category: Category;
      outcome: NoticeOutcome;
      deadlineMissed: boolean;
      falseClaims: number;
      timeToRemovalSeconds?: number;
      at: string;
    }
  /** A closed notice reopened: the same content back after a confirmed removal. */
  | { type: 'content_back'; noticeId: string; category: Category; at: string }
  /**
   * A repeat: a new notice of material an earlier closed notice of the customer was about (the same URL or hash).
   * Counts as content back, `weight` times (the category's `repeatWeight` in the notice's timer policy).
   */
  | { type: 'repeat'; noticeId: string; repeatOf: string; category: Category; weight: number; at: string }
  | { type: 'refusal' | 'bad_faith'; by: string; reason: string; at: string }
  | { type: 'measure'; kind: string; status: 'verified' | 'dropped'; by: string; at: string }
  /**
   * An appeal reversed a strike or a suspension: what that notice added to the window leaves it, as if it had never
   * counted.
   */
  | { type: 'appeal_reversed'; appealId: string; noticeId: string; by: string; at: string }
  /** A termination case ended (rejected, withdrawn or carried out): the standing follows the counts again. */
  | {
      type: 'case_closed';
      caseId: string;
      status: 'rejected' | 'withdrawn' | 'terminated';
      by: string;
      at: string;
    };

/** The counts over the rolling window that the thresholds look at. */
export interface StandingCounts {
  missedDeadlines: number;
  missedCsamDeadlines: number;
  ignored: number;
  falseClaims: number;
  contentBack: number;
}
export type CountName = keyof StandingCounts;

/**
 * Thresholds as policy data: a level is reached when any of its counts is reached within the window. Lack of a
 * verified preventive measure raises a level above `good` by one (up to `final_warning`: only counts or a finding
 * open a case); a refusal or a bad-faith finding opens a termination case at once.
 */
export interface StandingPolicy {
  id: string;
  version: number;
  window: string;
  thresholds: Record<'watch' | 'warning' | 'final_warning' | 'termination_case', Partial<StandingCounts>>;
}

export const DEFAULT_STANDING_POLICY: StandingPolicy = {
  id: 'default',
  version: 1,
  window: 'P90D',
  thresholds: {
    watch: { missedDeadlines: 1, falseClaims: 1 },
    warning: { missedDeadlines: 3, missedCsamDeadlines: 2, ignored: 1 },
    final_warning: { missedDeadlines: 6, missedCsamDeadlines: 3, falseClaims: 2, contentBack: 1 },
    termination_case: { missedDeadlines: 10, missedCsamDeadlines: 5, falseClaims: 4, contentBack: 2 },
  },
};

/** One countable fact in the window: when it happened and which counts it adds to. */
export interface WindowEntry {
  at: number;
  counts: CountName[];
  /** The notice the counts came from, so that a reversed appeal can take them out again. */
  noticeId?: string;
}

/** The window without what `noticeId` added: a reversed strike restores the standing it cost. */
export function withoutNotice(entries: readonly WindowEntry[], noticeId: string): WindowEntry[] {
  return entries.filter((e) => e.noticeId !== noticeId);
}

/** The counts a closed notice or a returned content adds; other events count elsewhere. */
export function countsOf(event: StandingEvent): CountName[] {
  if (event.type === 'content_back') return ['contentBack'];
  if (event.type === 'repeat') return Array.from({ length: event.weight }, () => 'contentBack' as const);
  if (event.type !== 'notice_closed') return [];
  const counts: CountName[] = [];
  if (event.deadlineMissed) {
    counts.push('missedDeadlines');
    if (event.category === 'csam') counts.push('missedCsamDeadlines');
  }
  if (event.outcome === 'suspended') counts.push('ignored');
  for (let i = 0; i < event.falseClaims; i++) counts.push('falseClaims');
  return counts;
}

export function emptyCounts(): StandingCounts {
  return { missedDeadlines: 0, missedCsamDeadlines: 0, ignored: 0, falseClaims: 0, contentBack: 0 };
}

/** The counts of the entries still inside the window at `now`. */
export function windowCounts(entries: readonly WindowEntry[], now: number, windowMs: number): StandingCounts {
  const counts = emptyCounts();
  for (const e of entries) if (e.at > now - windowMs) for (const c of e.counts) counts[c]++;
  return counts;
}

/**
 * The level for the counts. `capAtFinalWarning`: legal rejected or withdrew a case, so the same counts do not open
 * another one; a new countable event lifts the cap.
 */
export function levelFor(
  policy: StandingPolicy,
  counts: StandingCounts,
  opts: { hasVerifiedMeasure: boolean; terminationCase: boolean; capAtFinalWarning?: boolean },
): StandingLevel {
  if (opts.terminationCase) return 'termination_case';
  const reached = (['termination_case', 'final_warning', 'warning', 'watch'] as const).find((level) =>
    (Object.entries(policy.thresholds[level]) as [CountName, number][]).some(
      ([name, n]) => counts[name] >= n,
    ),
  );
  const index = STANDING_LEVELS.indexOf(reached ?? 'good');
  const finalWarning = STANDING_LEVELS.indexOf('final_warning');
  const raised = index > 0 && index < finalWarning && !opts.hasVerifiedMeasure ? index + 1 : index;
  return STANDING_LEVELS[opts.capAtFinalWarning ? Math.min(raised, finalWarning) : raised];
}

export function standingWindowMs(policy: StandingPolicy): number {
  return durationToMs(policy.window);
}

/** The same thresholds over ten minutes, for demos and end-to-end runs on the real stack. */
export const DEMO_STANDING_POLICY: StandingPolicy = {
  ...DEFAULT_STANDING_POLICY,
  id: 'demo',
  window: 'PT10M',
};

/** The standing policy that goes with a contract's timer policy profile. */
export function standingPolicyFor(profile: string): StandingPolicy {
  return profile === 'demo' ? DEMO_STANDING_POLICY : DEFAULT_STANDING_POLICY;
}
