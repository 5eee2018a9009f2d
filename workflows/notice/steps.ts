import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { CategoryPolicy, NoticeOutcome, NoticeState, TaskAssignee, TaskKind } from '@takedown/domain';
import { durationToMs } from '@takedown/domain/duration';
import { deadlineAt, remindersDueBy, removalOutcome, taskDueMs } from '@takedown/domain/notice-clock';
import type {
  AttributionResult,
  CustomerEmail,
  NoticeActivities,
  ProbeResult,
  RemovalProbeActivities,
  TimelineEvent,
} from '../activities';
import { sourceFeedbackWorkflow } from '../source-feedback.workflow';
import type { NoticeRun } from './state';

const noticeActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [
      'NOTICE.NOT_FOUND',
      'NOTICE.UNATTRIBUTED',
      'CUSTOMER.NOT_FOUND',
      'CUSTOMER.NO_CONTACTS',
      'POLICY.NOT_FOUND',
      'TASK.NOT_FOUND',
    ],
  },
} satisfies ActivityOptions;

export const activities = proxyActivities<NoticeActivities>(noticeActivityOptions);

/** The first two activities of a new notice (patch `intake-local`). */
type FirstActivities = Pick<NoticeActivities, 'receiveNotice' | 'notifyCustomer'>;

/**
 * One try inside the workflow task; a failed one goes to the server as an activity at once. Not local retries: the
 * SDK's core (1.24) leaves a retried local activity's first start-to-close timer running, which cuts a later try short
 * or, once the worker has shut down, panics in its thread (temporalio/sdk-rust#1454).
 */
const local = proxyLocalActivities<FirstActivities>({
  ...noticeActivityOptions,
  retry: { ...noticeActivityOptions.retry, maximumAttempts: 1 },
});

/**
 * A failure that no further try can mend: the activity's own error of a non-retryable type, or anything but an error or
 * a timeout (a cancellation). A local activity's failure reaches the workflow as the activity's own error, an
 * activity's wrapped in an ActivityFailure.
 */
function final(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return (
      cause.nonRetryable || noticeActivityOptions.retry.nonRetryableErrorTypes.includes(cause.type ?? '')
    );
  return !(cause instanceof TimeoutFailure);
}

/** `viaLocal`, and, should it fail for a reason another try could mend, `viaActivity` with the same input. */
function localFirst<A extends unknown[], R>(
  viaLocal: (...input: A) => Promise<R>,
  viaActivity: (...input: A) => Promise<R>,
): (...input: A) => Promise<R> {
  return async (...input) => {
    try {
      return await viaLocal(...input);
    } catch (err) {
      if (final(err)) throw err;
      return viaActivity(...input);
    }
  };
}

/**
 * A new notice's receipt and attribution, then the customer's email, as local activities (patch `intake-local`): the
 * worker runs them inside the run's first workflow task, which records each result as a marker, instead of the server
 * dispatching each as a task of its own with a workflow task after it. A try that outlives the worker (a crash
 * mid-send) runs again when the workflow task does, as an activity's would after its timeout; the outbox makes a
 * repeated email the same email. A failed try goes to the server as the same activity as before, whose retries, for
 * as long as an outage lasts, add nothing to the history (local retries would hold the workflow task, and past its
 * timeout add a workflow task to the history every 8 s).
 */
export const localActivities: FirstActivities = {
  receiveNotice: localFirst(local.receiveNotice, activities.receiveNotice),
  notifyCustomer: localFirst(local.notifyCustomer, activities.notifyCustomer),
};

/**
 * The removal probe: its requests have their own short timeouts, so the activity is bounded well below the default's
 * 30 seconds per try; a second try at most, then the round concludes nothing and the desk decides.
 */
const probing = proxyActivities<RemovalProbeActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumAttempts: 2 },
});

/** A probe's defaults where the policy names none (CategoryPolicy). */
const PROBE_TIMEOUT = 'PT5S';
const PROBE_MISSES = 3;
const PROBE_INTERVAL = 'PT5M';

// Inside the workflow sandbox `Date` is the workflow clock, replayed deterministically, not the host's.
export const now = (): number => new Date().getTime();
export const iso = (ms: number): string => new Date(ms).toISOString();

/** How a notice's first email goes out. */
interface FirstEmail {
  /** The email and its timeline step in one activity (patch `intake-in-fewer-steps`). */
  inOneStep?: boolean;
  /** That activity as a local one (patch `intake-local`). */
  local?: boolean;
}

