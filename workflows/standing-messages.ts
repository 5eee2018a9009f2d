import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StandingCounts, StandingEvent, StandingLevel } from '@takedown/domain';

/** An event for a customer's standing; `id` makes a repeated delivery count once. */
export interface StandingEventMessage {
  id: string;
  event: StandingEvent;
}

export interface StandingStatus {
  customerId: string;
  level: StandingLevel;
  counts: StandingCounts;
  /** Every event ever received, across continue-as-new. */
  eventCount: number;
  lastEvents: StandingEvent[];
  terminationCaseId: string | null;
  policy: { id: string; version: number; window: string };
}

export const standingEventSignal = defineSignal<[StandingEventMessage]>('standingEvent');
export const standingQuery = defineQuery<StandingStatus>('standing');

export const standingWorkflowId = (customerId: string): string => `standing-${customerId}`;
