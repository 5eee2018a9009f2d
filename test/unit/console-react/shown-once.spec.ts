import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { portalSession } from '../../../apps/console/src/portal/session';
import { session } from '../../../apps/console/src/session';
import { useShownOnce } from '../../../apps/console/src/shown-once';

/** The tab's sessionStorage, as the browser has it. */
const stored = new Map<string, string>();
Object.assign(globalThis, {
  sessionStorage: {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
    removeItem: (key: string) => void stored.delete(key),
    clear: () => stored.clear(),
  },
});

/** What the sign-in pages do with the reason of a sign-out. */
function Reason({ read, forget }: { read: () => unknown; forget: () => void }) {
  return createElement('p', null, String(useShownOnce(read, forget)));
}

/**
 * What `load` reads from the session modules as a reload of the page loads them: fresh, with only what
 * sessionStorage kept.
 */
async function afterReload<T>(load: () => Promise<T>): Promise<T> {
  let loaded!: T;
  await jest.isolateModulesAsync(async () => {
    loaded = await load();
  });
  return loaded;
}

/**
 * CI stop 30: after a 401 the sign-in page came up without "Your session has ended". A navigation renders in a
 * transition; a more urgent update (the failed queries of the page left behind) throws that render away and React
 * renders the page again. The first render had read the reason and removed it, so the second found none.
 * Rendering is pure now: the reason is only forgotten once the page is on show (an effect, which a server render
 * never runs; the console e2e checks that a reload of the sign-in page no longer shows it).
 */
describe('the reason of a sign-out, shown on the sign-in page', () => {
  beforeEach(() => stored.clear());

  it.each([
    {
      page: 'the console',
      signOut: () => session.signOut('expired'),
      read: session.reason,
      readAfterReload: () =>
        afterReload(async () => (await import('../../../apps/console/src/session')).session.reason),
      forget: session.forgetReason,
      shown: '<p>expired</p>',
      none: '<p>null</p>',
    },
    {
      page: 'the portal',
      signOut: () => portalSession.signOut('expired'),
      read: portalSession.expired,
      readAfterReload: () =>
        afterReload(
          async () => (await import('../../../apps/console/src/portal/session')).portalSession.expired,
        ),
      forget: portalSession.forgetExpired,
      shown: '<p>true</p>',
      none: '<p>false</p>',
    },
  ])(
    'survives a render that React throws away and a mount after the showing, and is gone after a reload ($page)',
    async ({ signOut, read, readAfterReload, forget, shown, none }) => {
      signOut();
      const page = (reader: () => unknown = read) =>
        renderToString(createElement(Reason, { read: reader, forget }));
      expect(page()).toBe(shown);
      expect(page()).toBe(shown);
      // On show, the page forgets the stored copy; mounted again in this page's life (warm run J), it still says it.
      forget();
      expect(page()).toBe(shown);
      // A reload of the sign-in page no longer says it.
      expect(page(await readAfterReload())).toBe(none);
    },
  );

  it('is gone with a sign-in, and a plain sign-out leaves none', () => {
    session.signOut('expired');
    session.signIn('td_token');
    expect(session.reason()).toBeNull();
    session.signOut();
    expect(session.reason()).toBeNull();
    portalSession.signOut('expired');
    portalSession.signIn('td_customer');
    expect(portalSession.expired()).toBe(false);
  });
});
