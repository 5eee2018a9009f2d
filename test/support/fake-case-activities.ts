import { terminationTimersFor, type TaskKind } from '@takedown/domain';
import type { StandingActivities } from '@takedown/workflows/standing-activities';
import type { TerminationActivities, TerminationCaseFacts } from '@takedown/workflows/termination-activities';

type Name = keyof StandingActivities | keyof TerminationActivities;

/**
 * In-memory activities for the standing and termination workflows' time-skipping tests: they record what the
 * workflows asked for. `openTerminationCase` records, and calls `onOpenCase` for a test that wants the case to run.
 */
export function recordingCaseActivities(
  opts: {
    facts?: Partial<TerminationCaseFacts>;
    verifiedMeasures?: string[];
    onOpenCase?: (input: { caseId: string; customerId: string }) => Promise<void>;
  } = {},
) {
  const calls: { name: Name; arg: Record<string, unknown> }[] = [];
  let tasks = 0;
  const push = (name: Name, arg: object) => void calls.push({ name, arg: arg as Record<string, unknown> });
  const activities: StandingActivities & TerminationActivities = {
    async loadStanding(input) {
      push('loadStanding', input);
      return { verifiedMeasures: opts.verifiedMeasures ?? [] };
    },
    async recordStanding(r) {
      push('recordStanding', r);
    },
    async sendStandingLetter(l) {
      push('sendStandingLetter', l);
    },
    async openTerminationCase(input) {
      push('openTerminationCase', input);
      await opts.onOpenCase?.(input);
      return { caseId: input.caseId };
    },
    async loadCase(input) {
      push('loadCase', input);
      return {
        customer: { id: 'customer-1', reference: 'C-1001', name: 'Tenant A' },
        contract: { noticePeriodDays: 30, immediateTerminationForIllegalContent: false },
        illegalContent: false,
        timers: terminationTimersFor('default'),
        ...opts.facts,
      };
    },
    async recordCaseEvent(e) {
      push('recordCaseEvent', e);
    },
    async openCaseTask(t) {
      push('openCaseTask', t);
      return { taskId: `case-task-${++tasks}` };
    },
    async remindCaseTask(input) {
      push('remindCaseTask', input);
    },
    async closeCaseTasks(input) {
      push('closeCaseTasks', input);
    },
    async sendTerminationLetter(input) {
      push('sendTerminationLetter', input);
    },
    async setCustomerStatus(input) {
      push('setCustomerStatus', input);
    },
    async releasePrefixes(input) {
      push('releasePrefixes', input);
      return { released: ['192.0.2.0/24'] };
    },
  };
  const of = (name: Name) => calls.filter((c) => c.name === name).map((c) => c.arg);
  return {
    activities,
    calls,
    of,
    /** The case tasks opened so far, with the ids the fake gave them. */
    tasks: () =>
      of('openCaseTask').map((t, i) => ({ taskId: `case-task-${i + 1}`, kind: t.kind as TaskKind })),
    caseEvents: () => of('recordCaseEvent').map((e) => e.type as string),
  };
}
