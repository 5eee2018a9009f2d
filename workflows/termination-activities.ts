import type { TaskAssignee, TaskKind, TerminationStatus, TerminationTimers } from '@takedown/domain';

export interface TerminationCaseFacts {
  customer: { id: string; reference: string; name: string };
  contract: { noticePeriodDays: number; immediateTerminationForIllegalContent: boolean } | null;
  /** Whether the customer's record holds illegal content (CSAM, terrorist content) the contract lets end at once. */
  illegalContent: boolean;
  timers: TerminationTimers;
}

/** One step on the case's append-only timeline; `status` is kept in step in the case row. */
export interface CaseEvent {
  caseId: string;
  key: string;
  type: string;
  actor: string;
  reason?: string;
  data?: Record<string, unknown>;
  at: string;
  status?: TerminationStatus;
  effectiveAt?: string;
}

export interface CaseTask {
  caseId: string;
  key: string;
  kind: TaskKind;
  assignee: TaskAssignee;
  dueAt: string;
  summary: string;
}

/** The activities a termination workflow calls. Implemented in apps/worker. */
export interface TerminationActivities {
  loadCase(input: { caseId: string }): Promise<TerminationCaseFacts>;
  recordCaseEvent(event: CaseEvent): Promise<void>;
  /** Opens a task of the case (the tasks table, with signed links by email), idempotent by key. */
  openCaseTask(task: CaseTask): Promise<{ taskId: string }>;
  remindCaseTask(input: { taskId: string; key: string }): Promise<void>;
  closeCaseTasks(input: { caseId: string; reason: string }): Promise<void>;
  /** The formal letter to the customer: the notice of termination, a reminder of it, or its withdrawal. */
  sendTerminationLetter(input: {
    caseId: string;
    key: string;
    kind: 'notice' | 'reminder' | 'withdrawn';
    effectiveAt?: string;
  }): Promise<void>;
  /** `terminating` while the notice runs, `active` again on withdrawal, `terminated` at the end. */
  setCustomerStatus(input: {
    customerId: string;
    status: 'active' | 'terminating' | 'terminated';
  }): Promise<void>;
  /** Ends the customer's open prefix assignments at `at`; the rows stay, as attribution history. */
  releasePrefixes(input: { customerId: string; at: string }): Promise<{ released: string[] }>;
}
