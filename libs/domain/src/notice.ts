export const NOTICE_STATES = [
  // A plain email: no workflow, so no customer clock, until the desk confirms the category.
  'needs_triage',
  'received',
  'attributed',
  'unattributed',
  'customer_notified',
  'reminded',
  'awaiting_confirmation',
  'resolved',
  'escalated',
  'suspension_requested',
  'closed',
] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

export const NOTICE_OUTCOMES = [
  'removed_in_time',
  'removed_late',
  'suspended',
  'disputed_accepted',
  'invalid',
  'withdrawn_by_source',
] as const;
export type NoticeOutcome = (typeof NOTICE_OUTCOMES)[number];

/**
 * A CSAM URL must never appear in full in a log line: keep scheme and host (enough to route the work), drop the
 * path and query that identify the material.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/[redacted]`;
  } catch {
    return '[redacted-url]';
  }
}
