import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { Http } from '../support/api';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { storeCustomer, storeReseller, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { screenshotDir } from '../support/screenshots';
import { startListeningSystem, type ListeningSystem } from '../support/listening-system';

const ROOT = path.resolve(__dirname, '..', '..');
const SCREENSHOTS = screenshotDir();
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The portal's "Appeal" action in a real headless Chromium against the real stack (demo policy: deadlines in
 * seconds): a Dutch customer appeals a strike from its closed notices with a reason, sees the appeal under review,
 * and, once another person than the decider reversed it, the decision reversed with the reviewer's reason. A reseller
 * has the action on its end customer's notice only where its act_first window passed unanswered.
 */
describe('appealing a strike in the customer portal, in a browser', () => {
  let system: ListeningSystem;
  let db: DataSource;
  let browser: Browser;
  let customer: StoredCustomer;
  let decider: Http;
  let reviewer: Http;

  beforeAll(async () => {
    const build = promisify(execFile)(
      path.join(ROOT, 'node_modules', '.bin', 'vite'),
      ['build', '--config', 'apps/console/vite.config.ts', '--logLevel', 'warn'],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } },
    );
    const executablePath = await ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
    await build;
    system = await startListeningSystem({ POLICY_PROFILE: 'demo' });
    db = system.app.get(DataSource);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    customer = await storeCustomer(db, { language: 'nl', policyProfile: 'demo' });
    decider = await system.as('abuse_desk');
    reviewer = await system.as('abuse_lead');
  }, 900_000);

  /** A CSAM notice on `ip` whose deadline (seconds, demo policy) passes; the desk then confirms the removal, late. */
  const submitCsam = async (ip: string): Promise<string> => {
    const ref = `portal-appeal-${randomUUID()}`;
    const created = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Portal Hotline' },
        sourceReference: ref,
        category: 'csam',
        urls: [`https://files.tenant.example/${ref}`],
        ip,
      })
      .expect(201);
    return created.body.id as string;
  };
  const removedLate = async (id: string): Promise<void> => {
    const notice = () =>
      system.http.get(`/v1/notices/${id}`).then((r) => r.body as { state: string; outcome: string });
    await eventually(notice, (n) => n.state === 'escalated', 90_000);
    await decider
      .post(`/v1/notices/${id}/actions/confirm-removal`)
      .send({})
      .expect((r) => expect(r.status).toBeLessThan(300));
    await eventually(notice, (n) => n.outcome === 'removed_late', 30_000);
  };

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('appeals a closed notice that counted, with a reason, and shows its status as it is decided', async () => {
    const ref = `portal-appeal-${randomUUID()}`;
    const created = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Portal Hotline' },
        sourceReference: ref,
        category: 'csam',
        urls: [`https://files.tenant.example/${ref}`],
        ip: customer.ip,
      })
      .expect(201);
    const id = created.body.id as string;
    const notice = () =>
      system.http.get(`/v1/notices/${id}`).then((r) => r.body as { state: string; outcome: string });
    await eventually(notice, (n) => n.state === 'escalated', 90_000);
    await decider
      .post(`/v1/notices/${id}/actions/confirm-removal`)
      .send({})
      .expect((r) => expect(r.status).toBeLessThan(300));
    await eventually(notice, (n) => n.outcome === 'removed_late', 30_000);
    await eventually(
      () => db.query(`SELECT 1 FROM customer_standing_events WHERE data->'event'->>'noticeId' = $1`, [id]),
      (rows: unknown[]) => rows.length > 0,
      30_000,
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${system.baseUrl}/console/portal`);
      await page
        .getByLabel('Customer API token')
        .fill(await system.tokenFor('customer', { customerId: customer.customer.id }));
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Signed in, the portal opens on the open notices, in the customer's language.
      await page.getByTestId('portal-customer').waitFor();
      await page.getByRole('link', { name: 'Gesloten meldingen' }).click();
      const row = page.locator(`[data-notice="${id}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: 'Bezwaar maken' }).click();
      // No reason, no appeal: said in the customer's language.
      await row.getByRole('button', { name: 'Bezwaar indienen' }).click();
      await row.getByRole('alert').getByText('Geef een reden voor uw bezwaar.').waitFor();
      await row
        .getByLabel('Waarom het besluit onjuist is')
        .fill('Binnen een uur verwijderd; de bevestiging kwam laat.');
      await row.getByRole('button', { name: 'Bezwaar indienen' }).click();
      await expect(row.getByTestId('appeal-status').innerText()).resolves.toContain(
        'Bezwaar: in behandeling',
      );
      await page.evaluate(AXE);
      const serious = (await page.evaluate(
        `axe.run().then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id))`,
      )) as string[];
      expect(serious).toEqual([]);
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({
          path: path.join(SCREENSHOTS, `portal-appeal-nl-${width}.png`),
          fullPage: true,
        });
      }
      await page.setViewportSize({ width: 1280, height: 900 });

      const [appeal] = (await db.query(`SELECT id FROM appeals WHERE notice_id = $1`, [id])) as {
        id: string;
      }[];
      await reviewer
        .post(`/v1/appeals/${appeal.id}/review`)
        .send({ decision: 'reverse', reason: 'De bron bevestigde de verwijdering te laat.' })
        .expect(200);
      await page.reload();
      await expect(row.getByTestId('appeal-status').innerText()).resolves.toContain(
        'Bezwaar: besluit herroepen',
      );
      await expect(row.getByTestId('appeal-status').innerText()).resolves.toContain(
        'De bron bevestigde de verwijdering te laat.',
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('offers a reseller the action on its end customer’s notice only where it let its act_first window pass', async () => {
    const { reseller, endCustomers } = await storeReseller(db, 2, { policyProfile: 'demo' });
    await db.query(`UPDATE contracts SET policy_profile = 'demo' WHERE customer_id = ANY($1)`, [
      endCustomers.map((c) => c.customer.id),
    ]);
    const mode = (body: object) =>
      decider.put(`/v1/customers/${reseller.customer.id}/reseller-mode`).send(body).expect(200);
    await mode({ mode: 'act_first', actFirstMinutes: 1 });
    const missedId = await submitCsam(endCustomers[0].ip);
    // The mode is the notice's from its attribution: change it only once the first notice has it.
    await eventually(
      () => db.query(`SELECT 1 FROM notices WHERE id = $1 AND reseller_mode = 'act_first'`, [missedId]),
      (rows: unknown[]) => rows.length > 0,
      30_000,
    );
    await mode({ mode: 'informed' });
    const informedId = await submitCsam(endCustomers[1].ip);
    await Promise.all([removedLate(missedId), removedLate(informedId)]);
    await eventually(
      () =>
        db.query(
          `SELECT 1 FROM customer_standing_events WHERE customer_id = $1 AND data->'event'->>'noticeId' = $2`,
          [reseller.customer.id, missedId],
        ),
      (rows: unknown[]) => rows.length > 0,
      30_000,
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${system.baseUrl}/console/portal`);
      await page
        .getByLabel('Customer API token')
        .fill(await system.tokenFor('customer', { customerId: reseller.customer.id }));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('portal-customer').waitFor();
      await page.getByRole('link', { name: 'Closed notices' }).click();
      const row = page.locator(`[data-notice="${missedId}"]`);
      const informedRow = page.locator(`[data-notice="${informedId}"]`);
      await row.waitFor();
      await informedRow.waitFor();
      await expect(informedRow.getByRole('button', { name: 'Appeal' }).count()).resolves.toBe(0);
      await row.getByRole('button', { name: 'Appeal' }).click();
      await row
        .getByLabel('Why the decision is wrong')
        .fill('Our relay bounced the email; we were reachable.');
      await row.getByRole('button', { name: 'Send appeal' }).click();
      await expect(row.getByTestId('appeal-status').innerText()).resolves.toContain('Appeal: under review');
      const [appeal] = (await db.query(`SELECT customer_id FROM appeals WHERE notice_id = $1`, [
        missedId,
      ])) as { customer_id: string }[];
      expect(appeal.customer_id).toBe(reseller.customer.id);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);
});
