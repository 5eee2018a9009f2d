import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { Http } from '../support/api';
import { checkAccessibility, openTab, screenshots, startConsoleSystem } from '../support/console-browser';
import { storeCustomer, storeReseller, type StoredCustomer } from '../support/customers';
import { eventually, expectTextContaining } from '../support/eventually';
import { headStart } from '../support/head-start';
import type { ListeningSystem } from '../support/listening-system';
import { signInToPortal, submitFor } from '../support/portal-session';

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
    ({ system, browser } = await startConsoleSystem({ POLICY_PROFILE: 'demo' }));
    db = system.app.get(DataSource);
    customer = await storeCustomer(db, { language: 'nl', policyProfile: 'demo' });
    decider = await system.as('abuse_desk');
    reviewer = await system.as('abuse_lead');
    strike = headStart(withStrike);
    resellerStrike = headStart(withResellerStrike);
  }, 900_000);

  /** A CSAM notice on `ip` whose deadline (seconds, demo policy) passes; the desk then confirms the removal, late. */
  const submitCsam = async (ip: string): Promise<string> =>
    (
      await submitFor(system.http, ip, {
        category: 'csam',
        url: (ref) => `https://files.tenant.example/${ref}`,
      })
    ).id;
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

  /** The customer's strike: a CSAM notice removed late, counted in its standing. */
  const withStrike = async (): Promise<string> => {
    const id = await submitCsam(customer.ip);
    await removedLate(id);
    await eventually(
      () => db.query(`SELECT 1 FROM customer_standing_events WHERE data->'event'->>'noticeId' = $1`, [id]),
      (rows: unknown[]) => rows.length > 0,
      30_000,
    );
    return id;
  };
  /** A reseller's CSAM notices removed late: one where its act_first window passed, one where it was informed. */
  const withResellerStrike = async () => {
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
    return { reseller, missedId, informedId };
  };
  // The CSAM deadlines (24 s, demo policy) of both tests run from here at the same time; each test awaits its own.
  let strike: () => Promise<string>;
  let resellerStrike: () => ReturnType<typeof withResellerStrike>;

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('appeals a closed notice that counted, with a reason, and shows its status as it is decided', async () => {
    const id = await strike();

    const { context, page, errors } = await openTab(browser, 1280, 'en-GB');
    try {
      // Signed in, the portal opens on the open notices, in the customer's language.
      await signInToPortal(page, system, customer.customer.id);
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
      await expectTextContaining(row.getByTestId('appeal-status'), 'Bezwaar: in behandeling');
      await checkAccessibility(page, 'portal appeal');
      await screenshots(page, 'portal-appeal-nl');

      const [appeal] = (await db.query(`SELECT id FROM appeals WHERE notice_id = $1`, [id])) as {
        id: string;
      }[];
      await reviewer
        .post(`/v1/appeals/${appeal.id}/review`)
        .send({ decision: 'reverse', reason: 'De bron bevestigde de verwijdering te laat.' })
        .expect(200);
      await page.reload();
      await expectTextContaining(row.getByTestId('appeal-status'), 'Bezwaar: besluit herroepen');
      await expectTextContaining(
        row.getByTestId('appeal-status'),
        'De bron bevestigde de verwijdering te laat.',
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('offers a reseller the action on its end customer’s notice only where it let its act_first window pass', async () => {
    const { reseller, missedId, informedId } = await resellerStrike();

    const { context, page, errors } = await openTab(browser, 1280, 'en-GB');
    try {
      await signInToPortal(page, system, reseller.customer.id);
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
      await expectTextContaining(row.getByTestId('appeal-status'), 'Appeal: under review');
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