interface StepOptions {
  next?: NoticeState;
  actor?: string;
  reason?: string;
  data?: Record<string, unknown>;
  removedAt?: number;
}

/** The steps of a notice's life: each records itself on the timeline and moves the state on. */
export class NoticeSteps {
  constructor(private readonly run: NoticeRun) {}

  private get timers(): CategoryPolicy {
    return this.run.timers as CategoryPolicy;
  }

  /** The next timeline step; the state moves on with it. */
  step(type: string, opts: StepOptions = {}): TimelineEvent {
    const run = this.run;
    if (opts.next) run.state = opts.next;
    return {
      noticeId: run.id,
      key: run.timeline.stepKey(type),
      type,
      actor: opts.actor ?? 'workflow',
      reason: opts.reason,
      data: opts.data,
      at: iso(now()),
      state: opts.next,
      outcome: opts.next === 'closed' ? (run.outcome ?? undefined) : undefined,
      deadline: run.deadlineMs === null ? undefined : iso(run.deadlineMs),
      removedAt: opts.removedAt === undefined ? undefined : iso(opts.removedAt),
    };
  }

  async record(type: string, opts: StepOptions = {}): Promise<void> {
    await activities.recordEvent(this.step(type, opts));
  }

  async openTask(kind: TaskKind, assignee: TaskAssignee, summary: string): Promise<void> {
    const run = this.run;
    const key = run.timeline.taskKey(kind);
    const openedAt = now();
    const dueAt = iso(openedAt + taskDueMs(this.timers));
    const { taskId } = await activities.openTask({ noticeId: run.id, key, kind, assignee, dueAt, summary });
    run.timeline.add({ taskId, kind, dueAt, assignee, openedAt });
    await this.record('task_opened', { data: { taskId, kind, assignee, dueAt } });
  }

  /** Takes in who holds the address and the pinned policy; the deadline comes from the activity that pinned it. */
  pinned(result: AttributionResult): void {
    this.run.customer = result.customer;
    this.run.timers = result.policy.timers;
    // Runs recorded before the activity returned the deadline get it from the same rule.
    this.run.deadlineMs = result.deadline
      ? Date.parse(result.deadline)
      : deadlineAt(result.policy.timers, this.run.receivedMs);
  }

  async pinPolicy(customerId?: string): Promise<AttributionResult> {
    const run = this.run;
    const result = await activities.attributeNotice({
      noticeId: run.id,
      category: run.input.category,
      receivedAt: run.input.receivedAt,
      customerId,
    });
    this.pinned(result);
    return result;
  }

  /**
   * Takes in the reseller the attribution named (contract data as of receipt). Asked only where a reseller is involved:
   * a run from before resellers, whose attribution named one, notified the customer alone and replays so.
   */
  involveReseller(result: AttributionResult): void {
    if (result.reseller && patched('reseller-modes')) this.run.reseller = result.reseller;
  }

  /** The notice's first email: to the reseller where it acts first, else to the customer (and a copy if informed). */
  notifyFirst(how: FirstEmail = {}): Promise<void> {
    const reseller = this.run.reseller;
    return reseller?.mode === 'act_first' && reseller.actFirstMinutes
      ? this.notifyResellerFirst(reseller.actFirstMinutes)
      : this.notifyCustomer(how);
  }

  /** An informed reseller gets a copy of every email its end customer gets; the timeline names it. */
  resellerCopy(): { email: Pick<CustomerEmail, 'reseller'>; data: Record<string, string> } {
    const reseller = this.run.reseller;
    return reseller?.mode === 'informed'
      ? { email: { reseller: { role: 'copy' } }, data: { resellerInformed: reseller.id } }
      : { email: {}, data: {} };
  }

  /**
   * act_first: the notice goes to the reseller, which has `minutes` (never past the deadline) to answer before its end
   * customer is notified. The deadline is the notice's own, from receipt: it never restarts.
   */
  private async notifyResellerFirst(minutes: number): Promise<void> {
    const run = this.run;
    const deadlineMs = run.deadlineMs as number;
    const until = Math.min(now() + minutes * 60_000, deadlineMs);
    run.actFirstUntilMs = until;
    await activities.notifyCustomer({
      noticeId: run.id,
      key: `${run.id}:reseller-first:${run.reopened}`,
      kind: 'notice',
      deadline: iso(deadlineMs),
      ...(this.urgent() && this.timers.aroundTheClock ? { aroundTheClock: true } : {}),
      reseller: { role: 'first', until: iso(until) },
      then: this.step('reseller_notified', {
        next: 'customer_notified',
        data: {
          resellerId: run.reseller?.id,
          customerId: run.customer?.id,
          actFirstUntil: iso(until),
          deadline: iso(deadlineMs),
        },
      }),
    });
  }

