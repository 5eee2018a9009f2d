import { lazy, type ComponentType } from 'react';

/** When the last reload for a new build happened, in this tab. */
const RELOADED_AT = 'takedown.reloadedForNewBuild';
/** Code that fails to load again this soon after such a reload is not missing for an upgrade: the error shows. */
const AGAIN_WITHIN_MS = 30_000;

/**
 * Code fetched when first needed (a page, a library), as `load` fetches it. After an upgrade, a tab opened before it
 * asks for a chunk (named by a hash of its content) that the new build no longer has: the tab then loads the console
 * again, once, and so takes the new build's index.html at the same address; till the reload the page stays on its
 * loader. A failure right after that reload is something else (the API is down) and is the caller's error, as is any
 * failure in a tab without session storage.
 */
export function freshCode<T>(load: () => Promise<T>, win: Window = window): Promise<T> {
  return load().catch((err: unknown) => {
    if (!reloadForNewBuild(win)) throw err;
    return new Promise<T>(() => undefined);
  });
}

/** `React.lazy` for a page, through `freshCode`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- React.lazy's own bound
export function lazyPage<T extends ComponentType<any>>(load: () => Promise<{ default: T }>) {
  return lazy(() => freshCode(load));
}

function reloadForNewBuild(win: Window): boolean {
  try {
    const last = Number(win.sessionStorage.getItem(RELOADED_AT) ?? 0);
    if (Date.now() - last < AGAIN_WITHIN_MS) return false;
    win.sessionStorage.setItem(RELOADED_AT, String(Date.now()));
  } catch {
    return false;
  }
  win.location.reload();
  return true;
}
