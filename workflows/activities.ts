import type { NoticeOutcome, NoticeState } from '@takedown/domain';

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
}

export interface NoticeEmail {
  noticeId: string;
  /** One email per notice and step, whatever the retries. */
  key: string;
  template: 'deadline_missed';
}

/** The activities a notice workflow calls. Implemented by the worker (apps/worker), typed here only. */
export interface NoticeActivities {
  recordEvent(event: TimelineEvent): Promise<void>;
  sendNoticeEmail(email: NoticeEmail): Promise<void>;
}
