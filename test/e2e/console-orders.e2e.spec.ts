import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import {
  checkAccessibility,
  openTab,
  screenshots,
  signIn as signInWithToken,
  startConsoleSystem,
} from '../support/console-browser';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import type { ListeningSystem } from '../support/listening-system';

interface OrderBody {
  id: string;
  noticeId: string;
  reference: string;
  issuedAt: string;
  urls: string[];
  informProvider: boolean;
  memberState: string;
}

/** `at` as the wall clock of `zone` shows it, the way a datetime-local input takes it (2026-12-05T10:12). */
function wallTime(at: Date, zone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  ) as Record<string, string>;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * The removal order intake in the console (TCO Regulation 2021/784) in a real headless Chromium on the real stack:
 * the desk files an order through the form and lands on its notice with the one-hour clock running; the form's own
 * checks and the API's 400 each show under the field at fault; roles that may not take an order in do not see it.
 */
describe('the removal order page in the console', () => {
  let system: ListeningSystem;
  let db: DataSource;
  let browser: Browser;
  let customer: StoredCustomer;

  beforeAll(async () => {
    ({ system, browser } = await startConsoleSystem({ POLICY_PROFILE: 'default' }));
    db = system.app.get(DataSource);
    customer = await storeCustomer(db);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const open = () => openTab(browser);
  const signIn = (page: Page, token: string) => signInWithToken(page, system.baseUrl, token);
  /** The error under a form field: Mantine ties it to the input by aria-describedby, with its own class. */
  const fieldError = async (page: Page, label: string) => {
    const ids = ((await page.getByLabel(label).getAttribute('aria-describedby')) ?? '')
      .split(' ')
      .filter(Boolean);
    const texts: string[] = [];
    for (const id of ids) {
      const el = page.locator(`[id="${id}"]`);
      if ((await el.getAttribute('class'))?.includes('error')) texts.push((await el.textContent()) ?? '');
    }
    return texts.join(' ');
  };

  /** Whether the keyboard is on the field with this label. */
  const focused = async (page: Page, label: string) =>
    (await page.evaluate('document.activeElement?.id')) === (await page.getByLabel(label).getAttribute('id'));

  it('a desk member files an order: each problem shows on its field, then the notice opens with its clock', async () => {
    const { page, context, errors, expectErrors } = await open();
    try {
      const token = await system.tokenFor('abuse_desk', { name: `Desk orders ${randomUUID().slice(0, 6)}` });
      const me = (await (
        await fetch(`${system.baseUrl}/v1/me`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { areas: string[] };
      expect(me.areas).toContain('orders');
      const zone = (
        (await (
          await fetch(`${system.baseUrl}/v1/me/settings`, { headers: { Authorization: `Bearer ${token}` } })
        ).json()) as { timeZone: string }
      ).timeZone;
      const posted: number[] = [];
      page.on('response', (r) => {
        if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/orders')
          posted.push(r.status());
      });

      await signIn(page, token);
      await page.getByRole('link', { name: 'Removal order' }).click();
      await page.waitForURL(/\/console\/orders\/new$/);
      await page.getByRole('heading', { name: 'Take in a removal order' }).waitFor();

      // The form's own checks, as the API makes them: nothing is sent while a field is wrong.
      await page.getByLabel('URLs to remove').fill('https://video.tenant-a.example/ok\nnot a url');
      await page.getByTestId('take-order').click();
      await page.getByTestId('order-problems').waitFor();
      await expect(fieldError(page, 'Issuing authority')).resolves.toBe('Fill this in.');
      await expect(fieldError(page, 'Member state of the authority')).resolves.toBe(
        'Choose an EU member state.',
      );
      await expect(fieldError(page, 'URLs to remove')).resolves.toBe(
        'Line 2 is not a URL with http://, https:// or ftp://.',
      );
      await expect(page.getByLabel('Issuing authority').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(focused(page, 'Issuing authority')).resolves.toBe(true);
      await checkAccessibility(page, 'order form with problems');
      expect(posted).toEqual([]);

      const reference = `TCO-NL-${randomUUID()}`;
      const url = `https://video.tenant-a.example/watch/${reference}`;
      await page.getByLabel('Issuing authority').fill('Nationale Politie, Internet Referral Unit');
      await page.getByLabel('Member state of the authority').selectOption('NL');
      await page.getByLabel('Reference of the order').fill(reference);
      // Tomorrow: the form cannot tell (the API's clock decides), the API's 400 names issuedAt.
      await page.getByLabel('Date and time of issue').fill(wallTime(new Date(Date.now() + 86_400_000), zone));
      await page.getByLabel('URLs to remove').fill(`${url}\n`);
      await page.getByLabel('IP address serving them').fill(customer.ip);
      await page
        .getByLabel('Reasons given in the order')
        .fill('Dissemination of material inciting terrorist offences');
      await page.getByLabel('Contact point it was addressed to').fill('tco-contact@provider.example');
      await page.getByLabel('The order says the content provider must not be told').check();
      expectErrors(/status of 400/);
      await page.getByTestId('take-order').click();
      await page.getByTestId('order-problems').waitFor();
      await expect(fieldError(page, 'Date and time of issue')).resolves.toBe(
        'The API refused this: issuedAt lies in the future',
      );
      expect(posted).toEqual([400]);
      await expect(focused(page, 'Date and time of issue')).resolves.toBe(true);
      await expect(fieldError(page, 'Issuing authority')).resolves.toBe('');
      await checkAccessibility(page, 'order form with the API’s 400');

      // Issued 25 minutes ago in the person's time zone: the clock still runs an hour from receipt.
      const issued = new Date(Math.floor((Date.now() - 25 * 60_000) / 60_000) * 60_000);
      await page.getByLabel('Date and time of issue').fill(wallTime(issued, zone));
      await expect(page.getByTestId('order-problems').count()).resolves.toBe(0);
      await screenshots(page, 'order-intake');
      await page.getByTestId('take-order').click();
      await page.waitForURL(/\/console\/notices\/[0-9a-f-]{36}$/);
      const noticeId = page.url().split('/').pop() as string;
      expect(posted).toEqual([400, 201]);

      const orders = (await (
        await fetch(`${system.baseUrl}/v1/orders?limit=200`, {
          headers: { Authorization: `Bearer ${token}` },
        })
      ).json()) as { items: OrderBody[] };
      const order = orders.items.find((o) => o.reference === reference);
      expect(order).toMatchObject({
        noticeId,
        memberState: 'NL',
        urls: [url],
        informProvider: false,
        issuedAt: issued.toISOString(),
      });

      // The notice's one-hour clock, in red: within the hour.
      const clock = page.locator('[data-urgency="critical"]');
      await clock.waitFor({ timeout: 60_000 });
      await expect(clock.textContent()).resolves.toMatch(/^(5\d|60) min left$/);
      await expect(page.getByTestId('notice-state').textContent()).resolves.not.toBe('');
      await checkAccessibility(page, 'the order’s notice');
      await screenshots(page, 'order-notice');

      // In Dutch, in a narrow window: the form and the notice's clock.
      await page.locator('header').getByText('NL', { exact: true }).click();
      await expect(clock.textContent()).resolves.toMatch(/^nog (5\d|60) min$/);
      await page.goto(`${system.baseUrl}/console/orders/new`);
      await page.getByRole('heading', { name: 'Verwijderingsbevel invoeren' }).waitFor();
      await page.setViewportSize({ width: 390, height: 900 });
      await page.getByTestId('take-order').click();
      await expect(fieldError(page, 'Uitvaardigende autoriteit')).resolves.toBe('Vul dit in.');
      await checkAccessibility(page, 'order form in Dutch, narrow');
      // The form fits the window: nothing scrolls sideways.
      await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(
        true,
      );
      await screenshots(page, 'order-intake-nl');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('shows the page only to the roles that may take an order in', async () => {
    for (const role of ['noc', 'legal'] as const) {
      const token = await system.tokenFor(role, { name: `${role} ${randomUUID().slice(0, 6)}` });
      const me = (await (
        await fetch(`${system.baseUrl}/v1/me`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { areas: string[] };
      expect({ role, orders: me.areas.includes('orders') }).toEqual({ role, orders: false });
    }
    const { page, context, errors } = await open();
    try {
      await signIn(page, await system.tokenFor('noc', { name: `NOC ${randomUUID().slice(0, 6)}` }));
      await page.getByRole('navigation').getByRole('link').first().waitFor();
      await expect(page.getByRole('link', { name: 'Removal order' }).count()).resolves.toBe(0);
      await page.goto(`${system.baseUrl}/console/orders/new`);
      await page.waitForURL((u) => !u.pathname.endsWith('/orders/new'));
      await expect(page.getByTestId('order-form').count()).resolves.toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
