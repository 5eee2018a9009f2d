import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { useIntentKey } from '../api/intent-key';
import {
  portalApi,
  type AnswerKind,
  type CustomerAppeal,
  type CustomerMeasure,
  type CustomerNotice,
  type CustomerProfile,
  type CustomerStanding,
} from './api';
import { portalSession } from './session';

/** Every portal query is keyed by the token: a second customer's session never sees the first's cache. */
const key = (...parts: string[]) => ['portal', portalSession.token() ?? '', ...parts];

export function useProfile() {
  return useQuery<CustomerProfile>({
    queryKey: key('profile'),
    queryFn: async () => unwrap(await portalApi.GET('/v1/customer/profile')),
    staleTime: Infinity,
  });
}

export function useNotices(status: 'open' | 'closed') {
  return useQuery<CustomerNotice[]>({
    queryKey: key('notices', status),
    queryFn: async () =>
      unwrap(await portalApi.GET('/v1/customer/notices', { params: { query: { status, limit: 200 } } }))
        .items,
    // New notices and the desk's decisions arrive without a reload.
    refetchInterval: 30_000,
  });
}

export function useStanding() {
  return useQuery<CustomerStanding>({
    queryKey: key('standing'),
    queryFn: async () => unwrap(await portalApi.GET('/v1/customer/standing')),
  });
}

export function useMeasures() {
  return useQuery<CustomerMeasure[]>({
    queryKey: key('measures'),
    queryFn: async () => unwrap(await portalApi.GET('/v1/customer/measures')),
  });
}

/** One answer for many notices at once; a result per notice. */
export function useAnswerMany() {
  const client = useQueryClient();
  const intent = useIntentKey();
  return useMutation({
    mutationFn: async (input: { ids: string[]; kind: AnswerKind; reason?: string }) => {
      const body = {
        answers: input.ids.map((noticeId) => ({
          noticeId,
          kind: input.kind,
          ...(input.kind === 'dispute' ? { reason: input.reason } : {}),
        })),
      };
      return unwrap(
        await portalApi.POST('/v1/customer/answers', {
          params: { header: { 'Idempotency-Key': intent.for(JSON.stringify(body)) } },
          body,
        }),
      ).results;
    },
    onSettled: (_data, error) => {
      intent.settled(error ?? undefined);
      return client.invalidateQueries({ queryKey: ['portal'] });
    },
  });
}

export function useDeclareMeasure() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { kind: string; evidence: string; date: string }) =>
      unwrap(await portalApi.POST('/v1/customer/measures', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['portal'] }),
  });
}

/** The customer's appeals; the closed notices show each one's status. */
export function useAppeals() {
  return useQuery<CustomerAppeal[]>({
    queryKey: key('appeals'),
    queryFn: async () =>
      unwrap(await portalApi.GET('/v1/customer/appeals', { params: { query: { limit: 200 } } })).items,
    refetchInterval: 30_000,
  });
}

export function useFileAppeal() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { noticeId: string; reason: string }) =>
      unwrap(await portalApi.POST('/v1/customer/appeals', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['portal'] }),
  });
}
