import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NoticeOutcome, NoticeState, TaskKind } from '@takedown/domain';

/** Who did something: `desk:<name>`, `customer:<reference>`, `source:<name>`, `link:<jti>`, `workflow`. */
export interface Actor {
  by: string;
}

/** The source or the abuse desk confirms that the material is gone. */
export interface RemovalConfirmation extends Actor {
  at?: string;
  note?: string;
}

/** The customer's answer, through a signed link or the API. */
export interface CustomerResponse extends Actor {
  kind: 'removed' | 'dispute';
  reason?: string;
}

/** A task of this notice was completed (through the API or its signed link). */
export interface TaskCompletion extends Actor {
  taskId: string;
  kind: TaskKind;
  outcome: string;
  note?: string;
  /** For `attribute`: the customer the desk attributed the notice to. */
  customerId?: string;
}

export interface DeskAction extends Actor {
  reason?: string;
}

export interface PendingTask {
  taskId: string;
  kind: TaskKind;
  dueAt: string;
}

export interface NoticeStatus {
  state: NoticeState;
  /** Null while the notice is unattributed: the customer's clock has not started. */
  deadline: string | null;
  outcome: NoticeOutcome | null;
  customerId: string | null;
  falseClaims: number;
  pendingTasks: PendingTask[];
}

export const confirmRemovalSignal = defineSignal<[RemovalConfirmation]>('confirmRemoval');
export const stillOnlineSignal = defineSignal<[DeskAction]>('stillOnline');
export const customerResponseSignal = defineSignal<[CustomerResponse]>('customerResponse');
export const taskCompletedSignal = defineSignal<[TaskCompletion]>('taskCompleted');
export const attributeSignal = defineSignal<[Actor & { customerId: string }]>('attribute');
export const reopenSignal = defineSignal<[DeskAction]>('reopen');
export const rejectInvalidSignal = defineSignal<[DeskAction]>('rejectInvalid');
export const escalateNowSignal = defineSignal<[DeskAction]>('escalateNow');
export const withdrawSignal = defineSignal<[DeskAction]>('withdraw');
export const addNoteSignal = defineSignal<[Actor & { note: string }]>('addNote');
export const duplicateReportSignal = defineSignal<[Actor & { sourceReference: string }]>('duplicateReport');

export const statusQuery = defineQuery<NoticeStatus>('status');

/** Every action on a notice, as its workflow takes it in (from a signal or an update), in order. */
export type NoticeMessage =
  | { type: 'confirm'; by: string; note?: string }
  | { type: 'stillOnline'; by: string; reason?: string }
  | { type: 'customer'; kind: 'removed' | 'dispute'; by: string; reason?: string }
  | ({ type: 'task' } & TaskCompletion)
  | { type: 'attribute'; customerId: string; by: string }
  | { type: 'reopen' | 'invalid' | 'escalateNow' | 'withdraw'; by: string; reason?: string }
  | { type: 'note'; by: string; note: string }
  | { type: 'duplicate'; by: string; sourceReference: string };

/**
 * An action that can be refused: its validator answers at once (a failure whose type is the conflict's code, e.g.
 * `NOTICE.ALREADY_CLOSED`, with the status in its details), else it is carried out and the new status returned.
 * `by` is the authenticated principal, set by the API, never a caller's own words.
 */
export const noticeActionUpdate = defineUpdate<NoticeStatus, [NoticeMessage]>('act');
