import type {
  Category,
  StandingEvent,
  CategoryPolicy,
  NoticeOutcome,
  NoticeState,
  TaskAssignee,
  TaskKind,
} from '@takedown/domain';

/** One step on the notice's timeline; `key` makes a retried write happen once. */
export interface TimelineEvent {
  noticeId: string;
  key: string;
  type: string;
  actor: string;
  reason?: string;
  data?: Record<string, unknown>;
  /** When the step happened by the workflow's clock (ISO 8601). */
  at: string;
  /** The notice's state after this step, kept in step in the `notices` row. */
  state?: NoticeState;
  outcome?: NoticeOutcome;
  /** Set when the notice gets (or changes) its deadline. */
  deadline?: string;
  /** When the material was removed (the customer's claim, once confirmed); recorded with the closing step. */
  removedAt?: string;
}

export interface AttributedTo {
  id: string;
  reference: string;
  name: string;
}

/**
 * The reseller whose prefix held the customer's when the notice arrived, and how its contract involved it then
 * (`informed` or `act_first`; a reseller left out is not named).
 */
export interface ResellerInvolved extends AttributedTo {
  mode: 'informed' | 'act_first';
  /** act_first: how long the reseller has to answer before the end customer is notified. */
  actFirstMinutes?: number;
}

/** Who holds the notice's address, and the timer policy in force for that customer when the notice arrived. */
export interface AttributionResult {
  customer: AttributedTo | null;
  policy: { id: string; version: number; timers: CategoryPolicy };
  /** Absent where no reseller is involved, and in results recorded before resellers were. */
  reseller?: ResellerInvolved;
  /** The notice's deadline under that policy (ISO 8601); absent in results recorded before it was returned. */
  deadline?: string;
}

export interface AttributeInput {
  noticeId: string;
  category: Category;
  receivedAt: string;
  customerId?: string;
}

/** A new notice's first steps, recorded in one activity (notice workflow patch `intake-in-fewer-steps`). */
export interface ReceiveNotice extends AttributeInput {
  /** When, by the workflow's clock: the time of both events. */
  at: string;
  /** The `received` event's key. */
  receivedKey: string;
  /** The attribution event's key without its type (`attributed` or `unattributed`, which only the result tells). */
  attributionKeyPrefix: string;
}

export interface CustomerEmail {
  noticeId: string;
  /** One email per notice and step (`<noticeId>:notify`, `<noticeId>:reminder:1`), whatever the retries. */
  key: string;
  /** `last_call`: the policy's last reminder shortly before the deadline, which says what happens after it. */
  kind: 'notice' | 'reminder' | 'last_call';
  /** The deadline the email states (ISO 8601); shown in the customer's time zone. */
  deadline: string;
  /** A removal order: the email is marked urgent for the customer's 24/7 contacts (policy `aroundTheClock`). */
  aroundTheClock?: boolean;
  /**
   * The notice's reseller (patch `reseller-modes`): `first`, the email goes to the reseller instead of the customer
   * (act_first, answered by `until`); `copy`, the customer's email goes to the reseller as well (informed).
   */
  reseller?: { role: 'first'; until: string } | { role: 'copy' };
  /** The timeline step the email stands for, recorded once it is out, in the same activity. */
  then?: TimelineEvent;
}

export interface OpenTask {
  noticeId: string;
  /** One task per notice and step, whatever the retries. */
  key: string;
  kind: TaskKind;
  assignee: TaskAssignee;
  /** When the task is due (ISO 8601); reminders are the workflow's business. */
  dueAt: string;
  /** One sentence on what is asked, shown in the email and the task list. */
  summary: string;
}

/** A removal claim to check by HEAD requests to the notice's URLs (policy `probeRemoval`). */
export interface ProbeRemoval {
  noticeId: string;
  /** Per request: the policy's `probeTimeout`. */
  timeoutMs: number;
}

/** What one HEAD request answered: the evidence on the timeline. */
export interface ProbeAnswer {
  /** The URL's position in the notice (1-based), not its text. */
  url: number;
  /** The HTTP status; null when there was none (timeout, refused, not probed). */
  status: number | null;
  /** When the request was sent (ISO 8601). */
  at: string;
  /** Content-Length, ETag: what tells a placeholder from the material. */
  length?: number;
  etag?: string;
  /** Why there is no status, without the host or the URL. */
  error?: string;
}

export interface ProbeResult {
  /** gone: 404/410 for every URL; present: a 2xx for one; unknown: anything else; not_probed: nothing was sent. */
  result: 'gone' | 'present' | 'unknown' | 'not_probed';
  answers: ProbeAnswer[];
  reason?: string;
}

export interface RemovalProbeActivities {
  /** Sends one HEAD request to each of the notice's URLs; never for CSAM or terrorist content. */
  probeRemoval(input: ProbeRemoval): Promise<ProbeResult>;
}

/** The activities a notice workflow calls. Implemented by the worker (apps/worker), typed here only. */
export interface NoticeActivities extends RemovalProbeActivities {
  recordEvent(event: TimelineEvent): Promise<void>;
  /**
   * Attributes the notice's IP at its observed (else received) time, or to `customerId` when the desk said so, and
   * pins the policy version in force at receipt for that customer's contract. Stores both on the notice row.
   */
  attributeNotice(input: AttributeInput): Promise<AttributionResult>;
  /** `received`, attribution and the attribution's event in one transaction (see ReceiveNotice). */
  receiveNotice(input: ReceiveNotice): Promise<AttributionResult>;
  /**
   * Emails the customer's abuse contacts, in its language, with signed single-use links (removed / dispute); then
   * records `then`, when given.
   */
  notifyCustomer(email: CustomerEmail): Promise<void>;
  /** Creates a task (idempotent by key) and emails its assignee with a signed link per outcome. */
  openTask(task: OpenTask): Promise<{ taskId: string }>;
  /** Emails the assignee of a still-open task again, once per key. */
  remindTask(input: { taskId: string; key: string }): Promise<void>;
  /**
   * Sends the customer the statement of reasons for the suspension of what serves the notice's content (DSA Art. 17),
   * signed and stored; once per notice.
   */
  sendSuspensionStatement(input: { noticeId: string }): Promise<void>;
  /** Cancels the notice's open tasks when it closes, so that their links say so. */
  closeTasks(input: { noticeId: string; reason: string }): Promise<void>;
  /** Tells the source what happened, once, where it gave a contact. */
  sendSourceFeedback(input: { noticeId: string; key: string }): Promise<void>;
  /**
   * Passes a closed (or reopened) notice on to its customer's standing workflow, starting that workflow if it is not
   * running (signal-with-start: a workflow cannot do that itself). `key` identifies the event there.
   */
  feedStanding(input: { customerId: string; key: string; event: StandingEvent }): Promise<void>;
}
