import type { UserManager } from 'oidc-client-ts';
import { freshCode } from './new-build';

/** What the API tells the console before sign-in (GET /console/settings.json). */
export interface ConsoleSettings {
  oidc: { issuer: string; clientId: string; scope: string } | null;
}
export type OidcSettings = NonNullable<ConsoleSettings['oidc']>;

export async function fetchSettings(): Promise<ConsoleSettings> {
  const res = await fetch('/console/settings.json', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`the console's settings answered ${res.status}`);
  return (await res.json()) as ConsoleSettings;
}

/**
 * Single sign-on: authorization code with PKCE (oidc-client-ts), loaded only when someone uses it. Its state and
 * the user live in sessionStorage, like the API token (oidc-client-ts would keep its state in localStorage).
 */
async function userManager(oidc: OidcSettings): Promise<UserManager> {
  const { UserManager, WebStorageStateStore } = await freshCode(() => import('oidc-client-ts'));
  return new UserManager({
    authority: oidc.issuer,
    client_id: oidc.clientId,
    redirect_uri: `${window.location.origin}/console/callback`,
    response_type: 'code',
    scope: oidc.scope,
    loadUserInfo: false,
    automaticSilentRenew: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** Sends the browser to the issuer's sign-in page. */
export async function startSignIn(oidc: OidcSettings): Promise<void> {
  await (await userManager(oidc)).signinRedirect();
}

/** On the way back (/console/callback): exchanges the code for tokens; the access token is the API's bearer. */
export async function finishSignIn(oidc: OidcSettings): Promise<string> {
  const user = await (await userManager(oidc)).signinRedirectCallback();
  return user.access_token;
}