  /** act_first: the reseller's window passed without an answer; the end customer gets the notice now. */
  async actFirstPassed(): Promise<void> {
    const run = this.run;
    const deadlineMs = run.deadlineMs as number;
    run.actFirstUntilMs = null;
    run.resellerMissed = true;
    run.notifiedAtMs = now();
    // Reminders due while the reseller held the notice would reach the end customer seconds after the notice itself.
    run.nextReminder = Math.max(run.nextReminder, remindersDueBy(this.timers, now() - run.receivedMs));
    await activities.notifyCustomer({
      noticeId: run.id,
      key: `${run.id}:notify:${run.reopened}`,
      kind: 'notice',
      deadline: iso(deadlineMs),
      ...(this.urgent() && this.timers.aroundTheClock ? { aroundTheClock: true } : {}),
      then: this.step('customer_notified', {
        // Escalated meanwhile by the desk: the state stays.
        next: run.escalatedAtMs === null ? 'customer_notified' : undefined,
        data: {
          customerId: run.customer?.id,
          deadline: iso(deadlineMs),
          resellerMissed: run.reseller?.id,
        },
      }),
    });
  }

  async notifyCustomer({ inOneStep = false, local = false }: FirstEmail = {}): Promise<void> {
    const run = this.run;
    const deadlineMs = run.deadlineMs as number;
    run.notifiedAtMs = now();
    const copy = this.resellerCopy();
    const email = {
      noticeId: run.id,
      key: `${run.id}:notify:${run.reopened}`,
      kind: 'notice' as const,
      deadline: iso(deadlineMs),
      ...(this.urgent() && this.timers.aroundTheClock ? { aroundTheClock: true } : {}),
      ...copy.email,
    };
    const notified = {
      next: 'customer_notified' as const,
      data: { customerId: run.customer?.id, deadline: iso(deadlineMs), ...copy.data },
    };
    if (inOneStep) {
      await (local ? localActivities : activities).notifyCustomer({
        ...email,
        then: this.step('customer_notified', notified),
      });
      return;
    }
    await activities.notifyCustomer(email);
    await this.record('customer_notified', notified);
  }

  private urgent(): boolean {
    return this.run.features.urgentAtReceipt;
  }

  /** A removal order: the NOC is asked to stand by at receipt, beside the customer's email, not after the deadline. */
  async engageNocAtReceipt(): Promise<void> {
    const run = this.run;
    if (!this.urgent() || !this.timers.nocAtReceipt || !run.customer || run.suspensionRequested) return;
    const deadline = iso(run.deadlineMs as number);
    // DSA Art. 17: standing by restricts nothing; the go (a suspension request, at the deadline or earlier by a
    // person) comes after the customer's statement of reasons. Runs from before were asked to suspend at receipt.
    if (patched('order-suspension-statement')) {
      run.nocStandingBy = true;
      await this.openTask(
        'noc_suspension',
        'noc',
        `A removal order: stand by to suspend the server or port that serves the material. The go comes as a second task at the deadline (${deadline}) unless the material is removed before, after the customer has its statement of reasons; then suspend and confirm on either task.`,
      );
      return;
    }
    run.suspensionRequested = true;
    await this.openTask(
      'noc_suspension',
      'noc',
      `A removal order: be ready to suspend the server or port that serves the material before the deadline (${deadline}), then confirm.`,
    );
  }

  /**
   * The NOC confirms a suspension: where it acted on a removal order's stand-by before the go, the customer gets its
   * statement of reasons now, before the suspension is on record, rather than never.
   */
  async suspended(actor: string, note?: string): Promise<void> {
    const run = this.run;
    if (run.nocStandingBy && !run.suspensionRequested) {
      run.suspensionRequested = true;
      await this.record('suspension_requested', {
        next: 'suspension_requested',
        actor,
        reason: 'A removal order: the NOC suspended the service that served the material on its stand-by.',
      });
      await activities.sendSuspensionStatement({ noticeId: run.id });
    }
    await this.close('suspended', actor, note, now());
  }

