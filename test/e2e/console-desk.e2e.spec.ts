import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
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

interface NoticeBody {
  id: string;
  state: string;
  assignedTo?: string | null;
}

/**
 * The desk's second round of the console in a real headless Chromium on the real stack (PostgreSQL, Temporal, a
 * worker, SMTP capture), the console as `npm run build` builds it: search, bulk actions, assignment, live updates
 * from GET /v1/events, and legal's termination case with its report. Every page is checked with axe-core and must
 * log no error; the screenshots in docs/screenshots are written here.
 */
describe('the desk console in a browser: search, bulk actions, assignment, live queue, legal', () => {
  let system: ListeningSystem;
  let http: Http;
  let db: DataSource;
  let browser: Browser;
  let byIp: StoredCustomer;
  let other: StoredCustomer;
  // A word of this run in every URL, so that a search finds this run's notices only.
  const run = randomUUID().slice(0, 8);
  const notices: Record<'ip' | 'url' | 'live' | 'bulk1' | 'bulk2' | 'bulk3', NoticeBody> = {} as never;

  beforeAll(async () => {
    ({ system, browser } = await startConsoleSystem());
    http = system.http;
    db = system.app.get(DataSource);

    byIp = await storeCustomer(db);
    other = await storeCustomer(db);
    const submit = async (category: string, ip: string, url: string) =>
      (
        await http
          .post('/v1/notices')
          .send({
            source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
            sourceReference: `desk-${run}-${randomUUID().slice(0, 8)}`,
            category,
            urls: [url],
            ip,
          })
          .expect(201)
      ).body as NoticeBody;
    notices.ip = await submit('phishing', byIp.ip, `https://login-${run}.example/account`);
    notices.url = await submit('malware', other.ip, `https://files.example/gallery/desk-${run}/dropper.exe`);
    notices.live = await submit('phishing', other.ip, `https://live-${run}.example/bank`);
    notices.bulk1 = await submit('spam', other.ip, `https://bulk-${run}.example/one`);
    notices.bulk2 = await submit('spam', other.ip, `https://bulk-${run}.example/two`);
    notices.bulk3 = await submit('spam', other.ip, `https://bulk-${run}.example/three`);
    for (const n of Object.values(notices)) {
      await eventually(
        async () => (await http.get(`/v1/notices/${n.id}`).expect(200)).body as NoticeBody,
        (v) => v.state === 'customer_notified',
        60_000,
      );
    }
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const open = () => openTab(browser);
  const signIn = (page: Page, token: string) => signInWithToken(page, system.baseUrl, token);

  /** The notices the queue table shows, in its order. */
  const shown = (page: Page) =>
    page
      .getByTestId('queue-table')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-notice')));

  /** Types a search and waits until the URL carries it and the table shows exactly `expected`. */
  const search = async (page: Page, q: string, expected: string[]) => {
    await page.getByLabel('Search').fill(q);
    await page.waitForURL((url) => url.searchParams.get('q') === q);
    await eventually(
      () => shown(page),
      (ids) => ids.length === expected.length && expected.every((id) => ids.includes(id)),
      10_000,
    );
  };

  it('finds notices by IP and by URL fragment, bulk-escalates three, and assigns one', async () => {
    const { context, page, errors } = await open();
    try {
      const name = `Desk ${run}`;
      const token = await system.tokenFor('abuse_desk', { name });
      await signIn(page, token);
      await page.getByTestId('queue-table').waitFor();
      await page.locator('[data-testid="live"][data-live="true"]').waitFor();

      // One box, whatever is typed: an IP, a URL fragment (the filter lives in the URL with the others).
      await search(page, byIp.ip, [notices.ip.id]);
      // The other new filters go to the API with the search: the notice is neither overdue nor answered.
      for (const filter of ['overdue', 'customerReplied']) {
        await page.goto(`${system.baseUrl}/console/?q=${byIp.ip}&${filter}=true`);
        await page.getByTestId('queue-empty').waitFor();
      }
      await page.goto(`${system.baseUrl}/console/?q=${byIp.ip}`);
      await page.locator(`tr[data-notice="${notices.ip.id}"]`).waitFor();
      await search(page, `gallery/desk-${run}`, [notices.url.id]);
      await page.goto(`${system.baseUrl}/console/?q=${encodeURIComponent(`gallery/desk-${run}`)}`);
      await eventually(
        () => shown(page),
        (ids) => ids.length === 1 && ids[0] === notices.url.id,
        10_000,
      );
      await expect(page.getByLabel('Search').inputValue()).resolves.toBe(`gallery/desk-${run}`);
      await checkAccessibility(page, 'queue search');
      await screenshots(page, 'queue-search');

      // Select with x (j moves), then one call for the three.
      const bulk = [notices.bulk1.id, notices.bulk2.id, notices.bulk3.id];
      await search(page, `bulk-${run}`, bulk);
      await page.getByRole('heading', { name: 'Queue' }).click();
      await page.keyboard.press('x');
      await page.keyboard.press('j');
      await page.keyboard.press('x');
      await page.keyboard.press('j');
      await page.keyboard.press('x');
      await expectTextContaining(page.getByTestId('bulk-bar'), '3 selected');
      await expect(page.locator('tr[data-selected="true"]').count()).resolves.toBe(3);
      await page.getByRole('combobox', { name: 'Action for the selected notices' }).click();
      await page.getByRole('option', { name: 'Escalate now' }).click();
      await checkAccessibility(page, 'bulk bar');
      await page.getByTestId('bulk-run').click();
      await page.getByTestId('bulk-confirm').click();
      const results = page.getByTestId('bulk-results');
      await results.waitFor();
      await expectTextContaining(results, '3 done, 0 not');
      await expect(
        results
          .locator('[data-status]')
          .evaluateAll((items) =>
            items.map((i) => [i.getAttribute('data-result'), i.getAttribute('data-status')]),
          ),
      ).resolves.toEqual(bulk.map((id) => [id, 'done']));
      for (const id of bulk) {
        expect(((await http.get(`/v1/notices/${id}`).expect(200)).body as NoticeBody).state).toBe(
          'escalated',
        );
      }
      await screenshots(page, 'queue-bulk');

      // Assign one notice to oneself, from the people the API knows; then it is in "my work".
      await page.goto(`${system.baseUrl}/console/notices/${notices.url.id}`);
      await page.getByTestId('notice-state').waitFor();
      await page.getByRole('combobox', { name: 'Assigned to' }).click();
      await page.getByRole('option', { name: `${name} (abuse desk)` }).click();
      await page.getByTestId('assign-notice').click();
      await page.getByText(`Assigned to ${name}.`).waitFor();
      const assigned = (await http.get(`/v1/notices/${notices.url.id}`).expect(200)).body as NoticeBody;
      expect(assigned.assignedTo).toMatch(/^token:/);
      await checkAccessibility(page, 'notice with assignment');
      await screenshots(page, 'notice-assigned');
      await page.goto(`${system.baseUrl}/console/`);
      await page.getByText('My work', { exact: true }).click();
      await page.waitForURL((url) => url.searchParams.get('assignee') === 'me');
      await eventually(
        () => shown(page),
        (ids) => ids.length === 1 && ids[0] === notices.url.id,
        10_000,
      );
      await expectTextContaining(page.locator(`tr[data-notice="${notices.url.id}"]`), name);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('loads itself again, once, when an upgrade took away the code of the page asked for', async () => {
    const { context, page, errors, expectErrors } = await open();
    try {
      await signIn(page, await system.tokenFor('abuse_desk'));
      await page.getByTestId('queue-table').waitFor();
      // The tab has the old build's index.html; the new build has other chunk names: the notice page's is gone.
      let missing = 0;
      await page.route(/\/console\/assets\/NoticePage-[^/]+\.js$/, (route) =>
        missing++ === 0 ? route.fulfill({ status: 404, body: 'gone' }) : route.continue(),
      );
      expectErrors(/404|NoticePage-/);
      let loads = 0;
      page.on('load', () => loads++);
      await search(page, `live-${run}`, [notices.live.id]);
      await page.locator(`tr[data-notice="${notices.live.id}"] a`).first().click();
      await page.getByTestId('notice-state').waitFor();
      expect({ missing, loads, url: new URL(page.url()).pathname }).toEqual({
        missing: 2,
        loads: 1,
        url: `/console/notices/${notices.live.id}`,
      });
      expect(await page.getByRole('alert').count()).toBe(0);

      // Code missing again right after that reload is an outage, not an upgrade: the page says so, no reload loop.
      await page.route(/\/console\/assets\/TasksPage-[^/]+\.js$/, (route) =>
        route.fulfill({ status: 404, body: 'gone' }),
      );
      expectErrors(/TasksPage-/);
      await page.getByRole('link', { name: 'Tasks' }).click();
      await page.getByRole('alert').waitFor();
      expect(loads).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a state change made through the API in an open queue within 2 s, and resumes a lost stream', async () => {
    const { context, page, errors } = await open();
    try {
      await signIn(page, await system.tokenFor('abuse_lead'));
      await page.goto(`${system.baseUrl}/console/?q=${encodeURIComponent(`live-${run}`)}`);
      const row = page.locator(`tr[data-notice="${notices.live.id}"]`);
      await row.waitFor();
      await page.locator('[data-testid="live"][data-live="true"]').waitFor();
      await expectTextContaining(row, 'customer notified');
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => navigations.push(frame.url()));

      await http.post(`/v1/notices/${notices.live.id}/actions/escalate-now`).send({}).expect(200);
      const changed = Date.now();
      // A locator, not a predicate evaluated in the page: the console's CSP allows no eval, and Playwright's string
      // predicates are evaluated so.
      await page
        .locator(`tr[data-notice="${notices.live.id}"]`, { hasText: 'escalated' })
        .waitFor({ timeout: 2_000 });
      expect(Date.now() - changed).toBeLessThan(2_000);
      expect(navigations).toEqual([]);

      // The stream is lost (the network drops it) while the person opens the notice; a note is added meanwhile.
      // When the stream comes back it resumes after the last event seen (Last-Event-ID) and the missed note shows.
      const resumedWith: (string | undefined)[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/v1/events')) resumedWith.push(request.headers()['last-event-id']);
      });
      await page.route('**/v1/events', (route) => route.abort());
      await page.locator(`tr[data-notice="${notices.live.id}"]`).getByRole('link').click();
      await page.getByTestId('notice-state').waitFor();
      const note = `Customer called back (${run})`;
      await http.post(`/v1/notices/${notices.live.id}/actions/add-note`).send({ reason: note }).expect(200);
      await page.waitForTimeout(500);
      await expect(page.getByText(note).count()).resolves.toBe(0);
      await page.unroute('**/v1/events');
      await page.getByText(note).waitFor({ timeout: 10_000 });
      expect(resumedWith.length).toBeGreaterThan(0);
      expect(resumedWith.every((id) => id !== undefined && /^\d+$/.test(id))).toBe(true);
      // The only errors are the aborted streams.
      expect(errors.filter((e) => !/net::ERR_FAILED/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets legal open a termination case, download its report as PDF, and approve it', async () => {
    const opened = await http
      .post('/v1/terminations')
      .send({ customerId: byIp.customer.id, reason: `Structural failure to act (${run})` })
      .expect(201);
    const caseId = (opened.body as { id: string }).id;
    await eventually(
      async () =>
        (
          (await http.get('/v1/tasks').query({ case: caseId, status: 'open' }).expect(200)).body as {
            items: { kind: string }[];
          }
        ).items.some((t) => t.kind === 'legal_review'),
      (found) => found,
      60_000,
    );
    const { context, page, errors } = await open();
    try {
      await signIn(page, await system.tokenFor('legal', { name: 'M. de Vries' }));
      await page.getByRole('link', { name: 'Terminations' }).click();
      const row = page.locator(`tr[data-case="${caseId}"]`);
      await row.waitFor();
      await checkAccessibility(page, 'terminations');
      await screenshots(page, 'terminations');

      await row.getByRole('link').click();
      await page.waitForURL(new RegExp(`/console/terminations/${caseId}$`));
      await page.locator('[data-outcome="approve"]').waitFor();
      await expectText(page.getByTestId('case-status'), 'legal review');
      await checkAccessibility(page, 'termination case');
      await screenshots(page, 'termination');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('download-pdf').click(),
      ]);
      expect(download.suggestedFilename()).toBe(`termination-${caseId}.pdf`);
      const pdf = fs.readFileSync(await download.path());
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

      await page.locator('[data-outcome="approve"]').click();
      await page.getByTestId('confirm-decision').click();
      await expectText(page.getByTestId('case-result'), 'Recorded: approve.');
      await eventually(
        async () =>
          ((await http.get(`/v1/terminations/${caseId}`).expect(200)).body as { status: string }).status,
        (status) => status !== 'legal_review',
        60_000,
      );
      // The page follows: the status badge leaves legal review once the workflow moved on.
      await page.reload();
      await eventually(
        () => page.getByTestId('case-status').innerText(),
        (status) => status !== 'legal review',
        10_000,
      );

      // The case in Dutch.
      await page.getByText('NL', { exact: true }).click();
      await page.getByRole('heading', { name: 'Besluit' }).waitFor();
      await checkAccessibility(page, 'termination case (Dutch)');
      await screenshots(page, 'termination-nl');
      await page.getByText('EN', { exact: true }).click();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
