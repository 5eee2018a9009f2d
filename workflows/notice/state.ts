import { ApplicationFailure } from '@temporalio/workflow';
import type { Category, CategoryPolicy, NoticeOutcome, NoticeState } from '@takedown/domain';
import { reopenUntil } from '@takedown/domain/notice-clock';
import type { AttributedTo, ResellerInvolved } from '../activities';
import type { NoticeMessage, NoticeStatus } from '../messages';
import { Timeline } from '../shared/tasks';

/** Version 1 of the notice workflow's input. The policy is pinned by the attribution step, as of `receivedAt`. */
export interface NoticeWorkflowInput {
  version: 1;
  noticeId: string;
  category: Category;
  receivedAt: string;
}

/**
 * Behaviour that came later than notices still running. Each is asked once, when a run starts: a run that began
 * before it keeps the old behaviour for its whole life, so its history replays (docs/versioning.md).
 */
export interface NoticeFeatures {
  /** A claimed removal no longer stops the deadline (it can only delay escalation by the policy's claim grace). */
  claimIsNotRemoval: boolean;
  /** The account manager's acknowledgement starts a follow-up; the NOC's `not_possible` goes to the lead. */
  everyOutcomeLeadsOn: boolean;
  /** Feedback to the source is a workflow of its own: a failing webhook never holds the notice's close. */
  feedbackOnItsOwn: boolean;
  /** Removal orders (policy `nocAtReceipt`, `aroundTheClock`): the NOC and the 24/7 contacts are engaged at receipt. */
  urgentAtReceipt: boolean;
}

/** The state of one notice's run: every variable the workflow's steps, timers and handlers share, and its rules. */
export class NoticeRun {
  readonly receivedMs: number;
  state: NoticeState = 'received';
  outcome: NoticeOutcome | null = null;
  customer: AttributedTo | null = null;
  /** The reseller involved as of receipt, and how (patch `reseller-modes`); null: none, or a run from before. */
  reseller: ResellerInvolved | null = null;
  /** act_first: when the end customer gets the notice if the reseller has not answered; null: not waiting. */
  actFirstUntilMs: number | null = null;
  /** act_first: the reseller let its window pass; its standing counts it when the notice closes. */
  resellerMissed = false;
  timers: CategoryPolicy | null = null;
  deadlineMs: number | null = null;
  answered = false;
  claimedAtMs: number | null = null;
  falseClaims = 0;
  /** A reopened notice that closes again feeds only the false claims made since. */
  falseClaimsFed = 0;
  reopened = 0;
  nextReminder = 0;
  notifiedAtMs: number | null = null;
  /** The `reopened` round whose last call went out. */
  lastCalled = -1;
  escalatedAtMs: number | null = null;
  suspensionRequested = false;
  /**
   * A removal order's NOC task opened at receipt to stand by (patch order-suspension-statement): the go to suspend
   * comes later, as a suspension request, after the customer's statement of reasons.
   */
  nocStandingBy = false;
  closedAtMs: number | null = null;
  /** When the lead hears of a notice still open after the account manager acted (feature everyOutcomeLeadsOn). */
  followUpAtMs: number | null = null;
  /** The next HEAD probe of a pending removal claim (policy probeRemoval, patch removal-probe); null: none. */
  probeAtMs: number | null = null;
  /** Probe rounds of the pending claim so far, and how many of them in a row found the material gone. */
  probeRounds = 0;
  probeGone = 0;
  readonly timeline: Timeline;
  readonly inbox: NoticeMessage[] = [];
  /** Messages taken in and carried out, so that an update can wait for its own. */
  private posted = 0;
  handled = 0;

  constructor(
    readonly input: NoticeWorkflowInput,
    readonly features: NoticeFeatures,
  ) {
    this.receivedMs = Date.parse(input.receivedAt);
    this.timeline = new Timeline(input.noticeId);
  }

  get id(): string {
    return this.input.noticeId;
  }

  // A method keeps TypeScript from narrowing `state` at call sites across awaits.
  isClosed(): boolean {
    return this.state === 'closed';
  }

  /** A removal the customer claimed that nobody has confirmed or contradicted yet. */
  claimPending(): boolean {
    return this.features.claimIsNotRemoval
      ? this.claimedAtMs !== null
      : this.state === 'awaiting_confirmation';
  }

  /** Takes a message in; the ticket is the count of handled messages at which it is done. */
  post(message: NoticeMessage): number {
    this.inbox.push(message);
    return ++this.posted;
  }

  status(): NoticeStatus {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      state: this.state,
      deadline: iso(this.deadlineMs),
      outcome: this.outcome,
      customerId: this.customer?.id ?? null,
      falseClaims: this.falseClaims,
      pendingTasks: this.timeline.list(),
    };
  }

  /**
   * Whether an action fits the notice as it stands; throws the conflict (its code as the failure's type, the status
   * in its details) for an update's validator. Signals skip this: their handler ignores what does not fit.
   */
  assertAllowed(m: NoticeMessage, nowMs: number): void {
    const refuse = (code: string, why: string): never => {
      throw ApplicationFailure.create({
        type: code,
        message: `${why} (the notice is ${this.state})`,
        nonRetryable: true,
        details: [this.status()],
      });
    };
    if (m.type === 'note' || m.type === 'duplicate') return;
    if (m.type === 'reopen') {
      if (!this.isClosed()) refuse('NOTICE.NOT_CLOSED', 'only a closed notice can be reopened');
      if (!this.customer) refuse('NOTICE.UNATTRIBUTED', 'a notice nobody held cannot be reopened');
      if (this.timers && this.closedAtMs !== null && nowMs > reopenUntil(this.timers, this.closedAtMs))
        refuse('NOTICE.REOPEN_WINDOW_PASSED', 'the reopen window has passed');
      return;
    }
    if (this.isClosed()) refuse('NOTICE.ALREADY_CLOSED', 'the notice is closed');
    switch (m.type) {
      case 'stillOnline':
        if (!this.claimPending()) refuse('NOTICE.NO_CLAIM', 'no removal claim waits for confirmation');
        return;
      case 'customer':
        if (m.kind === 'removed' && this.claimPending())
          refuse('NOTICE.ALREADY_CLAIMED', 'a removal is claimed already and waits for confirmation');
        return;
      case 'attribute':
        if (this.state !== 'unattributed')
          refuse('NOTICE.ALREADY_ATTRIBUTED', 'the notice is attributed already');
        return;
      case 'escalateNow':
        if (this.escalatedAtMs !== null)
          refuse('NOTICE.ALREADY_ESCALATED', 'the notice is escalated already');
        return;
      case 'task':
        // Only a task the notice waited for and is done with is refused: a task being opened has its row before
        // the workflow books it, and its completion waits in the inbox until then.
        if (this.timeline.isFinished(m.taskId))
          refuse('TASK.NOT_PENDING', `the notice no longer waits for task ${m.taskId}`);
        return;
    }
  }
}