  async escalate(reason: string, actor = 'workflow'): Promise<void> {
    const run = this.run;
    if (run.escalatedAtMs !== null) return;
    run.escalatedAtMs = now();
    await this.record('escalated', { next: 'escalated', actor, reason });
    if (run.customer) {
      await this.openTask(
        'account_manager_escalation',
        'account_manager',
        'The customer missed the removal deadline: contact it, or request suspension.',
      );
    } else {
      await this.openTask(
        'lead_escalation',
        'abuse_lead',
        'A notice nobody could attribute passed its deadline.',
      );
    }
  }

  async requestSuspension(actor: string, reason: string): Promise<void> {
    const run = this.run;
    if (run.suspensionRequested || !run.customer) return;
    run.suspensionRequested = true;
    await this.record('suspension_requested', { next: 'suspension_requested', actor, reason });
    await this.openTask(
      'noc_suspension',
      'noc',
      'Suspend the server or port that serves the reported material, then confirm.',
    );
  }

  async close(result: NoticeOutcome, actor: string, reason?: string, removedAtMs?: number): Promise<void> {
    const run = this.run;
    run.outcome = result;
    run.closedAtMs = now();
    run.followUpAtMs = null;
    const timeToRemoval =
      removedAtMs !== undefined
        ? { timeToRemovalSeconds: Math.round((removedAtMs - run.receivedMs) / 1000) }
        : {};
    await this.record('closed', {
      next: 'closed',
      actor,
      reason,
      removedAt: removedAtMs,
      data: { outcome: result, ...timeToRemoval },
    });
    await activities.closeTasks({ noticeId: run.id, reason: `notice closed: ${result}` });
    run.timeline.clear();
    const feedback = { noticeId: run.id, key: `${run.id}:feedback:${run.reopened}` };
    if (run.features.feedbackOnItsOwn) {
      // Its own workflow with its own retries: the close, the standing and a reopen never wait for a source's server.
      await startChild(sourceFeedbackWorkflow, {
        workflowId: `feedback-${run.id}-${run.reopened}`,
        args: [{ version: 1, ...feedback }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } else {
      await activities.sendSourceFeedback(feedback);
    }
    // Notices that started before the standing workflow existed close as they always did (saved histories replay).
    if (run.customer && patched('standing-feed')) {
      const newFalseClaims = run.falseClaims - run.falseClaimsFed;
      run.falseClaimsFed = run.falseClaims;
      await activities.feedStanding({
        customerId: run.customer.id,
        key: `${run.id}:closed:${run.reopened}`,
        event: {
          type: 'notice_closed',
          noticeId: run.id,
          category: run.input.category,
          outcome: result,
          deadlineMissed: run.escalatedAtMs !== null || result === 'removed_late' || result === 'suspended',
          falseClaims: newFalseClaims,
          ...timeToRemoval,
          at: iso(now()),
        },
      });
    }
    // act_first: a reseller that let its window pass has that counted as a missed deadline in its own standing.
    if (run.reseller && run.resellerMissed) {
      run.resellerMissed = false;
      await activities.feedStanding({
        customerId: run.reseller.id,
        key: `${run.id}:reseller-missed:${run.reopened}`,
        event: {
          type: 'notice_closed',
          noticeId: run.id,
          category: run.input.category,
          outcome: result,
          deadlineMissed: true,
          falseClaims: 0,
          at: iso(now()),
        },
      });
    }
  }

  /** A confirmed removal counts from the customer's claim, if it made one, else from the confirmation. */
  removalConfirmed(actor: string, note?: string): Promise<void> {
    const removedAt = this.run.claimedAtMs ?? now();
    return this.close(removalOutcome(removedAt, this.run.deadlineMs), actor, note, removedAt);
  }

  /**
   * One round of HEAD requests for a pending removal claim: `probeMisses` rounds in a row that find every URL gone
   * confirm the removal (from the claim's time); a 2xx makes the claim false and the clock runs on; anything else
   * concludes nothing and ends the probe, leaving the claim to the desk's removal check. Each round is on the timeline
   * with its evidence; a worker that probes nothing (REMOVAL_PROBE=off) adds nothing to it.
   */
  async probe(): Promise<void> {
    const run = this.run;
    const t = this.timers;
    run.probeAtMs = null;
    const round = ++run.probeRounds;
    let found: ProbeResult;
    try {
      found = await probing.probeRemoval({
        noticeId: run.id,
        timeoutMs: durationToMs(t.probeTimeout ?? PROBE_TIMEOUT),
      });
    } catch {
      found = { result: 'unknown', answers: [], reason: 'the probe failed' };
    }
    if (found.result === 'not_probed') return;
    const needed = t.probeMisses ?? PROBE_MISSES;
    run.probeGone = found.result === 'gone' ? run.probeGone + 1 : 0;
    await this.record('removal_probed', {
      data: {
        round,
        result: found.result,
        answers: found.answers,
        ...(found.result === 'gone' ? { gone: run.probeGone, needed } : {}),
        ...(found.reason ? { reason: found.reason } : {}),
      },
    });
    if (found.result === 'present') {
      const status = found.answers.find((a) => a.status !== null && a.status < 300)?.status;
      return this.stillOnline('workflow:probe', `a HEAD request answered ${status} after the removal claim`);
    }
    if (found.result !== 'gone') return;
    if (run.probeGone >= needed) {
      return this.removalConfirmed(
        'workflow:probe',
        `${needed} HEAD ${needed === 1 ? 'request' : 'rounds'} found every URL gone (404/410)`,
      );
    }
    run.probeAtMs = now() + durationToMs(t.probeInterval ?? PROBE_INTERVAL);
  }

  async stillOnline(actor: string, reason?: string): Promise<void> {
    const run = this.run;
    if (!run.claimPending()) return;
    run.falseClaims++;
    run.claimedAtMs = null;
    run.probeAtMs = null;
    // The claim puts the notice back where its clock has got to. Past a suspension request that is the request:
    // runs from before went back to `escalated`, where nothing moves them on.
    const suspended = run.suspensionRequested && patched('still-online-keeps-suspension');
    await this.record('still_online', {
      next: suspended
        ? 'suspension_requested'
        : run.escalatedAtMs !== null
          ? 'escalated'
          : 'customer_notified',
      actor,
      reason,
      data: { falseClaims: run.falseClaims },
    });
  }

  async attributeByHand(customerId: string, actor: string): Promise<void> {
    const run = this.run;
    if (run.state !== 'unattributed') return;
    const attributed = await this.pinPolicy(customerId);
    await this.record('attributed', { next: 'attributed', actor, data: { customerId, by: 'hand' } });
    for (const task of run.timeline.tasks()) if (task.kind === 'attribute') run.timeline.remove(task.taskId);
    if (patched('attributed-by-hand')) {
      // Attributed by signal or API rather than through its task: that task is done, its row must say so.
      await activities.closeTasks({ noticeId: run.id, reason: 'attributed' });
      // Reminders due while nobody held the address would reach the customer seconds after the notice itself.
      run.nextReminder = Math.max(run.nextReminder, remindersDueBy(this.timers, now() - run.receivedMs));
    }
    this.involveReseller(attributed);
    await this.notifyFirst();
    await this.engageNocAtReceipt();
  }

  async reopen(actor: string, reason?: string): Promise<void> {
    const run = this.run;
    if (!run.isClosed() || !run.customer) return;
    run.reopened++;
    run.outcome = null;
    run.answered = false;
    run.claimedAtMs = null;
    run.escalatedAtMs = null;
    run.closedAtMs = null;
    run.suspensionRequested = false;
    run.nocStandingBy = false;
    run.nextReminder = this.timers.reminders.length; // the reopened notice gets its deadline, not the old reminders
    await this.record('reopened', { actor, reason, data: { reopened: run.reopened } });
    if (patched('standing-feed')) {
      await activities.feedStanding({
        customerId: run.customer.id,
        key: `${run.id}:reopened:${run.reopened}`,
        event: { type: 'content_back', noticeId: run.id, category: run.input.category, at: iso(now()) },
      });
    }
    const deadlineMs = deadlineAt(this.timers, now());
    run.deadlineMs = deadlineMs;
    run.notifiedAtMs = now();
    // A reopened notice goes to the end customer: an act_first reseller had its window with the first notice.
    const copy = this.resellerCopy();
    await activities.notifyCustomer({
      noticeId: run.id,
      key: `${run.id}:notify:${run.reopened}`,
      kind: 'notice',
      deadline: iso(deadlineMs),
      ...copy.email,
    });
    await this.record('customer_notified', {
      next: 'customer_notified',
      data: { customerId: run.customer.id, deadline: iso(deadlineMs), reopened: run.reopened, ...copy.data },
    });
  }
}
