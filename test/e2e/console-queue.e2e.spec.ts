import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { Category } from '@takedown/domain';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import type { Http } from '../support/api';
import {
  checkAccessibility,
  openTab,
  screenshots,
  signIn,
  startConsoleSystem,
} from '../support/console-browser';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { expectText } from '../support/eventually';
import type { ListeningSystem } from '../support/listening-system';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Listed {
  id: string;
  forecast?: { willMiss: boolean; typicalSeconds: number; basis: string; removals: number } | null;
}

/**
 * The desk's queue read as the console reads it: the breach forecast (a customer that has not acted and has less
 * time left than it typically takes to remove is forecast to miss), shown in the queue and on the notice page for an
 * at-risk notice and not for a safe one; and filters in the URL (customer and category together) that survive a
 * reload. Notices are rows as the workflow leaves them (the queue reads PostgreSQL only).
 */
describe('the console’s queue: breach forecast and filters in the URL', () => {
  let system: ListeningSystem;
  let http: Http;
  let db: DataSource;
  let browser: Browser;
  /** Removes phishing in 6 h typically: a notice with 40 min left will miss. */
  let slow: StoredCustomer;
  /** Removes phishing in 10 min typically: 40 min left is enough. */
  let fast: StoredCustomer;
  const ids = {} as Record<'atRisk' | 'slowMalware' | 'answered' | 'safe', string>;

  /** A notice row and its report, as intake and the workflow leave them. */
  const store = async (row: {
    customer: StoredCustomer;
    category: Category;
    state?: string;
    deadline?: Date | null;
    closedAt?: Date;
    timeToRemovalSeconds?: number;
  }): Promise<string> => {
    const id = randomUUID();
    const closed = row.closedAt !== undefined;
    await db.query(
      `INSERT INTO notices (id, source_kind, source_name, source_reference, category, urls, ip, received_at, state,
                            deadline, customer_id, workflow_id, outcome, closed_at, time_to_removal_seconds)
       VALUES ($1, 'hotline', 'Queue Hotline', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        id,
        `queue-${id}`,
        row.category,
        [`https://www.${id.slice(0, 8)}.example/login`],
        row.customer.ip,
        new Date(Date.now() - (closed ? 5 * 24 * HOUR : 20 * HOUR)),
        row.state ?? (closed ? 'closed' : 'customer_notified'),
        row.deadline === undefined ? null : row.deadline,
        row.customer.customer.id,
        noticeWorkflowId(id),
        closed ? 'removed_in_time' : null,
        row.closedAt ?? null,
        row.timeToRemovalSeconds ?? null,
      ],
    );
    await db.query(
      `INSERT INTO notice_reports (notice_id, source_kind, source_name, source_reference, received_at)
       VALUES ($1, 'hotline', 'Queue Hotline', $2, now())`,
      [id, `queue-${id}`],
    );
    return id;
  };

  beforeAll(async () => {
    ({ system, browser } = await startConsoleSystem());
    http = system.http;
    db = system.app.get(DataSource);
    [slow, fast] = [await storeCustomer(db), await storeCustomer(db)];
    const closedAt = new Date(Date.now() - 3 * 24 * HOUR);
    for (const seconds of [5 * 3600, 6 * 3600, 7 * 3600]) {
      await store({ customer: slow, category: 'phishing', closedAt, timeToRemovalSeconds: seconds });
    }
    for (const seconds of [300, 600, 900]) {
      await store({ customer: fast, category: 'phishing', closedAt, timeToRemovalSeconds: seconds });
    }
    // Long ago: outside the 90 days, so it does not pull the slow customer's median down.
    await store({
      customer: slow,
      category: 'phishing',
      closedAt: new Date(Date.now() - 200 * 24 * HOUR),
      timeToRemovalSeconds: 60,
    });
    const soon = new Date(Date.now() + 40 * MINUTE);
    ids.atRisk = await store({ customer: slow, category: 'phishing', deadline: soon });
    await db.query(
      `INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
       VALUES ($1, 'reseller_notified', 'workflow', NULL, '{}', now(), $2)`,
      [ids.atRisk, `${ids.atRisk}:reseller-first:0`],
    );
    ids.slowMalware = await store({
      customer: slow,
      category: 'malware',
      deadline: new Date(Date.now() + HOUR),
    });
    ids.answered = await store({ customer: slow, category: 'phishing', deadline: soon, state: 'reminded' });
    await db.query(
      `INSERT INTO notice_events (notice_id, type, actor, data, occurred_at, idempotency_key)
       VALUES ($1, 'disputed', 'customer', '{}', now(), $2)`,
      [ids.answered, `queue-disputed-${ids.answered}`],
    );
    ids.safe = await store({ customer: fast, category: 'phishing', deadline: soon });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const queue = async (query: Record<string, string>): Promise<Listed[]> =>
    (
      await http
        .get('/v1/notices')
        .query({ sort: 'time_left', ...query })
        .expect(200)
    ).body.items as Listed[];

  it('lists exactly the notices that match a customer and a category together', async () => {
    const both = await queue({
      customer: slow.customer.id,
      category: 'phishing',
      status: 'customer_notified',
    });
    expect(both.map((n) => n.id)).toEqual([ids.atRisk]);
    const open = await queue({ customer: slow.customer.id, category: 'malware' });
    expect(open.map((n) => n.id)).toEqual([ids.slowMalware]);
  });

  it('forecasts a miss from the customer’s own removals when it has not acted and less time is left', async () => {
    const byId = new Map((await queue({ category: 'phishing', overdue: 'false' })).map((n) => [n.id, n]));
    expect(byId.get(ids.atRisk)?.forecast).toEqual({
      willMiss: true,
      typicalSeconds: 6 * 3600,
      basis: 'customer',
      removals: 3,
    });
    expect(byId.get(ids.safe)?.forecast).toMatchObject({ willMiss: false, typicalSeconds: 600 });
    // The customer disputed: the clock waits on the desk, not on a removal.
    expect(byId.get(ids.answered)?.forecast).toBeNull();
    const notice = (await http.get(`/v1/notices/${ids.atRisk}`).expect(200)).body as Listed;
    expect(notice.forecast?.willMiss).toBe(true);
  });

  /** The rows the queue shows once the answer to its current URL is in (not an earlier filter's rows). */
  const rowsOf = async (page: Page): Promise<string[]> => {
    await page.waitForSelector('[data-testid="queue-table"][aria-busy="false"]');
    return page
      .getByTestId('queue-table')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-notice') ?? ''));
  };

  it('shows the forecast for an at-risk notice and not a safe one, and keeps customer and category on reload', async () => {
    const { context, page, errors } = await openTab(browser);
    try {
      await signIn(page, system.baseUrl, await system.tokenFor('abuse_desk'));

      // The customer's three open notices; then a category picked on the page. Until the answer to the new filters
      // is in (held back here), the rows on screen are the old filter's: dimmed, busy and not counted as this one's.
      await page.goto(`${system.baseUrl}/console/?customer=${slow.customer.id}`);
      expect(await rowsOf(page)).toEqual([ids.atRisk, ids.answered, ids.slowMalware]);
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const phishingOnly = (url: URL) =>
        url.pathname === '/v1/notices' && url.searchParams.get('category') === 'phishing';
      await page.route(phishingOnly, async (route) => {
        await held;
        await route.continue();
      });
      await page.getByRole('combobox', { name: 'Category', exact: true }).click();
      await page.getByRole('option', { name: 'phishing' }).click();
      await page.waitForURL((url) => url.searchParams.get('category') === 'phishing');
      await page.waitForSelector('[data-testid="queue-table"][aria-busy="true"]');
      await expect(page.getByTestId('queue-count').innerText()).resolves.not.toMatch(/\d+ open notices?/);
      release();
      expect(await rowsOf(page)).toEqual([ids.atRisk, ids.answered]);
      await expectText(page.getByTestId('queue-count'), /^2 open notices/);
      await page.unroute(phishingOnly);
      const url = `${system.baseUrl}/console/?customer=${slow.customer.id}&category=phishing`;
      await page.goto(url);
      await page.reload();
      expect(new URL(page.url()).searchParams.get('category')).toBe('phishing');
      // Same deadline: the one received first comes first.
      expect(await rowsOf(page)).toEqual([ids.atRisk, ids.answered]);
      const atRisk = page.locator(`tr[data-notice="${ids.atRisk}"]`);
      await expectText(atRisk.getByTestId('breach-forecast'), /^will miss in \d+ min$/);
      await expect(atRisk.getByTestId('breach-forecast').getAttribute('title')).resolves.toContain(
        'its last 3 removals in this category took 6 h',
      );
      await expect(
        page.locator(`tr[data-notice="${ids.answered}"] [data-testid="breach-forecast"]`).count(),
      ).resolves.toBe(0);
      await checkAccessibility(page, 'queue with a forecast');
      await screenshots(page, 'queue-forecast');

      // Narrowing to the other category on the page, then reloading: only the notice that matches both.
      await page.goto(`${system.baseUrl}/console/?customer=${slow.customer.id}&category=malware`);
      await page.reload();
      expect(await rowsOf(page)).toEqual([ids.slowMalware]);

      await page.goto(`${system.baseUrl}/console/?customer=${fast.customer.id}`);
      expect(await rowsOf(page)).toEqual([ids.safe]);
      await expect(page.getByTestId('breach-forecast').count()).resolves.toBe(0);

      await page.goto(`${system.baseUrl}/console/notices/${ids.atRisk}`);
      await page.getByTestId('breach-forecast').waitFor();
      await page.getByText('NL', { exact: true }).click();
      await expectText(page.getByTestId('breach-forecast'), /^mist termijn over \d+ min$/);
      // The timeline's events in the page's language too.
      await page.getByText('reseller eerst ingelicht', { exact: true }).waitFor();
      await checkAccessibility(page, 'notice with a forecast (Dutch)');
      await screenshots(page, 'notice-forecast-nl');
      await page.getByText('EN', { exact: true }).click();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
