import { fetchEventSource } from '@microsoft/fetch-event-source';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { session } from './session';

/** What a `notice` event says (docs/events.md): which notice, what happened, its state now; never URLs or text. */
interface NoticeEvent {
  noticeId: string;
  type: string;
  state: string;
}

/** Refused for good (401, 403): reconnecting would only be refused again. */
class Refused extends Error {}

/** Wait this long before reconnecting after a lost stream (the server's `retry:` is the same). */
const RETRY_MS = 3_000;

/**
 * The last event this tab saw, and for which token: the next page's stream resumes after it, so nothing that happened
 * while the person moved from the queue to a notice is missed. Another token starts afresh.
 */
let seen: { token: string; id: string } | null = null;

/**
 * Keeps the queue, the notice pages and the tasks current from `GET /v1/events` while someone is signed in: each
 * event marks the lists and that notice stale, and TanStack Query refetches what is on screen. The browser's
 * EventSource cannot send the Authorization header, so the stream is read through fetch; on a reconnect the library
 * sends the last id as `Last-Event-ID` and the API replays what was missed (and so does the next page's stream).
 * Returns whether the stream is open (the pages' slow refetch covers the time it is not).
 */
export function useLiveEvents(): boolean {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const token = session.token();
    if (!token) return;
    const stop = new AbortController();
    let pending = false;
    const touched = new Set<string>();
    // A burst of events (a bulk action on 200 notices) refetches once, not 200 times.
    const flush = () => {
      pending = false;
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
      for (const id of touched) void queryClient.invalidateQueries({ queryKey: ['notice', id] });
      touched.clear();
    };
    void fetchEventSource('/v1/events', {
      // Lower case: the library sets the same key itself on its own reconnects.
      headers: {
        Authorization: `Bearer ${token}`,
        ...(seen?.token === token ? { 'last-event-id': seen.id } : {}),
      },
      signal: stop.signal,
      // A hidden tab keeps its stream: the desk leaves the queue open in a background tab.
      openWhenHidden: true,
      async onopen(response) {
        if (response.status === 401 || response.status === 403) throw new Refused();
        if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
        setOpen(true);
      },
      onmessage(message) {
        if (message.id) seen = { token, id: message.id };
        if (message.event === 'reload') {
          void queryClient.invalidateQueries();
          return;
        }
        if (message.event !== 'notice') return;
        const event = JSON.parse(message.data) as NoticeEvent;
        touched.add(event.noticeId);
        if (!pending) {
          pending = true;
          window.setTimeout(flush, 100);
        }
      },
      onclose() {
        setOpen(false);
        // The API ended the stream (a restart, a lost LISTEN connection): reconnect and resume.
        throw new Error('events: stream ended');
      },
      onerror(error) {
        setOpen(false);
        if (error instanceof Refused) throw error;
        return RETRY_MS;
      },
    }).catch(() => setOpen(false));
    return () => stop.abort();
  }, [queryClient]);
  return open;
}
