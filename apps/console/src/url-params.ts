import { useCallback } from 'react';
import { useSearchParams, type NavigateOptions } from 'react-router-dom';

/** Parameter changes: a value sets the parameter, null or '' removes it. */
export type ParamChanges = Record<string, string | null>;

/**
 * Changes some of the page's URL parameters and keeps the others as the URL holds them now. `useSearchParams`' value
 * is the last render's: a change built on it undoes any change made since, as when a date is typed into one field and
 * at once into the next before React renders again. The browser's URL is already the latest (BrowserRouter writes it
 * at once).
 */
export function useParamChanges(): (changes: ParamChanges, options?: NavigateOptions) => void {
  const [, setParams] = useSearchParams();
  return useCallback(
    (changes, options) => {
      const next = new URLSearchParams(window.location.search);
      for (const [name, value] of Object.entries(changes)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      setParams(next, options);
    },
    [setParams],
  );
}
