import { useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap, type NoticeState, type NoticeSummary } from './api/client';

/** Every state but `closed`: the notices someone still has to act on. */
export const OPEN_STATES: NoticeState[] = [
  'needs_triage',
  'received',
  'unattributed',
  'attributed',
  'customer_notified',
  'reminded',
  'awaiting_confirmation',
  'escalated',
  'suspension_requested',
  'resolved',
];

export interface QueueFilters {
  status?: NoticeState;
  category?: NoticeSummary['category'];
  customer?: string;
}

/** Until the live stream exists the queue asks again this often. */
export const QUEUE_REFRESH_MS = 10_000;

/**
 * The open notices, soonest deadline first and those without a clock last. GET /v1/notices filters by one state;
 * "open" is every state but closed, so without a state filter the queue asks once per open state (each sorted by
 * deadline, at most 200) and merges.
 */
export function useOpenNotices(filters: QueueFilters) {
  const states = filters.status ? [filters.status] : OPEN_STATES;
  return useQuery({
    queryKey: ['queue', filters],
    refetchInterval: QUEUE_REFRESH_MS,
    queryFn: async () => {
      const pages = await Promise.all(
        states.map(async (status) =>
          unwrap(
            await api.GET('/v1/notices', {
              params: {
                query: {
                  status,
                  category: filters.category,
                  customer: filters.customer,
                  sort: 'deadline',
                  limit: 200,
                },
              },
            }),
          ),
        ),
      );
      const notices = pages.flatMap((p) => p.items);
      return {
        total: pages.reduce((sum, p) => sum + p.total, 0),
        items: notices.sort(byTimeLeft),
      };
    },
  });
}

function byTimeLeft(a: NoticeSummary, b: NoticeSummary): number {
  if (a.deadline && b.deadline) return Date.parse(a.deadline) - Date.parse(b.deadline);
  if (a.deadline) return -1;
  if (b.deadline) return 1;
  return Date.parse(a.receivedAt) - Date.parse(b.receivedAt);
}

/** Customer names by id, each asked once and cached: the notice list carries only the id. */
export function useCustomerNames(ids: string[]): Map<string, string> {
  const unique = [...new Set(ids)];
  const results = useQueries({
    queries: unique.map((id) => ({
      queryKey: ['customer', id],
      staleTime: 5 * 60_000,
      queryFn: async () => unwrap(await api.GET('/v1/customers/{id}', { params: { path: { id } } })),
    })),
  });
  const names = new Map<string, string>();
  results.forEach((r, i) => {
    if (r.data) names.set(unique[i], r.data.name);
  });
  return names;
}

/**
 * Whether the customer has answered: the notice list does not carry it yet, its state says it when the customer
 * said "removed" (awaiting the confirmation of the removal). The queue API's own field will replace this.
 */
export function customerAnswered(n: NoticeSummary): boolean {
  return n.state === 'awaiting_confirmation';
}
