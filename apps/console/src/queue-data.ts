import { useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap, type NoticeState, type NoticeSummary } from './api/client';
import { openPage } from './queue-page';

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
  /** The API's search: a URL fragment, host, IP, CIDR, hash or reference, whichever it is. */
  q?: string;
  customerReplied?: boolean;
  overdue?: boolean;
  /** `me`: the caller's own work. */
  assignee?: string;
}

/** The live stream (live.ts) refreshes the queue on every change; this slow refetch only covers a lost stream. */
export const QUEUE_REFRESH_MS = 60_000;

/**
 * The open notices, soonest deadline first and those without a clock last: the API's `time_left` order, which puts
 * closed notices after every open one, so the first page holds the open ones and the closed are dropped.
 */
export function useOpenNotices(filters: QueueFilters) {
  return useQuery({
    queryKey: ['queue', filters],
    refetchInterval: QUEUE_REFRESH_MS,
    queryFn: async () => {
      const page = unwrap(
        await api.GET('/v1/notices', {
          params: {
            query: {
              status: filters.status,
              category: filters.category,
              customer: filters.customer,
              q: filters.q,
              customerReplied: filters.customerReplied,
              overdue: filters.overdue,
              assignee: filters.assignee,
              sort: 'time_left',
              limit: 200,
            },
          },
        }),
      );
      return openPage(page, (state) => OPEN_STATES.includes(state as NoticeState));
    },
  });
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
