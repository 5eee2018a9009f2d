import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { CustomerEntity } from '@takedown/persistence';
import type { Http } from '../support/api';
import {
  checkAccessibility,
  openTab,
  screenshots,
  signIn as signInWithToken,
  startConsoleSystem,
} from '../support/console-browser';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually, expectText, expectTextContaining } from '../support/eventually';
import type { ListeningSystem } from '../support/listening-system';
import { testSpace } from '../support/prefixes';

const LONG_NAME =
  'Stichting Internationale Hostingdiensten voor Onderwijs, Cultuur en Wetenschap Nederland en België B.V. i.o.';

interface NoticeBody {
  id: string;
  state: string;
  customerId: string | null;
  deadline: string | null;
  pendingTasks: { id: string; kind: string }[];
}

/**
 * The web console in a real headless Chromium, against the API listening on loopback on the real stack
 * (PostgreSQL, Temporal, a worker, SMTP capture), serving the console as `npm run build` builds it. Every page is
 * checked with axe-core and must log no error; the screenshots in docs/screenshots are written here.
 */
describe('the web console in a browser, end to end', () => {
  let system: ListeningSystem;
  let http: Http;
  let db: DataSource;
  let browser: Browser;
  let long: StoredCustomer;
  let other: StoredCustomer;
  const created: Record<'csam' | 'phishing' | 'unattributed', NoticeBody> = {} as never;
  // This file's notices share a host no other file uses: the lane's database holds other files' open notices, and
  // past the queue's first 200 rows the notice without a clock would not be listed at all.
  const host = `files-${randomUUID().slice(0, 8)}.tenant.example`;

  beforeAll(async () => {
    // The console as `npm run build` builds it (production React), served by the API from dist/console.
    ({ system, browser } = await startConsoleSystem());
    http = system.http;
    db = system.app.get(DataSource);

    long = await storeCustomer(db);
    await db.getRepository(CustomerEntity).update({ id: long.customer.id }, { name: LONG_NAME });
    other = await storeCustomer(db);
    const submit = async (category: string, ip: string) =>
      (
        await http
          .post('/v1/notices')
          .send({
            source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
            sourceReference: `console-${category}-${ip}-${Date.now()}`,
            category,
            urls: [`https://${host}/gallery/secret-path-${category}`],
            ip,
          })
          .expect(201)
      ).body as NoticeBody;
    created.csam = await submit('csam', long.ip);
    created.phishing = await submit('phishing', other.ip);
    created.unattributed = await submit('spam', testSpace().v4(9));
    for (const n of Object.values(created)) {
      await eventually(
        async () => (await http.get(`/v1/notices/${n.id}`).expect(200)).body as NoticeBody,
        (v) => v.state === 'customer_notified' || v.state === 'unattributed',
        60_000,
      );
    }
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const open = (width = 1280) => openTab(browser, width);
  const signIn = (page: Page, token: string) => signInWithToken(page, system.baseUrl, token);

  it('signs a desk member in with a token, lists the queue by time left, opens a notice and confirms its removal', async () => {
    const { context, page, errors } = await open();
    try {
      const response = await page.goto(`${system.baseUrl}/console/`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
      await page.waitForURL(/\/console\/sign-in$/);
      await page.getByRole('heading', { name: 'Sign in to the Takedown console' }).waitFor();
      await checkAccessibility(page, 'sign-in');
      await screenshots(page, 'sign-in');

      const token = await system.tokenFor('abuse_desk', { name: 'Desk laptop' });
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/console\/?$/);
      expect(await page.evaluate('Object.keys(localStorage).filter((k) => k.includes("token"))')).toEqual([]);
      expect(await page.evaluate('sessionStorage.getItem("takedown.console.token")')).toBe(token);

      const table = page.getByTestId('queue-table');
      await table.waitFor();
      await page.goto(`${system.baseUrl}/console/?q=${host}`);
      await table.locator(`tr[data-notice="${created.unattributed.id}"]`).waitFor();
      const order = await table
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-notice')));
      // CSAM (24 h) before phishing (48 h); the unattributed notice has no clock and comes after both.
      expect(order.indexOf(created.csam.id)).toBeLessThan(order.indexOf(created.phishing.id));
      expect(order.indexOf(created.phishing.id)).toBeLessThan(order.indexOf(created.unattributed.id));
      const csamRow = table.locator(`tr[data-notice="${created.csam.id}"]`);
      await expectText(csamRow, /\d+ h left/);
      await expectTextContaining(csamRow, LONG_NAME);
      // Navigation from the role table: a desk member has the queue and tasks.
      await expect(page.getByRole('link', { name: 'Tasks' }).count()).resolves.toBe(1);
      await checkAccessibility(page, 'queue');
      await screenshots(page, 'queue');

      // Filters live in the URL, so a view can be shared.
      await page.goto(`${system.baseUrl}/console/?q=${host}&category=phishing`);
      await table.locator(`tr[data-notice="${created.phishing.id}"]`).waitFor();
      await expect(table.locator(`tr[data-notice="${created.csam.id}"]`).count()).resolves.toBe(0);
      await page.goto(`${system.baseUrl}/console/?customer=${long.customer.id}`);
      await table.locator(`tr[data-notice="${created.csam.id}"]`).waitFor();
      expect(await table.locator('tbody tr').count()).toBe(1);

      // j/k move, Enter opens.
      await page.keyboard.press('j');
      await page.keyboard.press('k');
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/console/notices/${created.csam.id}$`));
      await page.getByTestId('notice-state').waitFor();
      await expectText(page.getByTestId('notice-state'), 'customer notified');
      // A reported URL is never a link, an image or a frame; a CSAM URL shows its host only.
      const body = await page.locator('body').innerText();
      expect(body).toContain(host);
      expect(body).not.toContain('secret-path');
      await expect(page.locator('a[href*="tenant.example"], img, iframe, video').count()).resolves.toBe(0);
      await expectTextContaining(page.locator('body'), LONG_NAME);
      await checkAccessibility(page, 'notice');
      await screenshots(page, 'notice');

      // Reload keeps the page (the API serves index.html for the console's routes) and the session (this tab).
      await page.reload();
      await page.getByTestId('notice-state').waitFor();

      await page.getByRole('button', { name: 'Confirm removal' }).click();
      await expectText(page.getByTestId('action-result'), 'Done: the notice is now closed.');
      const closed = (await http.get(`/v1/notices/${created.csam.id}`).expect(200)).body as NoticeBody;
      expect(closed.state).toBe('closed');
      // The console sent the action with an Idempotency-Key of its own: a retry of it after a 503 is the same one.
      const [asked] = (await db.query(
        `SELECT summary->>'idempotencyKey' AS key FROM audit_log
         WHERE target_id = $1 AND action = 'notice.confirm_removal'`,
        [created.csam.id],
      )) as { key: string | null }[];
      expect(asked.key).toMatch(/^console-[0-9a-f]{32}$/);
      // The closed notice offers what a closed notice allows, no more.
      await expect(page.getByRole('button', { name: 'Reopen' }).count()).resolves.toBe(1);
      await expect(page.getByRole('button', { name: 'Confirm removal' }).count()).resolves.toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the API's 409 when an action no longer fits the notice, and the new state on success", async () => {
    const { context, page, errors, expectErrors } = await open();
    try {
      // The browser logs every 4xx answer as an error; this one is the point of the test.
      expectErrors(/status of 409/);
      // The live stream would drop the button as soon as the notice is escalated; cut it to keep the race this test
      // is about (the stream itself is tested in console-desk.e2e.spec.ts).
      await page.route('**/v1/events', (route) => route.abort());
      expectErrors(/net::ERR_FAILED/);
      await signIn(page, await system.tokenFor('abuse_lead'));
      await page.goto(`${system.baseUrl}/console/notices/${created.phishing.id}`);
      await page.getByRole('button', { name: 'Escalate now' }).waitFor();
      // Someone else escalates it meanwhile; this page still offers to.
      await http.post(`/v1/notices/${created.phishing.id}/actions/escalate-now`).send({}).expect(200);
      await page.getByRole('button', { name: 'Escalate now' }).click();
      await page.getByTestId('confirm-action').click();
      await expectText(page.getByTestId('action-result'), /^Refused: the notice is escalated already/);
      // The page reloads the notice: escalate is gone, the state is the new one.
      await eventually(
        () => page.getByRole('button', { name: 'Escalate now' }).count(),
        (n) => n === 0,
      );
      await expectText(page.getByTestId('notice-state'), 'escalated');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets an account manager see its own customers only and complete its task', async () => {
    const task = await eventually(
      async () =>
        (
          (await http.get('/v1/tasks').query({ notice: created.phishing.id, status: 'open' }).expect(200))
            .body as {
            items: { id: string; kind: string; assigneeEmail: string }[];
          }
        ).items.find((t) => t.kind === 'account_manager_escalation'),
      (t) => t !== undefined,
      60_000,
    );
    const { context, page, errors } = await open();
    try {
      const token = await system.tokenFor('account_manager', {
        accountManagerEmail: other.customer.accountManagerEmail ?? undefined,
        name: 'A. Jansen',
      });
      const me = (await (
        await fetch(`${system.baseUrl}/v1/me`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { role: string; areas: string[] };
      expect(me).toMatchObject({
        role: 'account_manager',
        areas: ['queue', 'tasks', 'customers'],
        actsOnNotices: false,
      });
      await signIn(page, token);
      const table = page.getByTestId('queue-table');
      await table.locator(`tr[data-notice="${created.phishing.id}"]`).waitFor();
      expect(await table.locator('tbody tr').count()).toBe(1);
      // It may read the notice, not act on it: the page offers no action the API would refuse.
      await table.getByRole('link', { name: 'phishing' }).click();
      await page.getByTestId('notice-state').waitFor();
      await expect(page.getByRole('heading', { name: 'Actions' }).count()).resolves.toBe(0);
      await expect(page.locator('button[data-action]').count()).resolves.toBe(0);

      await page.getByRole('link', { name: 'Tasks' }).click();
      const card = page.locator(`[data-task="${task?.id}"]`);
      await card.waitFor();
      await checkAccessibility(page, 'tasks');
      await screenshots(page, 'tasks');
      await card.getByLabel('Outcome').click();
      await page.getByRole('option', { name: 'customer contacted' }).click();
      await card.getByLabel('Note (optional)').fill('Called them; removal promised within the hour');
      // The list of open tasks refreshes without it (the completion's event marks it stale), perhaps before the
      // answer to the click arrives: the card stays, saying what was done.
      const listWithoutIt = page.waitForResponse(
        async (r) =>
          r.request().method() === 'GET' &&
          new URL(r.url()).pathname === '/v1/tasks' &&
          !(await r.text()).includes(task!.id),
      );
      await card.getByRole('button', { name: 'Complete' }).click();
      await expectText(card.getByTestId('task-result'), 'Task completed: customer contacted.');
      await listWithoutIt;
      await page.getByTestId('tasks-empty').waitFor();
      expect(await card.getByTestId('task-result').innerText()).toBe('Task completed: customer contacted.');
      await screenshots(page, 'tasks-completed');
      const done = (await http.get(`/v1/tasks/${task?.id}`).expect(200)).body as {
        status: string;
        outcome: string;
      };
      expect(done).toMatchObject({ status: 'completed', outcome: 'customer_contacted' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says so when the queue is empty, speaks Dutch, and sends an expired session back to sign-in', async () => {
    const { context, page, errors, expectErrors } = await open();
    try {
      expectErrors(/status of 401/);
      // An account manager whose customers have no notice.
      await signIn(page, await system.tokenFor('account_manager'));
      await expectText(
        page.getByTestId('queue-empty'),
        'No notices wait for you. New ones appear here as they arrive.',
      );
      await checkAccessibility(page, 'empty queue');
      await screenshots(page, 'queue-empty');

      await page.getByText('NL', { exact: true }).click();
      await page.getByRole('heading', { name: 'Wachtrij' }).waitFor();
      await expectText(
        page.getByTestId('queue-empty'),
        'Er wachten geen meldingen op je. Nieuwe verschijnen hier zodra ze binnenkomen.',
      );
      expect(await page.evaluate('document.documentElement.lang')).toBe('nl');
      await checkAccessibility(page, 'Dutch');
      await page.getByText('EN', { exact: true }).click();

      // Dutch with notices, as a desk member.
      const desk = await open();
      try {
        await signIn(desk.page, await system.tokenFor('abuse_desk'));
        await desk.page.getByText('NL', { exact: true }).click();
        await desk.page.getByTestId('queue-table').waitFor();
        await desk.page.getByRole('columnheader', { name: 'Resterende tijd' }).waitFor();
        await screenshots(desk.page, 'queue-nl');
        expect(desk.errors).toEqual([]);
      } finally {
        await desk.context.close();
      }

      // The token stops working (revoked, expired): the next call answers 401 and the console says why.
      await page.evaluate('sessionStorage.setItem("takedown.console.token", "td_revoked")');
      await page.reload();
      await page.waitForURL(/\/console\/sign-in$/);
      await expectTextContaining(page.getByTestId('signed-out-reason'), 'Your session has ended');
      expect(await page.evaluate('sessionStorage.getItem("takedown.console.token")')).toBeNull();
      // Said once: a reload of the sign-in page no longer says it.
      await page.reload();
      await page.getByLabel('API token').waitFor();
      await expect(page.getByTestId('signed-out-reason').count()).resolves.toBe(0);

      // A reporter's token: its own notices, no tasks in the navigation (the API would refuse them).
      await signIn(page, await system.tokenFor('source'));
      await page.getByTestId('queue-empty').waitFor();
      await expect(page.getByRole('link', { name: 'Queue' }).count()).resolves.toBe(1);
      await expect(page.getByRole('link', { name: 'Tasks' }).count()).resolves.toBe(0);
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/\/console\/sign-in$/);

      // Sign-out forgets the token.
      await signIn(page, await system.tokenFor('abuse_desk'));
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/\/console\/sign-in$/);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
