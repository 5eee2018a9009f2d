import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { NoticeOutcome, NoticeState } from '@takedown/domain';

/** What the abuse desk or the source says about a removal: `by` names the person or integration. */
export interface RemovalConfirmation {
  by: string;
  at?: string;
  note?: string;
}

export interface NoticeStatus {
  state: NoticeState;
  deadline: string;
  outcome: NoticeOutcome | null;
}

export const confirmRemovalSignal = defineSignal<[RemovalConfirmation]>('confirmRemoval');
export const statusQuery = defineQuery<NoticeStatus>('status');
