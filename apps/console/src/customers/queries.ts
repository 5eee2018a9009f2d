import { useQuery } from '@tanstack/react-query';
import { api, ApiError, unwrap, type NoticeSummary } from '../api/client';
import { OPEN_STATES } from '../queue-data';

/** Customers whose name or reference holds `q` (all of them without one), by reference. */
export function useCustomers(q: string, limit = 100) {
  return useQuery({
    queryKey: ['customers', q, limit],
    queryFn: async () =>
      unwrap(await api.GET('/v1/customers', { params: { query: { q: q || undefined, limit } } })),
  });
}

export function useCustomer(id: string) {
  return useQuery({
    queryKey: ['customer', id],
    queryFn: async () => unwrap(await api.GET('/v1/customers/{id}', { params: { path: { id } } })),
  });
}

/** A 403 is an answer here: the section is left out for a role that may not read it (the NOC's, for one). */
const orHidden = async <T>(call: () => Promise<T>): Promise<T | 'hidden'> => {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return 'hidden';
    throw error;
  }
};

export function useStanding(id: string) {
  return useQuery({
    queryKey: ['standing', id],
    queryFn: () =>
      orHidden(async () =>
        unwrap(await api.GET('/v1/customers/{id}/standing', { params: { path: { id } } })),
      ),
  });
}

export function useMeasures(id: string) {
  return useQuery({
    queryKey: ['measures', id],
    queryFn: () =>
      orHidden(async () =>
        unwrap(await api.GET('/v1/customers/{id}/measures', { params: { path: { id } } })),
      ),
  });
}

/** The customer's notices: the open ones by their clock, and the last closed ones, newest first. */
export function useCustomerNotices(customer: string) {
  return useQuery({
    queryKey: ['customer-notices', customer],
    queryFn: async () => {
      const [open, closed] = await Promise.all([
        api.GET('/v1/notices', { params: { query: { customer, sort: 'time_left', limit: 200 } } }),
        api.GET('/v1/notices', {
          params: { query: { customer, status: 'closed', sort: '-received_at', limit: 50 } },
        }),
      ]);
      const isOpen = (n: NoticeSummary) => OPEN_STATES.includes(n.state);
      return { open: unwrap(open).items.filter(isOpen), past: unwrap(closed).items };
    },
  });
}
