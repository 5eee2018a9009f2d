import type { Notice } from './api/client';

export type ActionName =
  'confirm-removal' | 'still-online' | 'reopen' | 'reject-invalid' | 'escalate-now' | 'withdraw' | 'add-note';

/** Actions whose body needs a reason (the API answers 400 without one). */
export const NEEDS_REASON: ReadonlySet<ActionName> = new Set(['reject-invalid', 'withdraw', 'add-note']);
/** Actions that cannot be undone: the console asks first. Others (a note, a confirmed removal, which reopen undoes) do not. */
export const IRREVERSIBLE: ReadonlySet<ActionName> = new Set(['reject-invalid', 'withdraw', 'escalate-now']);

/**
 * The actions the notice's state allows, as the notice workflow judges them (workflows/notice/state.ts
 * `assertAllowed`): a closed notice can only be reopened (if someone held it) or noted; an open one cannot be
 * reopened, "still online" needs a removal claim waiting, and a notice is escalated once. A notice in triage has
 * no workflow yet: it is triaged, not acted on. The API stays the judge: a race ends in its 409, shown as such.
 */
export function allowedActions(n: Notice): ActionName[] {
  if (n.state === 'needs_triage') return [];
  if (n.state === 'closed') return n.customerId ? ['reopen', 'add-note'] : ['add-note'];
  const escalated = n.state === 'escalated' || n.state === 'suspension_requested';
  return [
    'confirm-removal',
    ...(n.state === 'awaiting_confirmation' ? (['still-online'] as const) : []),
    ...(escalated ? [] : (['escalate-now'] as const)),
    'reject-invalid',
    'withdraw',
    'add-note',
  ];
}
