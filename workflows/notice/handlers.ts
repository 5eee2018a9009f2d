import { patched } from '@temporalio/workflow';
import { followUpAt } from '@takedown/domain/notice-clock';
import { NEVER_PROBED } from '@takedown/domain/policy';
import type { NoticeMessage } from '../messages';
import type { NoticeRun } from './state';
import { now, type NoticeSteps } from './steps';

/** Carries out one message, in the order they came. What no longer fits the notice's state changes nothing. */
export async function handle(run: NoticeRun, steps: NoticeSteps, m: NoticeMessage): Promise<void> {
  if (run.isClosed() && m.type !== 'reopen' && m.type !== 'note' && m.type !== 'duplicate') return;
  switch (m.type) {
    case 'note':
      return steps.record('note', { actor: m.by, reason: m.note });
    case 'duplicate':
      return steps.record('duplicate_report', { actor: m.by, data: { sourceReference: m.sourceReference } });
    case 'confirm':
      return steps.removalConfirmed(m.by, m.note);
    case 'stillOnline':
      return steps.stillOnline(m.by, m.reason);
    case 'customer':
      return customerAnswered(run, steps, m);
    case 'attribute':
      return steps.attributeByHand(m.customerId, m.by);
    case 'invalid':
      return steps.close('invalid', m.by, m.reason);
    case 'withdraw':
      return steps.close('withdrawn_by_source', m.by, m.reason);
    case 'escalateNow':
      return steps.escalate(m.reason ?? 'escalated by the abuse desk', m.by);
    case 'reopen':
      return steps.reopen(m.by, m.reason);
    case 'task':
      return taskCompleted(run, steps, m);
  }
}

async function customerAnswered(
  run: NoticeRun,
  steps: NoticeSteps,
  m: Extract<NoticeMessage, { type: 'customer' }>,
): Promise<void> {
  run.answered = true;
  // An answer (the reseller's, or its end customer's through its portal) in the act_first window: nobody else is asked.
  run.actFirstUntilMs = null;
  if (m.kind === 'removed') {
    if (run.claimPending()) return;
    run.claimedAtMs = now();
    // A claim is not a removal: the desk or the source checks it while the deadline runs on.
    await steps.record('removal_claimed', { next: 'awaiting_confirmation', actor: m.by });
    await steps.openTask(
      'removal_check',
      'abuse_desk',
      'The customer says the material is gone: check with the source and confirm, or report it still online.',
    );
    // Where the policy allows it, HEAD requests check the claim at once (the desk's task stays the fallback). Code
    // acting on policy data that may be older than it (docs/versioning.md): a patch, asked only where it would act.
    if (run.timers?.probeRemoval && !NEVER_PROBED.includes(run.input.category) && patched('removal-probe')) {
      run.probeRounds = 0;
      run.probeGone = 0;
      run.probeAtMs = now();
    }
    return;
  }
  await steps.record('disputed', { actor: m.by, reason: m.reason });
  if (!run.timeline.has('dispute_review'))
    await steps.openTask(
      'dispute_review',
      'abuse_desk',
      `The customer disputes the notice: ${m.reason ?? ''}`,
    );
}

async function taskCompleted(
  run: NoticeRun,
  steps: NoticeSteps,
  m: Extract<NoticeMessage, { type: 'task' }>,
): Promise<void> {
  // A completion for a task this notice no longer waits for (cancelled, or its row's commit failed) changes nothing.
  if (!run.timeline.remove(m.taskId)) return;
  await steps.record('task_completed', {
    actor: m.by,
    reason: m.note,
    data: { taskId: m.taskId, kind: m.kind, outcome: m.outcome },
  });
  const leadsOn = run.features.everyOutcomeLeadsOn;
  switch (`${m.kind}:${m.outcome}`) {
    case 'attribute:attributed':
      return m.customerId ? steps.attributeByHand(m.customerId, m.by) : undefined;
    case 'attribute:invalid':
      return steps.close('invalid', m.by, m.note);
    case 'removal_check:confirmed':
      return steps.removalConfirmed(m.by, m.note);
    case 'removal_check:still_online':
      return steps.stillOnline(m.by, m.note);
    case 'dispute_review:accept':
      return steps.close('disputed_accepted', m.by, m.note);
    case 'dispute_review:reject':
      return steps.record('dispute_rejected', { actor: m.by, reason: m.note });
    case 'account_manager_escalation:request_suspension':
    case 'lead_escalation:request_suspension':
      return steps.requestSuspension(m.by, m.note ?? 'requested on escalation');
    case 'account_manager_escalation:acknowledged':
    case 'account_manager_escalation:customer_contacted':
      // The account manager is on it: the lead hears of the notice if it is still open after the follow-up.
      if (leadsOn && run.timers) run.followUpAtMs = followUpAt(run.timers, now());
      return;
    case 'noc_suspension:suspended':
      return steps.suspended(m.by, m.note);
    case 'noc_suspension:not_possible':
      if (leadsOn)
        await steps.openTask(
          'lead_escalation',
          'abuse_lead',
          `The NOC could not suspend the service: ${m.note ?? 'no reason given'}. Decide what happens next.`,
        );
      return;
  }
}
