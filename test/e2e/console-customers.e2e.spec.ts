import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
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
import { testSpace } from '../support/prefixes';

interface NoticeBody {
  id: string;
  state: string;
}

/**
 * The customers pages in a real headless Chromium on the real stack: the list and its search, one customer with
 * its prefixes (current and past), contacts, standing with the rolling window drawn, measures and notices, in
 * English and Dutch, and the queue's customer filter as a picker that finds a customer by name or reference. Then
 * a CSAM URL hidden until a person reveals it (audited), and legal reading that in the audit trail.
 */
describe('the console’s customers pages, audited CSAM reveal, audit trail, transparency and personal settings in a browser', () => {
  let system: ListeningSystem;
  let http: Http;
  let db: DataSource;
  let browser: Browser;
  let customer: StoredCustomer;
  let pastPrefix: string;
  const notices: Record<'open' | 'closed' | 'csam', NoticeBody> = {} as never;
  // The path of the CSAM URL: it must not reach the page before a person reveals it.
  const secret = `reveal-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ system, browser } = await startConsoleSystem());
    http = system.http;
    db = system.app.get(DataSource);

    customer = await storeCustomer(db);
    const id = customer.customer.id;
    // A prefix the customer held last year: the page shows it as history.
    pastPrefix = `${testSpace().v4()}/24`;
    await http
      .post(`/v1/customers/${id}/prefixes`)
      .send({ cidr: pastPrefix, validFrom: '2025-01-01T00:00:00Z', validTo: '2025-06-01T00:00:00Z' })
      .expect(201);
    await http
      .patch(`/v1/customers/${id}`)
      .send({ preventiveMeasures: [{ kind: 'hash_check_uploads' }] })
      .expect(200);
    const submit = async (url: string, category = 'phishing') =>
      (
        await http
          .post('/v1/notices')
          .send({
            source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
            sourceReference: `customers-${randomUUID().slice(0, 8)}`,
            category,
            urls: [url],
            ip: customer.ip,
          })
          .expect(201)
      ).body as NoticeBody;
    notices.open = await submit('https://login.tenant.example/account');
    notices.closed = await submit('https://old.tenant.example/bank');
    notices.csam = await submit(`https://files.tenant.example/gallery/${secret}/a.jpg`, 'csam');
    for (const n of Object.values(notices)) {
      await eventually(
        async () => (await http.get(`/v1/notices/${n.id}`).expect(200)).body as NoticeBody,
        (v) => v.state === 'customer_notified',
        60_000,
      );
    }
    await http
      .post(`/v1/notices/${notices.closed.id}/actions/reject-invalid`)
      .send({ reason: 'The page is the customer’s own login, not phishing' })
      .expect(200);
    await eventually(
      async () => (await http.get(`/v1/notices/${notices.closed.id}`).expect(200)).body as NoticeBody,
      (v) => v.state === 'closed',
      60_000,
    );
    // The closed notice reaches the standing workflow, which writes its row; the seeded history goes in after it.
    await eventually(
      async () =>
        (
          (await db.query(`SELECT count(*)::int AS n FROM customer_standing_events WHERE customer_id = $1`, [
            id,
          ])) as { n: number }[]
        )[0].n,
      (n) => n > 0,
      60_000,
    );
    // The standing's read model as the standing workflow writes it (apps/worker standing-activities): events
    // with the counts in the window after each, and the standing they left.
    const events: [string, string, string, Record<string, number>][] = [
      ['notice_closed', 'good', 'watch', { missedDeadlines: 1 }],
      ['notice_closed', 'watch', 'warning', { missedDeadlines: 2, ignored: 1 }],
      ['window_moved', 'warning', 'warning', { missedDeadlines: 1, ignored: 1 }],
    ];
    const counts = (c: Record<string, number>) => ({
      missedDeadlines: 0,
      missedCsamDeadlines: 0,
      ignored: 0,
      falseClaims: 0,
      contentBack: 0,
      ...c,
    });
    for (const [i, [type, previous, level, c]] of events.entries()) {
      await db.query(
        `INSERT INTO customer_standing_events
           (customer_id, type, actor, reason, data, level, previous_level, occurred_at, idempotency_key)
         VALUES ($1, $2, 'workflow', NULL, $3::jsonb, $4, $5, $6, $7)`,
        [
          id,
          type,
          JSON.stringify({ event: null, counts: counts(c) }),
          level,
          previous,
          new Date(Date.now() - (30 - i * 10) * 86_400_000),
          `console-customers-${randomUUID()}`,
        ],
      );
    }
    await db.query(
      `INSERT INTO customer_standings (customer_id, level, counts, event_count, policy_id, policy_version,
         termination_case_id, level_since, updated_at)
       VALUES ($1, 'warning', $2::jsonb, 4, 'default', 1, NULL, $3, $3)
       ON CONFLICT (customer_id) DO UPDATE SET level = EXCLUDED.level, counts = EXCLUDED.counts,
         event_count = EXCLUDED.event_count, level_since = EXCLUDED.level_since`,
      [
        id,
        JSON.stringify(counts({ missedDeadlines: 1, ignored: 1 })),
        new Date(Date.now() - 20 * 86_400_000),
      ],
    );
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const open = () => openTab(browser);
  const signIn = (page: Page, token: string) => signInWithToken(page, system.baseUrl, token);

  it('finds a customer by reference and shows its prefixes, contacts, standing chart, measures and notices', async () => {
    const { context, page, errors } = await open();
    try {
      const c = customer.customer;
      await signIn(page, await system.tokenFor('abuse_desk'));
      await page.getByRole('link', { name: 'Customers' }).click();
      await page.getByTestId('customers-count').waitFor();
      await page.getByLabel('Search customers').fill(c.reference);
      await page.waitForURL((url) => url.searchParams.get('q') === c.reference);
      const row = page.locator(`[data-customer="${c.id}"]`);
      // The customer is on the unfiltered list too: wait for the search's own answer before counting.
      await page
        .getByTestId('customers-count')
        .filter({ hasText: /^1 customer$/ })
        .waitFor();
      await row.waitFor();
      await expect(page.locator('[data-customer]').count()).resolves.toBe(1);
      await checkAccessibility(page, 'customers');
      await screenshots(page, 'customers');

      await row.getByRole('link').click();
      await page.waitForURL(new RegExp(`/console/customers/${c.id}$`));
      await expectText(page.getByTestId('customer-name'), c.name);
      // Prefixes with their history: the current /24 and last year's.
      await expect(
        page
          .locator('[data-prefix]')
          .evaluateAll((rows) =>
            rows.map((r) => [r.getAttribute('data-prefix'), r.getAttribute('data-current')]),
          ),
      ).resolves.toEqual(expect.arrayContaining([[pastPrefix, 'false']]));
      await expect(page.locator('[data-prefix][data-current="true"]').count()).resolves.toBe(1);
      await expectTextContaining(page.getByTestId('contacts'), customer.contacts[0]);
      // The standing: its level, the counts in the window, and the window drawn over time.
      await expect(page.getByTestId('standing-level').getAttribute('data-level')).resolves.toBe('warning');
      await expectText(page.locator('[data-count="ignored"]'), 'ignored: 1');
      await page.locator('[data-testid="standing-chart"] svg .recharts-line').first().waitFor();
      await expect(page.locator('[data-testid="standing-chart"] .recharts-line').count()).resolves.toBe(5);
      await expectTextContaining(page.locator('[data-measure="hash_check_uploads"]'), 'declared');
      await page.locator(`[data-testid="open-notices"] [data-notice="${notices.open.id}"]`).waitFor();
      await page.locator(`[data-testid="past-notices"] [data-notice="${notices.closed.id}"]`).waitFor();
      await expect(
        page.locator(`[data-testid="open-notices"] [data-notice="${notices.closed.id}"]`).count(),
      ).resolves.toBe(0);
      // Nothing of the reported material on the page: no URL, no link to one.
      await expect(page.content()).resolves.not.toContain('login.tenant.example');
      await checkAccessibility(page, 'customer');
      await screenshots(page, 'customer');
      // A phone's width: the prefixes stack, one a row, inside their card (no column cut off at its edge).
      await page.setViewportSize({ width: 390, height: 900 });
      await page.getByTestId('prefix-list').waitFor();
      await expect(
        page.getByTestId('prefixes').evaluate((card) => card.scrollWidth <= card.clientWidth),
      ).resolves.toBe(true);
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(390);
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.locator('header').getByText('NL', { exact: true }).click();
      await page.getByRole('heading', { name: 'Prefixen' }).waitFor();
      await expectText(page.getByTestId('standing-level'), 'waarschuwing');
      await expectText(page.locator('[data-count="ignored"]'), 'genegeerd: 1');
      await checkAccessibility(page, 'customer (Dutch)');
      await screenshots(page, 'customer-nl');
      await page.locator('header').getByText('EN', { exact: true }).click();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('filters the queue by a customer picked by typing its reference', async () => {
    const { context, page, errors } = await open();
    try {
      const c = customer.customer;
      await signIn(page, await system.tokenFor('abuse_desk'));
      await page.getByTestId('queue-table').waitFor();
      await page.getByRole('combobox', { name: 'Customer', exact: true }).fill(c.reference);
      await page.getByRole('option', { name: `${c.name} (${c.reference})` }).click();
      await page.waitForURL((url) => url.searchParams.get('customer') === c.id);
      await eventually(
        () =>
          page
            .getByTestId('queue-table')
            .locator('tbody tr')
            .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-notice'))),
        (ids) => ids.length === 2 && [notices.open.id, notices.csam.id].every((id) => ids.includes(id)),
        10_000,
      );
      await eventually(
        () => page.getByTestId('queue-count').innerText(),
        (text) => text === '2 open notices',
        10_000,
      );
      // One of them: the count speaks in the singular.
      await page.getByRole('combobox', { name: 'Category', exact: true }).click();
      await page.getByRole('option', { name: 'phishing' }).click();
      await eventually(
        () => page.getByTestId('queue-count').innerText(),
        (text) => text === '1 open notice',
        10_000,
      );
      await expect(new URL(page.url()).searchParams.get('category')).toBe('phishing');
      await checkAccessibility(page, 'queue by customer');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('hides a CSAM URL’s path until a desk member reveals it, and records the reveal in the audit trail', async () => {
    const { context, page, errors } = await open();
    try {
      // Not the secret: the person's name is on every page.
      const name = `Desk reveal ${randomUUID().slice(0, 8)}`;
      await signIn(page, await system.tokenFor('abuse_desk', { name }));
      await page.goto(`${system.baseUrl}/console/notices/${notices.csam.id}`);
      await page.getByTestId('notice-state').waitFor();
      const urls = page.getByTestId('reported-urls');
      await expectTextContaining(urls, 'files.tenant.example');
      await expect(page.content()).resolves.not.toContain(secret);
      await checkAccessibility(page, 'CSAM notice, path hidden');
      await screenshots(page, 'notice-csam-hidden');
      const before = (await db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'notice.reveal_urls' AND target_id = $1`,
        [notices.csam.id],
      )) as { n: number }[];
      expect(before[0].n).toBe(0);

      await page.getByTestId('reveal-urls').click();
      await page.locator('[data-testid="reported-urls"][data-revealed="true"]').waitFor();
      await expectTextContaining(urls, `https://files.tenant.example/gallery/${secret}/a.jpg`);
      // Text, never a link to the material.
      await expect(urls.locator('a').count()).resolves.toBe(0);
      const rows = (await db.query(
        `SELECT actor_name, role, target_type, summary::text AS summary FROM audit_log
         WHERE action = 'notice.reveal_urls' AND target_id = $1`,
        [notices.csam.id],
      )) as { actor_name: string; role: string; target_type: string; summary: string }[];
      expect(rows).toEqual([
        {
          actor_name: name,
          role: 'abuse_desk',
          target_type: 'notice',
          summary: expect.any(String) as string,
        },
      ]);
      // The audit row says who looked at what, not the URL.
      expect(rows[0].summary).not.toContain(secret);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets legal read the audit trail, filtered to one notice, with the reveal in it; legal cannot reveal', async () => {
    const { context, page, errors } = await open();
    try {
      const token = await system.tokenFor('legal', { name: 'M. de Vries' });
      // The API refuses legal the full URL (the console shows no button for it either).
      const refused = await fetch(`${system.baseUrl}/v1/notices/${notices.csam.id}/urls`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(refused.status).toBe(403);
      await signIn(page, token);
      await page.goto(`${system.baseUrl}/console/notices/${notices.csam.id}`);
      await page.getByTestId('notice-state').waitFor();
      await expect(page.getByTestId('reveal-urls').count()).resolves.toBe(0);
      await expect(page.content()).resolves.not.toContain(secret);

      await page.getByRole('link', { name: 'Audit', exact: true }).click();
      await page.getByTestId('audit-count').waitFor();
      const target = `notice:${notices.csam.id}`;
      const filtered = page.waitForResponse(
        (r) => r.url().includes('/v1/audit?') && new URL(r.url()).searchParams.get('target') === target,
      );
      await page.getByLabel('Target').fill(target);
      await page.waitForURL((url) => url.searchParams.get('target') === target);
      // The filtered answer, not the unfiltered rows still on screen while it loads (other files reveal too): until
      // it is in, the rows are the earlier answer's, dimmed.
      await filtered;
      await page
        .locator('[data-testid="audit-table"][aria-busy="false"] [data-action="notice.reveal_urls"]')
        .waitFor();
      await expectTextContaining(page.locator('[data-action="notice.reveal_urls"]'), 'Desk reveal');
      await checkAccessibility(page, 'audit');
      await screenshots(page, 'audit');
      await page.locator('header').getByText('NL', { exact: true }).click();
      await page.getByRole('heading', { name: 'Auditlogboek' }).waitFor();
      await checkAccessibility(page, 'audit (Dutch)');
      await screenshots(page, 'audit-nl');
      await page.locator('header').getByText('EN', { exact: true }).click();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  /** A bar chart's axis labels: its categories' names, and the counts on its value axis. */
  const chartTicks = async (page: Page, testId: string) => {
    const ticks = await page
      .locator(`[data-testid="${testId}"] .recharts-cartesian-axis-tick-value`)
      // A long label is drawn as lines (tspans): joined with spaces, it is the label.
      .evaluateAll((nodes) =>
        nodes.map((n) => [...n.querySelectorAll('tspan')].map((line) => line.textContent).join(' ')),
      );
    const counts = ticks.filter((t) => /^-?[\d.,]+$/.test(t)).map(Number);
    return { labels: ticks.filter((t) => !/^-?[\d.,]+$/.test(t)), counts };
  };

  it('shows legal the transparency figures of a period as charts, and downloads them as CSV', async () => {
    const { context, page, errors } = await open();
    try {
      await signIn(page, await system.tokenFor('legal'));
      await page.getByRole('link', { name: 'Transparency' }).click();
      await page.getByTestId('figure-notices').waitFor();
      const from = new URL(page.url()).searchParams.get('from');
      expect(from).toBeNull(); // the default period, the last 30 days, needs nothing in the URL
      const shown = Number((await page.getByTestId('figure-notices').innerText()).split('\n').pop());
      // This file's three notices at least (other files share the database).
      expect(shown).toBeGreaterThanOrEqual(3);
      await page.locator('[data-testid="chart-category"] .recharts-bar-rectangle').first().waitFor();
      const outcomes = await chartTicks(page, 'chart-outcome');
      expect(outcomes.labels).toEqual(expect.arrayContaining(['still open', 'notice found invalid']));
      expect(outcomes.labels.filter((l) => l.includes('_'))).toEqual([]);
      for (const chart of ['chart-category', 'chart-outcome']) {
        const { counts } = await chartTicks(page, chart);
        expect({ chart, halfSteps: counts.filter((n) => !Number.isInteger(n)) }).toEqual({
          chart,
          halfSteps: [],
        });
      }
      await checkAccessibility(page, 'transparency');
      await screenshots(page, 'transparency');

      const [request, download] = await Promise.all([
        page.waitForRequest(
          (r) => r.url().includes('/v1/stats/transparency?') && r.url().includes('format=csv'),
        ),
        page.waitForEvent('download'),
        page.getByTestId('download-csv').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^transparency-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = fs.readFileSync(await download.path(), 'utf8');
      // The file is what the API answers for the period the page asked (the browser's midnights).
      const asked = new URL(request.url()).searchParams;
      const api = await http
        .get('/v1/stats/transparency')
        .query({ from: asked.get('from'), to: asked.get('to'), format: 'csv' })
        .expect(200);
      expect(csv).toBe(api.text);

      // A period of one's own, in the URL: one without notices says so.
      await page.locator('[data-testid="period"]').getByText('Custom', { exact: true }).click();
      await page.getByLabel('From (first day)').fill('2020-01-01');
      await page.getByLabel('Until (day after the last)').fill('2020-02-01');
      await page.waitForURL(
        (url) => url.searchParams.get('from') === '2020-01-01' && url.searchParams.get('to') === '2020-02-01',
      );
      await page.getByTestId('stats-empty').waitFor();
      // Both days changed before React renders again (autofill, a fast hand): neither change undoes the other.
      // (A string: the tests are compiled without the DOM's types.)
      await page.evaluate(`(() => {
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
        const [from, until] = document.querySelectorAll('input[type="date"]');
        setValue.call(from, '2020-03-01');
        from.dispatchEvent(new Event('input', { bubbles: true }));
        setValue.call(until, '2020-04-01');
        until.dispatchEvent(new Event('input', { bubbles: true }));
      })()`);
      await page.waitForURL(
        (url) => url.searchParams.get('from') === '2020-03-01' && url.searchParams.get('to') === '2020-04-01',
      );

      await page.goto(`${system.baseUrl}/console/transparency`);
      await page.locator('header').getByText('NL', { exact: true }).click();
      await page.getByRole('heading', { name: 'Meldingen per categorie' }).waitFor();
      await page.locator('[data-testid="chart-category"] .recharts-bar-rectangle').first().waitFor();
      await expect(chartTicks(page, 'chart-outcome')).resolves.toMatchObject({
        labels: expect.arrayContaining(['nog open', 'melding ongeldig bevonden']),
      });
      await checkAccessibility(page, 'transparency (Dutch)');
      await screenshots(page, 'transparency-nl');
      await page.locator('header').getByText('EN', { exact: true }).click();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps each person’s time zone and language server-side, validated, and shows times in that zone', async () => {
    const token = await system.tokenFor('abuse_desk', { name: 'Night shift' });
    const as = `Bearer ${token}`;
    const me = {
      get: (route: string) => http.get(route).set('Authorization', as),
      put: (route: string) => http.put(route).set('Authorization', as),
    };
    const fresh = (await me.get('/v1/me/settings').expect(200)).body as Record<string, unknown>;
    expect(fresh).toEqual({
      timeZone: 'Europe/Amsterdam',
      providerTimeZone: 'Europe/Amsterdam',
      ownTimeZone: false,
      language: null,
    });
    const bad = await me.put('/v1/me/settings').send({ timeZone: 'Mars/Olympus_Mons' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST.INVALID', fields: [{ field: 'timeZone' }] });
    const badLanguage = await me.put('/v1/me/settings').send({ language: 'de' }).expect(400);
    expect(badLanguage.body).toMatchObject({ code: 'REQUEST.INVALID', fields: [{ field: 'language' }] });

    const { context, page, errors } = await open();
    try {
      await signIn(page, token);
      await expectText(page.getByTestId('time-zone'), 'Times in Europe/Amsterdam');
      await page.getByTestId('time-zone').click();
      await page.getByRole('heading', { name: 'Your settings' }).waitFor();
      await page.getByRole('combobox', { name: 'Time zone' }).fill('New York');
      await page.getByRole('option', { name: 'America/New York' }).click();
      await page.getByTestId('save-settings').click();
      await page.getByTestId('settings-saved').waitFor();
      await expectText(page.getByTestId('time-zone'), 'Times in America/New_York');
      await expectText(page.getByTestId('time-zone-now'), /GMT-5|EST/);
      await checkAccessibility(page, 'settings');
      await screenshots(page, 'settings');
      // The language switch is stored with the person too.
      await page.locator('header').getByText('NL', { exact: true }).click();
      await eventually(
        async () =>
          ((await me.get('/v1/me/settings').expect(200)).body as { language: string | null }).language,
        (language) => language === 'nl',
        10_000,
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    // Another browser, the same person: the zone and the language follow, and a notice's times are in that zone.
    const other = await open();
    try {
      await other.page.goto(`${system.baseUrl}/console/`);
      await other.page.waitForURL(/\/console\/sign-in$/);
      await other.page.getByLabel('API token').fill(token);
      await other.page.getByRole('button', { name: 'Sign in' }).click();
      await other.page.getByTestId('time-zone').waitFor();
      await expectText(other.page.getByTestId('time-zone'), 'Tijden in America/New_York');
      await other.page.goto(`${system.baseUrl}/console/notices/${notices.open.id}`);
      await other.page.getByTestId('notice-state').waitFor();
      await expectText(other.page.locator('main time').first(), /GMT-5|EST/);
      expect(other.errors).toEqual([]);
    } finally {
      await other.context.close();
    }
  });
});
