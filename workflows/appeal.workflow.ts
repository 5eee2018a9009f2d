import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { AppealKind, AppealPeriods, AppealStatus } from '@takedown/domain';
import { appealInTime } from '@takedown/domain/appeal';
import { durationToMs } from '@takedown/domain/duration';
import type { AppealActivities, AppealStep } from './appeal-activities';
import { appealQuery, reviewAppealUpdate, type AppealReview } from './appeal-messages';
import { standingEventSignal, standingWorkflowId } from './standing-messages';
import { terminationWorkflowId, withdrawCaseSignal } from './termination-messages';

/** Version 1 of the appeal workflow's input: the contested decision as the API found it when the appeal was filed. */
export interface AppealWorkflowInput {
  version: 1;
  appealId: string;
  kind: AppealKind;
  customerId: string | null;
  noticeId: string | null;
  caseId: string | null;
  /** Who made the contested decision (an actor label); never its reviewer. */
  decidedBy: string;
  decidedAt: string;
  appellant: string;
  periods: AppealPeriods;
}

const activities = proxyActivities<AppealActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
  },
});

/**
 * One appeal (DOMAIN.md, DSA Art. 20): filed within the appeal period after the decision, reviewed by someone other
 * than the decider within the review period (the desk is told when it is not), and then upheld or reversed. A
 * reversed strike or suspension leaves the customer's standing window; a reversed termination decision withdraws
 * the case. Every step is on the timelines of what the appeal contests.
 */
export async function appealWorkflow(input: AppealWorkflowInput): Promise<AppealStatus> {
  const now = () => new Date().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  let status: AppealStatus = 'under_review';
  let review: AppealReview | null = null;
  let overdue = false;

  const view = () => ({ appealId: input.appealId, status, reviewedBy: review?.by ?? null, overdue });
  setHandler(appealQuery, view);
  setHandler(
    reviewAppealUpdate,
    async (r) => {
      review = r;
      await condition(() => status !== 'under_review');
      return view();
    },
    {
      validator: (r) => {
        const refuse = (code: string, why: string): never => {
          throw ApplicationFailure.create({
            type: code,
            message: why,
            nonRetryable: true,
            details: [view()],
          });
        };
        if (status !== 'under_review' || review) refuse('APPEAL.ALREADY_DECIDED', `the appeal is ${status}`);
        if (r.by === input.decidedBy)
          refuse(
            'APPEAL.REVIEWER_IS_DECIDER',
            'the person who made the decision cannot review its appeal: someone else must',
          );
        if (!r.reason.trim()) refuse('APPEAL.REASON_REQUIRED', 'a review gives its reason');
      },
    },
  );

  let seq = 0;
  const step = (type: AppealStep['type'], opts: Partial<AppealStep> = {}) =>
    activities.recordAppealStep({
      appealId: input.appealId,
      key: `${input.appealId}:${++seq}:${type}`,
      type,
      actor: 'workflow',
      at: iso(now()),
      ...opts,
    });

  // The period counts on the workflow's clock too: an appeal that reached it late is refused on the record.
  if (!appealInTime(Date.parse(input.decidedAt), now(), input.periods.appealPeriod)) {
    status = 'refused_late';
    await step('appeal_refused_late', {
      actor: input.appellant,
      status,
      reason: `the period to appeal (${input.periods.appealPeriod}) had passed`,
    });
    return status;
  }
  await step('appeal_filed', { actor: input.appellant });

  if (!(await condition(() => review !== null, durationToMs(input.periods.reviewPeriod)))) {
    overdue = true;
    await step('appeal_review_overdue', {
      reason: `not reviewed within the review period (${input.periods.reviewPeriod})`,
    });
    await condition(() => review !== null);
  }
  const decided = review as unknown as AppealReview;
  const reversed = decided.decision === 'reverse';

  if (
    reversed &&
    (input.kind === 'strike' || input.kind === 'suspension') &&
    input.customerId &&
    input.noticeId
  ) {
    try {
      await getExternalWorkflowHandle(standingWorkflowId(input.customerId)).signal(standingEventSignal, {
        id: `${input.appealId}:reversed`,
        event: {
          type: 'appeal_reversed',
          appealId: input.appealId,
          noticeId: input.noticeId,
          by: decided.by,
          at: iso(now()),
        },
      });
    } catch {
      // No standing workflow runs for the customer (it was never counted, or it has left): nothing to restore.
    }
  }
  if (reversed && input.kind === 'termination' && input.caseId) {
    try {
      await getExternalWorkflowHandle(terminationWorkflowId(input.caseId)).signal(withdrawCaseSignal, {
        by: decided.by,
        reason: `appeal ${input.appealId} reversed the decision: ${decided.reason}`,
      });
    } catch {
      // The case has ended already; the reversal stays on its record.
    }
  }
  const outcome = reversed ? 'reversed' : 'upheld';
  await step(reversed ? 'appeal_reversed' : 'appeal_upheld', {
    actor: decided.by,
    reason: decided.reason,
    status: outcome,
  });
  // Only now: the reviewer's update answers once the decision is on the record.
  status = outcome;
  await condition(allHandlersFinished);
  return status;
}
