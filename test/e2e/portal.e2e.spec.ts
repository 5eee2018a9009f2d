import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CapturedMailbox } from '@takedown/mail';
import type { Http } from '../support/api';
import { checkAccessibility, openTab, screenshots, startConsoleSystem } from '../support/console-browser';
import { storeCustomer, storeReseller, type StoredCustomer } from '../support/customers';
import { eventually, expectText, expectTextContaining } from '../support/eventually';
import type { ListeningSystem } from '../support/listening-system';
import { notified, signInToPortal, submitFor, type Submitted } from '../support/portal-session';
import { storeSuspensionStatement } from '../support/statements';

const PORTAL_ROUTES = [
  '/console/portal',
  '/console/portal/history',
  '/console/portal/standing',
  '/console/portal/statements',
];

/**
 * The customer's portal in a real headless Chromium against the real stack (PostgreSQL, Temporal, a worker, SMTP
 * capture), the console served as `npm run build` builds it: a customer opens it from the link in its email,
 * answers three notices at once and sees its standing change; another customer's link or token never shows the
 * first's notices on any portal route; a bare GET of the link uses nothing up. Every page is checked with axe-core
 * and must log no error; the portal's screenshots in docs/screenshots are written here.
 */
describe('the customer portal in a browser, end to end', () => {
  let system: ListeningSystem;
  let http: Http;
  let db: DataSource;
  let mailbox: CapturedMailbox;
  let browser: Browser;
  let a: StoredCustomer;
  let b: StoredCustomer;
  let ofA: Submitted[];
  let ofB: Submitted;

  const submit = (ip: string, category = 'phishing'): Promise<Submitted> =>
    submitFor(http, ip, {
      category,
      url: (ref) =>
        `https://shop.tenant.example/uploads/${ref}/a-very-long-path-that-must-wrap-on-a-phone/index.html?session=${ref}`,
    });
  const stateOf = async (id: string) =>
    (await http.get(`/v1/notices/${id}`).expect(200)).body.state as string;

  beforeAll(async () => {
    ({ system, browser } = await startConsoleSystem());
    http = system.http;
    db = system.app.get(DataSource);
    mailbox = new CapturedMailbox(system.env.MAIL_CAPTURE_DIR as string);

    // A Dutch customer in another zone than the browser's: the portal must speak its language and zone.
    a = await storeCustomer(db, { language: 'nl', timeZone: 'Asia/Tokyo' });
    b = await storeCustomer(db);
    ofA = [await submit(a.ip, 'csam'), await submit(a.ip), await submit(a.ip, 'malware')];
    ofB = await submit(b.ip);
    for (const n of [...ofA, ofB]) await notified(http, n.id);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  /** A tab in British English: the sign-in page speaks the browser's language until it knows the customer's. */
  const open = (width = 1280) => openTab(browser, width, 'en-GB');

  /** A fresh portal link for the customer's abuse contact, as the worker mails it. */
  const portalLink = async (customer: StoredCustomer): Promise<string> => {
    const to = customer.contacts[0];
    const mailsTo = async () =>
      (await mailbox.withKeyPrefix('portal-link:')).filter((m) => m.to.includes(to));
    const before = (await mailsTo()).length;
    // The hourly limit per client counts every test file's requests from loopback in this lane's database: this file
    // counts its own (portal-link.e2e.spec.ts tests the limit).
    await db.query(`DELETE FROM customer_link_requests`);
    await request(system.app.getHttpServer())
      .post('/v1/customer/link-requests')
      .send({ email: to })
      .expect(202);
    const mails = await eventually(mailsTo, (m) => m.length > before, 60_000);
    // Oldest first: the last one is the link just asked for.
    const url = /(https?:\/\/\S+\/console\/portal\?link=[0-9a-f]{32}_[A-Za-z0-9_-]{43})/.exec(
      mails[mails.length - 1].text,
    );
    if (!url) throw new Error('no portal link in the mail');
    return url[1];
  };
  /** When the link was used (null: not yet), found by the id part of its `link` parameter. */
  const linkUsedAt = async (link: string): Promise<Date | null> => {
    const id = (new URL(link).searchParams.get('link') as string).split('_')[0];
    const [row] = (await db.query(
      `SELECT used_at FROM customer_portal_links WHERE replace(id::text, '-', '') = $1`,
      [id],
    )) as { used_at: Date | null }[];
    return row.used_at;
  };

  it('opens from the emailed link (a GET uses nothing up), answers three notices at once and shows the standing change', async () => {
    const { context, page, errors } = await open();
    try {
      const link = await portalLink(a);
      expect(link.startsWith(`${system.baseUrl}/console/portal?link=`)).toBe(true);
      // A mail scanner's prefetch and the page's own load: neither uses the link.
      await request(system.app.getHttpServer()).get(new URL(link).pathname + new URL(link).search);
      await page.goto(link);
      await page.getByRole('button', { name: 'Open my notices' }).waitFor();
      expect(await linkUsedAt(link)).toBeNull();
      await checkAccessibility(page, 'portal entry');
      await screenshots(page, 'portal-entry');

      await page.getByRole('button', { name: 'Open my notices' }).click();
      // The customer's language (Dutch) and zone, named; the used link is off the address bar.
      await page.getByRole('heading', { name: 'Openstaande meldingen' }).waitFor();
      await page.waitForURL(new RegExp(`^${system.baseUrl}/console/portal$`));
      expect(await linkUsedAt(link)).toEqual(expect.any(Date));
      expect(await page.evaluate('document.documentElement.lang')).toBe('nl');
      await expectText(page.getByTestId('portal-zone'), 'Tijden in Asia/Tokyo');
      expect(await page.evaluate('Object.keys(localStorage).filter((k) => k.includes("token"))')).toEqual([]);
      expect(await page.evaluate('sessionStorage.getItem("takedown.portal.token")')).toMatch(/^td_/);

      const list = page.getByTestId('open-notices');
      for (const n of ofA) await list.locator(`[data-notice="${n.id}"]`).waitFor();
      const body = await page.locator('main').innerText();
      // Its own URLs in full, as text: never a link, an image or a frame; the time left counts in hours.
      for (const n of ofA) expect(body).toContain(n.url);
      await expect(page.locator('a[href*="tenant.example"], img, iframe, video').count()).resolves.toBe(0);
      await expectText(list.locator(`[data-notice="${ofA[0].id}"]`), /nog \d+ u/);
      // The deadline in the customer's zone (Tokyo, GMT+9), not the browser's (Amsterdam).
      await expect(
        list.locator(`[data-notice="${ofA[0].id}"] time`).first().getAttribute('title'),
      ).resolves.toMatch(/GMT\+9/);
      expect(body).not.toContain(ofB.url);
      await checkAccessibility(page, 'portal open notices');
      await screenshots(page, 'portal-nl');

      await page.getByLabel('Alles selecteren wat beantwoord kan worden').check();
      await expectText(page.getByTestId('selected-count'), '3 geselecteerd');
      await page.getByRole('button', { name: 'Antwoord versturen voor 3 meldingen' }).click();
      const results = page.getByTestId('answer-results');
      await results.waitFor();
      for (const n of ofA) {
        await expect(results.locator(`[data-notice="${n.id}"]`).getAttribute('data-result')).resolves.toBe(
          'accepted',
        );
        await expectTextContaining(
          results.locator(`[data-notice="${n.id}"]`),
          'ontvangen, nu wacht op bevestiging',
        );
        expect(await stateOf(n.id)).toBe('awaiting_confirmation');
      }
      await checkAccessibility(page, 'portal answered');

      await page.getByRole('link', { name: 'Status en maatregelen' }).click();
      await expectText(page.getByTestId('standing-level'), 'goed');
      // The desk finds the first claim false (the material is still online), then sees it gone: the notice
      // closes with a false claim, and the standing rises.
      await http.post(`/v1/notices/${ofA[1].id}/actions/still-online`).send({}).expect(200);
      await http.post(`/v1/notices/${ofA[1].id}/actions/confirm-removal`).send({}).expect(200);
      await http.post(`/v1/notices/${ofA[2].id}/actions/confirm-removal`).send({}).expect(200);
      const asA = await system.as('customer', { customerId: a.customer.id });
      const risen = await eventually(
        async () => (await asA.get('/v1/customer/standing').expect(200)).body as { level: string },
        (standing) => standing.level !== 'good',
        60_000,
      );
      // One false claim reaches "watch"; without a verified preventive measure that is one level up.
      expect(risen.level).toBe('warning');
      await page.reload();
      await expectText(page.getByTestId('standing-level'), 'waarschuwing');
      await expectText(page.locator('[data-count="falseClaims"] td').nth(1), '1');
      await expectTextContaining(
        page.getByTestId('moves-back'),
        'Een preventieve maatregel die onze abuse-afdeling heeft geverifieerd, verlaagt het niveau met één.',
      );

      // A preventive measure with its evidence and date; the desk verifies it later.
      await page.getByLabel('Soort (kleine letters, cijfers, liggende streepjes)').fill('hash_check_uploads');
      await page
        .getByLabel('Bewijs dat onze afdeling kan controleren')
        .fill('Every upload is checked against the hotline hash list since March; ticket 2026-117.');
      await page.getByLabel('Van kracht sinds (datum)').fill('2026-03-01');
      await page.getByRole('button', { name: 'Opgeven' }).click();
      await page.getByTestId('measure-declared').waitFor();
      await expect(
        page.locator('[data-measure="hash_check_uploads"] [data-testid="measure-status"]').innerText(),
      ).resolves.toBe('opgegeven, wacht op verificatie');
      await checkAccessibility(page, 'portal standing');
      await screenshots(page, 'portal-standing-nl');
      // On a phone each count is a block of its own, nothing cut at the edge or scrolled sideways.
      await page.setViewportSize({ width: 390, height: 900 });
      await expectTextContaining(page.locator('[data-count="falseClaims"]'), 'Nu: 1');
      await expect(page.getByTestId('standing-counts').locator('table').count()).resolves.toBe(0);
      await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(
        true,
      );
      await checkAccessibility(page, 'portal standing, narrow');
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.getByRole('link', { name: 'Gesloten meldingen' }).click();
      const closed = page.getByTestId('closed-notices');
      await closed.locator(`[data-notice="${ofA[2].id}"]`).waitFor();
      await expectTextContaining(
        closed.locator(`[data-notice="${ofA[2].id}"]`),
        'Uitkomst: op tijd verwijderd',
      );
      await checkAccessibility(page, 'portal history');

      // The person may read English; the zone stays the customer's.
      await page.getByText('EN', { exact: true }).click();
      await page.getByRole('heading', { name: 'Closed notices' }).waitFor();
      await screenshots(page, 'portal-history-en');
      await page.getByRole('link', { name: 'Open notices' }).click();
      await page.getByRole('heading', { name: 'Open notices' }).waitFor();
      await expectText(page.getByTestId('portal-zone'), 'Times in Asia/Tokyo');
      await checkAccessibility(page, 'portal open notices (en)');
      await screenshots(page, 'portal-en');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('opens from the portal link in the notice email itself, and says so when its session has ended', async () => {
    const { context, page, errors, expectErrors } = await open(390);
    try {
      const [mail] = await eventually(
        async () =>
          (await mailbox.withKeyPrefix(`${ofB.id}:notify:0`)).filter((m) => m.to.includes(b.contacts[0])),
        (m) => m.length === 1,
        60_000,
      );
      const link = /(https?:\/\/\S+\/console\/portal\?link=[0-9a-f]{32}_[A-Za-z0-9_-]{43})/.exec(
        mail.text,
      )?.[1];
      expect(link?.startsWith(`${system.baseUrl}/console/portal?link=`)).toBe(true);
      await page.goto(link as string);
      await page.getByRole('button', { name: 'Open my notices' }).click();
      await page.getByTestId('open-notices').locator(`[data-notice="${ofB.id}"]`).waitFor();
      await expectTextContaining(page.getByTestId('portal-customer'), b.customer.reference);
      expect(errors).toEqual([]);

      // The token stops working: the next call answers 401 and the sign-in says why, once.
      expectErrors(/status of 401/);
      await page.evaluate('sessionStorage.setItem("takedown.portal.token", "td_revoked")');
      await page.reload();
      await expectTextContaining(page.getByTestId('portal-expired'), 'Your portal session has ended');
      expect(await page.evaluate('sessionStorage.getItem("takedown.portal.token")')).toBeNull();
      await page.reload();
      await page.getByRole('button', { name: 'Email me a link' }).waitFor();
      await expect(page.getByTestId('portal-expired').count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it('refuses a link used once already, and says so with what to do', async () => {
    const { context, page, errors, expectErrors } = await open();
    try {
      // The browser logs the 401 answer as an error; it is the point here.
      expectErrors(/status of 401/);
      const link = await portalLink(b);
      // The first use, in a tab of its own that records its errors too: in warm run K (6 December 2026) its page
      // loaded but never showed the button, and nothing said why.
      const first = await open();
      try {
        await first.page.goto(link);
        await first.page.getByRole('button', { name: 'Open my notices' }).click();
        await first.page.getByRole('heading', { name: 'Open notices' }).waitFor();
      } catch (err) {
        throw new Error(`${String(err)}\nthe first tab's errors: ${JSON.stringify(first.errors)}`);
      } finally {
        await first.context.close();
      }
      expect(first.errors).toEqual([]);

      await page.goto(link);
      await page.getByRole('button', { name: 'Open my notices' }).click();
      await expectText(
        page.getByTestId('link-error'),
        'This link has been used already. Ask for a fresh one below.',
      );
      await page.getByLabel('Abuse contact email address').fill(`nobody-${randomUUID()}@tenant.example`);
      await page.getByRole('button', { name: 'Email me a link' }).click();
      await page.getByTestId('link-requested').waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a Dutch reseller on a phone its end customers’ notices, marked with whose they are, takes its answer where it acts first; its end customer sees none of the others on any portal route', async () => {
    const { reseller, endCustomers } = await storeReseller(db, 2, { language: 'nl' });
    const [end, otherEnd] = endCustomers;
    await http
      .put(`/v1/customers/${reseller.customer.id}/reseller-mode`)
      .send({ mode: 'act_first', actFirstMinutes: 60 })
      .expect(200);
    const [ofEnd, ofOtherEnd, ofReseller] = [
      await submit(end.ip),
      await submit(otherEnd.ip),
      await submit(reseller.ip),
    ];
    for (const n of [ofEnd, ofOtherEnd, ofReseller]) await notified(http, n.id);
    const { context, page, errors } = await open(390);
    try {
      await signInToPortal(page, system, reseller.customer.id);
      await page.getByRole('heading', { name: 'Openstaande meldingen' }).waitFor();
      const card = page.getByTestId('open-notices').locator(`[data-notice="${ofEnd.id}"]`);
      await card.waitFor();
      await expectTextContaining(
        card.getByTestId('end-customer'),
        `Uw klant: ${end.customer.name} (${end.customer.reference})`,
      );
      await expectText(card.getByTestId('reseller-mode'), 'u handelt eerst');
      expect(await card.innerText()).toContain(ofEnd.url);
      const body = await page.locator('main').innerText();
      for (const n of [...ofA, ofB]) expect(body).not.toContain(n.url);
      await checkAccessibility(page, 'portal reseller');
      await screenshots(page, 'portal-reseller-nl');

      // One notice selected: the button counts it in the singular.
      await page.getByLabel(`Melding ${ofEnd.id.slice(0, 8)} selecteren`).check();
      await page.getByRole('button', { name: 'Antwoord versturen voor 1 melding', exact: true }).waitFor();
      await page.getByText('EN', { exact: true }).click();
      await page.getByRole('button', { name: 'Send the answer for 1 notice', exact: true }).click();
      const results = page.getByTestId('answer-results');
      await results.waitFor();
      await expect(results.locator(`[data-notice="${ofEnd.id}"]`).getAttribute('data-result')).resolves.toBe(
        'accepted',
      );
      expect(await stateOf(ofEnd.id)).toBe('awaiting_confirmation');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    // The end customer, on every portal route: its own notice, nothing of the reseller's or of its other customer.
    const asEnd = await open(390);
    try {
      await signInToPortal(asEnd.page, system, end.customer.id);
      await asEnd.page.getByTestId('open-notices').locator(`[data-notice="${ofEnd.id}"]`).waitFor();
      const secrets = [
        ofOtherEnd.id,
        ofOtherEnd.url,
        ofReseller.id,
        ofReseller.url,
        otherEnd.customer.reference,
        reseller.customer.reference,
      ];
      const leaks: string[] = [];
      for (const route of PORTAL_ROUTES) {
        await asEnd.page.goto(`${system.baseUrl}${route}`);
        await asEnd.page.locator('main h1, main h2').first().waitFor();
        await asEnd.page.waitForLoadState('networkidle');
        await expectTextContaining(asEnd.page.getByTestId('portal-customer'), end.customer.reference);
        const html = await asEnd.page.content();
        for (const x of secrets) if (html.includes(x)) leaks.push(`${route} shows ${x}`);
      }
      expect(leaks).toEqual([]);
      expect(asEnd.errors).toEqual([]);
    } finally {
      await asEnd.context.close();
    }
  });

  it('lists the statement of reasons of a suspension, in Dutch, and downloads its PDF as stored', async () => {
    const statementId = await storeSuspensionStatement(db, ofA[0].id);
    const { context, page, errors } = await open();
    try {
      await signInToPortal(page, system, a.customer.id);
      await page.getByRole('link', { name: 'Verklaringen van redenen' }).click();
      // The page's own heading, once the route has loaded (the open notices' one is there until then).
      await page.getByRole('heading', { level: 1, name: 'Verklaringen van redenen' }).waitFor();
      const item = page.getByTestId('statements').locator(`[data-statement="${statementId}"]`);
      await item.waitFor();
      await expectTextContaining(item, 'Opschorting');
      await expectTextContaining(item, `Melding ${ofA[0].id.slice(0, 8)}`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        item.getByTestId('statement-pdf').click(),
      ]);
      expect(download.suggestedFilename()).toBe(`statement-of-reasons-${statementId}.pdf`);
      const [stored] = (await db.query(`SELECT pdf FROM report_snapshots WHERE id = $1`, [statementId])) as {
        pdf: Buffer;
      }[];
      expect(fs.readFileSync(await download.path()).equals(stored.pdf)).toBe(true);
      await checkAccessibility(page, 'statements');
      await screenshots(page, 'portal-statements-nl');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("never shows the first customer's notices on any portal route to a second customer's link or token", async () => {
    const secrets = [
      ...ofA.flatMap((n) => [n.id, n.id.slice(0, 8), n.url]),
      a.customer.name,
      a.customer.reference,
    ];
    const leaks: string[] = [];
    const checkRoutes = async (page: Page, how: string) => {
      for (const route of PORTAL_ROUTES) {
        await page.goto(`${system.baseUrl}${route}`);
        await page.getByTestId('portal-customer').waitFor();
        // Wait for the route's own data, not only the frame.
        await page.locator('main h1, main h2').first().waitFor();
        await page.waitForLoadState('networkidle');
        const html = await page.content();
        await expectTextContaining(page.getByTestId('portal-customer'), b.customer.reference);
        for (const s of secrets) if (html.includes(s)) leaks.push(`${how} ${route} shows ${s}`);
      }
    };

    const viaLink = await open(390);
    try {
      await viaLink.page.goto(await portalLink(b));
      await viaLink.page.getByRole('button', { name: 'Open my notices' }).click();
      await viaLink.page.getByTestId('open-notices').locator(`[data-notice="${ofB.id}"]`).waitFor();
      await checkRoutes(viaLink.page, 'link');
      expect(viaLink.errors).toEqual([]);
    } finally {
      await viaLink.context.close();
    }

    const viaToken = await open();
    try {
      await signInToPortal(viaToken.page, system, b.customer.id, '/console/portal/standing');
      await checkRoutes(viaToken.page, 'token');
      expect(viaToken.errors).toEqual([]);
    } finally {
      await viaToken.context.close();
    }
    expect(leaks).toEqual([]);
  });
});
