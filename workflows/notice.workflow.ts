import { allHandlersFinished, condition, patched, setHandler } from '@temporalio/workflow';
import type { CategoryPolicy, NoticeOutcome } from '@takedown/domain';
import { reopenUntil } from '@takedown/domain/notice-clock';
import type { AttributionResult } from './activities';
import {
  addNoteSignal,
  attributeSignal,
  confirmRemovalSignal,
  customerResponseSignal,
  duplicateReportSignal,
  escalateNowSignal,
  noticeActionUpdate,
  rejectInvalidSignal,
  reopenSignal,
  statusQuery,
  stillOnlineSignal,
  taskCompletedSignal,
  withdrawSignal,
} from './messages';
import { handle } from './notice/handlers';
import { NoticeRun, type NoticeFeatures, type NoticeWorkflowInput } from './notice/state';
import { activities, iso, localActivities, now, NoticeSteps } from './notice/steps';
import { timersDue } from './notice/timers';

export type { NoticeWorkflowInput } from './notice/state';

/**
 * One notice from receipt to its outcome (DOMAIN.md): attribute → notify the customer → remind → resolve or
 * escalate (account manager, then the abuse-desk lead; a NOC suspension task where the policy says so) → close
 * with an outcome and feedback to the source. Deadlines count from receipt, as the codes of conduct do. After
 * closing, the notice can be reopened within the policy's reopen window (the same content back online).
 *
 * This file is the loop; the state and its rules are in notice/state.ts, the steps in notice/steps.ts, the timers in
 * notice/timers.ts, what each message does in notice/handlers.ts, and every moment in `@takedown/domain`'s
 * notice-clock.ts.
 */
export async function noticeWorkflow(input: NoticeWorkflowInput): Promise<NoticeOutcome> {
  const run = new NoticeRun(input, features());
  const steps = new NoticeSteps(run);

  setHandler(statusQuery, () => run.status());
  // Actions that answer: the validator refuses what the state does not allow (the caller gets a 409), else the
  // update returns the status once its message is carried out, in order with every other message.
  setHandler(
    noticeActionUpdate,
    async (m) => {
      const ticket = run.post(m);
      await condition(() => run.handled >= ticket);
      return run.status();
    },
    { validator: (m) => run.assertAllowed(m, now()) },
  );
  // Fire-and-forget facts, and the way every action came in before updates: kept for callers and runs from before.
  setHandler(confirmRemovalSignal, (m) => void run.post({ type: 'confirm', by: m.by, note: m.note }));
  setHandler(stillOnlineSignal, (m) => void run.post({ type: 'stillOnline', by: m.by, reason: m.reason }));
  setHandler(
    customerResponseSignal,
    (m) => void run.post({ type: 'customer', kind: m.kind, by: m.by, reason: m.reason }),
  );
  setHandler(taskCompletedSignal, (m) => void run.post({ type: 'task', ...m }));
  setHandler(
    attributeSignal,
    (m) => void run.post({ type: 'attribute', customerId: m.customerId, by: m.by }),
  );
  setHandler(reopenSignal, (m) => void run.post({ type: 'reopen', by: m.by, reason: m.reason }));
  setHandler(rejectInvalidSignal, (m) => void run.post({ type: 'invalid', by: m.by, reason: m.reason }));
  setHandler(escalateNowSignal, (m) => void run.post({ type: 'escalateNow', by: m.by, reason: m.reason }));
  setHandler(withdrawSignal, (m) => void run.post({ type: 'withdraw', by: m.by, reason: m.reason }));
  setHandler(addNoteSignal, (m) => void run.post({ type: 'note', by: m.by, note: m.note }));
  setHandler(
    duplicateReportSignal,
    (m) => void run.post({ type: 'duplicate', by: m.by, sourceReference: m.sourceReference }),
  );

  await firstSteps(run, steps);

  const hasMessage = () => run.inbox.length > 0;
  const nextMessage = async () => {
    await handle(run, steps, run.inbox.shift() as (typeof run.inbox)[number]);
    run.handled++;
  };
  for (;;) {
    if (run.isClosed()) {
      // Open for a reopen (the same content back) within the reopen window, then done.
      const window = reopenUntil(run.timers as CategoryPolicy, run.closedAtMs ?? now()) - now();
      if (!(await condition(hasMessage, Math.max(0, window)))) break;
      await nextMessage();
      continue;
    }
    const due = timersDue(run, steps).sort((a, b) => a.at - b.at)[0];
    const gotMessage = due
      ? await condition(hasMessage, Math.max(0, due.at - now()))
      : (await condition(hasMessage), true);
    if (gotMessage) await nextMessage();
    else if (due) await due.fire();
  }
  await condition(allHandlersFinished);
  return run.outcome as NoticeOutcome;
}

/** The patches of December 2026 (docs/versioning.md), asked once when a run starts. */
function features(): NoticeFeatures {
  return {
    claimIsNotRemoval: patched('claim-is-not-removal'),
    everyOutcomeLeadsOn: patched('every-outcome-leads-on'),
    feedbackOnItsOwn: patched('feedback-on-its-own'),
    urgentAtReceipt: patched('urgent-at-receipt'),
  };
}

/**
 * Received → attributed and notified, or unattributed with a task for the desk. Since December 2026 a new notice's
 * first steps take two activities instead of five (each its own workflow task, and a transaction that takes the
 * audit chain's lock): `received`, attribution and its event in one, the customer's email and `customer_notified` in
 * the other. Since then too, the two run inside the run's first workflow task as local activities (patch
 * `intake-local`, notice/steps.ts). Histories from before replay the five, or the two as activities.
 */
async function firstSteps(run: NoticeRun, steps: NoticeSteps): Promise<void> {
  const inFewerSteps = patched('intake-in-fewer-steps');
  const local = inFewerSteps && patched('intake-local');
  let first: AttributionResult;
  if (inFewerSteps) {
    run.state = 'received';
    const receivedKey = run.timeline.stepKey('received');
    const attributionKeyPrefix = run.timeline.stepKey('');
    first = await (local ? localActivities : activities).receiveNotice({
      noticeId: run.id,
      category: run.input.category,
      receivedAt: run.input.receivedAt,
      at: iso(now()),
      receivedKey,
      attributionKeyPrefix,
    });
    steps.pinned(first);
    run.state = first.customer ? 'attributed' : 'unattributed';
  } else {
    await steps.record('received', { next: 'received', data: { category: run.input.category } });
    first = await steps.pinPolicy();
  }
  const policy = `${first.policy.id}@${first.policy.version}`;
  if (first.customer) {
    if (!inFewerSteps) {
      await steps.record('attributed', {
        next: 'attributed',
        data: { customerId: first.customer.id, policy },
      });
    }
    steps.involveReseller(first);
    // A removal order engages the NOC at once, beside the customer's email (two activities in parallel).
    await Promise.all([steps.notifyFirst({ inOneStep: inFewerSteps, local }), steps.engageNocAtReceipt()]);
    return;
  }
  if (!inFewerSteps) await steps.record('unattributed', { next: 'unattributed', data: { policy } });
  await steps.openTask(
    'attribute',
    'abuse_desk',
    'Nobody holds this address in the inventory: attribute it to a customer, or reject the notice.',
  );
}
