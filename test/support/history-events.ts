import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { eventually } from './eventually';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activities a run had the server schedule (activity tasks), in order. */
export function scheduledActivitiesIn(events: readonly HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return type ? [type] : [];
  });
}

/**
 * The local activities a run recorded, in order, each with the try its marker records and the index of the marker in
 * `events`. The SDK's core writes one `core_local_activity` marker per local activity that ended, its type and try in
 * the JSON of the marker's `data`.
 */
export function localActivitiesIn(
  events: readonly HistoryEvent[],
): { type: string; attempt: number; at: number }[] {
  return events.flatMap((e, at) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const data = marker.details?.data?.payloads?.[0]?.data;
    if (!data) return [];
    const { activity_type: type, attempt } = JSON.parse(Buffer.from(data).toString()) as {
      activity_type: string;
      attempt: number;
    };
    return [{ type, attempt, at }];
  });
}

/** A run's history once `ready` holds for it (read again until then, as `eventually` does). */
export function historyOnce(
  handle: WorkflowHandle,
  ready: (events: HistoryEvent[]) => boolean,
): Promise<HistoryEvent[]> {
  return eventually(async () => (await handle.fetchHistory()).events ?? [], ready);
}
