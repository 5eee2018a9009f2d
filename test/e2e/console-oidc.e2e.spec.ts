import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '@takedown/dev';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { watchPages } from '../support/console-browser';
import { buildConsoleOnce } from '../support/console-build';
import { startListeningSystem, type ListeningSystem } from '../support/listening-system';

const ROOT = path.resolve(__dirname, '..', '..');
const AUDIENCE = 'https://takedown.test/api';

/**
 * Single sign-on in the console: authorization code with PKCE (oidc-client-ts) against a real OpenID Connect
 * provider on loopback (oidc-provider, test/support/oidc-console-provider.mjs), whose JWT access token the API then accepts
 * as the bearer of every call. Nothing of it reaches localStorage.
 */
describe('the web console with single sign-on', () => {
  let system: ListeningSystem;
  let browser: Browser;
  let provider: ChildProcess;

  beforeAll(async () => {
    const build = buildConsoleOnce();
    const executablePath = await ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
    await build;
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    system = await startListeningSystem({
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_JWKS_URL: `${issuer}/jwks`,
      OIDC_ROLE_MAP: 'abuse_desk=abuse_desk,abuse_lead=abuse_lead,legal=legal,noc=noc',
      OIDC_CONSOLE_CLIENT_ID: 'takedown-console',
      OIDC_CONSOLE_SCOPE: 'openid api',
    });
    provider = spawn(
      process.execPath,
      [
        path.join(ROOT, 'test', 'support', 'oidc-console-provider.mjs'),
        String(port),
        AUDIENCE,
        `${system.baseUrl}/console/callback`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      provider.once('exit', (code) => reject(new Error(`the OIDC provider exited (${code})`)));
      createInterface({ input: provider.stdout! }).on('line', (line) => {
        if (line.startsWith('listening')) resolve();
      });
    });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    provider?.kill();
    await system?.stop();
  });

  it('signs a desk member in at the provider and back, calls the API with the access token, and signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watchPages(context);
    // The provider's development pages link a web font: nothing leaves loopback.
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    const page = await context.newPage();
    const errors: string[] = [];
    // The console's pages must log no error (the provider's own pages are not ours to judge).
    page.on('console', (m) => {
      if (m.type() === 'error' && page.url().startsWith(system.baseUrl)) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${system.baseUrl}/console/`);
      await page.waitForURL(/\/console\/sign-in$/);
      const csp = (await page.request.get(`${system.baseUrl}/console/sign-in`)).headers()[
        'content-security-policy'
      ];
      expect(csp).toMatch(new RegExp(`connect-src 'self' http://127\\.0\\.0\\.1:\\d+`));

      await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
      // The provider's own login and consent pages (oidc-provider's development interactions).
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await page.locator('input[name="login"]').fill('desk');
      await page.locator('input[name="password"]').fill('any');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.waitForURL(/\/console\/?$/);
      await page.getByRole('heading', { name: 'Queue' }).waitFor();
      await expect(page.getByText('Signed in as desk@provider.example (abuse_desk)').count()).resolves.toBe(
        1,
      );
      const token = (await page.evaluate('sessionStorage.getItem("takedown.console.token")')) as string;
      // The API took the provider's JWT: /v1/me answers for the OIDC subject.
      const me = (await (
        await fetch(`${system.baseUrl}/v1/me`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { subject: string; role: string };
      expect(me).toEqual(expect.objectContaining({ subject: 'oidc:desk', role: 'abuse_desk' }));
      expect(await page.evaluate('localStorage.length')).toBe(0);

      await page.getByTestId('sign-out').click();
      await page.waitForURL(/\/console\/sign-in$/);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
