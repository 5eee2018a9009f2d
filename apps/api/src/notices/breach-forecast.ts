import type { NoticeState } from '@takedown/domain';

/** How far back a customer's (or a category's) removals count: the standing's rolling window. */
export const HISTORY_DAYS = 90;
/** The typical time is that of the most recent removals (at most this many): how fast someone removes now. */
export const RECENT_REMOVALS = 50;
/** Fewer removals than this say too little about how fast someone removes. */
export const MIN_REMOVALS = 3;

/**
 * The typical time from receipt to removal: the median of the last RECENT_REMOVALS removals of the last HISTORY_DAYS
 * days, and whose they were.
 */
export interface TypicalRemoval {
  seconds: number;
  /** `customer`: this customer's removals in this category; `category`: every customer's, when it has too few. */
  basis: 'customer' | 'category';
  removals: number;
}

export interface BreachForecast {
  /** The customer has not acted and less time is left than it typically takes to remove. */
  willMiss: boolean;
  typicalSeconds: number;
  basis: TypicalRemoval['basis'];
  removals: number;
}

/** States in which the clock runs on the customer (a removal claim puts a notice in `awaiting_confirmation`). */
const CUSTOMER_HOLDS_CLOCK: ReadonlySet<NoticeState> = new Set<NoticeState>([
  'attributed',
  'customer_notified',
  'reminded',
  'escalated',
  'suspension_requested',
]);

/**
 * The medians to go by for a customer and category: the customer's own when it has MIN_REMOVALS of them, else the
 * category's across customers when that has enough, else none (nothing to forecast from).
 */
export function typicalRemoval(
  customer: { seconds: number; removals: number } | undefined,
  category: { seconds: number; removals: number } | undefined,
): TypicalRemoval | null {
  if (customer && customer.removals >= MIN_REMOVALS) return { ...customer, basis: 'customer' };
  if (category && category.removals >= MIN_REMOVALS) return { ...category, basis: 'category' };
  return null;
}

/**
 * Will this notice miss its deadline? A notice is forecast to miss when the customer has not acted (no removal claim,
 * no dispute) and the time left is less than the time it typically takes, from receipt, to remove (`typicalRemoval`):
 * a customer that has not started would, going by its own past, finish after the deadline. No forecast without a
 * running clock on the customer, once the deadline has passed (the queue says overdue), or without a history.
 */
export function breachForecast(
  notice: { state: NoticeState; deadline: Date | null; customerActed: boolean },
  typical: TypicalRemoval | null,
  now: Date,
): BreachForecast | null {
  if (!typical || !notice.deadline || notice.customerActed) return null;
  if (!CUSTOMER_HOLDS_CLOCK.has(notice.state)) return null;
  const leftSeconds = (notice.deadline.getTime() - now.getTime()) / 1000;
  if (leftSeconds <= 0) return null;
  return {
    willMiss: leftSeconds < typical.seconds,
    typicalSeconds: typical.seconds,
    basis: typical.basis,
    removals: typical.removals,
  };
}
