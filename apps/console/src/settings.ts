import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from './api/client';
import type { Language } from './i18n';
import { session } from './session';

export type Settings = Schemas['SettingsView'];

/** The person's own settings (GET /v1/me/settings): the time zone in effect and the language they picked. */
export function useSettings() {
  const token = session.token();
  return useQuery<Settings>({
    queryKey: ['settings', token],
    queryFn: async () => unwrap(await api.GET('/v1/me/settings')),
    enabled: token !== null,
    staleTime: Infinity,
  });
}

/** Stores a change of the person's settings; the console re-renders in the new zone when the answer is in. */
export function useSaveSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['UpdateSettingsDto']) =>
      unwrap(await api.PUT('/v1/me/settings', { body })),
    onSuccess: (settings) => client.setQueryData(['settings', session.token()], settings),
  });
}

/** The language switch keeps the person's pick server-side too, so that it follows them to another browser. */
export function useSaveLanguage(): (language: Language) => void {
  const save = useSaveSettings();
  return (language) => save.mutate({ language });
}
