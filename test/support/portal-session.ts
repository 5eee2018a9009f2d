import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { RouteTable } from '@takedown/api/common/route-table';
import type { Page } from 'playwright-core';
import type { Http, RunningSystem } from './api';
import { eventually } from './eventually';

/** A notice as the portal specs submit it: its id, and the one URL it reports. */
export interface Submitted {
  id: string;
  url: string;
}

/**
 * A hotline's notice about `url(ref)` (by default a page of its own under shop.tenant.example) on `ip`, so that it
 * is attributed to the customer (or reseller's end customer) holding that address.
 */
export async function submitFor(
  http: Http,
  ip: string,
  opts: { category?: string; hotline?: string; url?: (ref: string) => string } = {},
): Promise<Submitted> {
  const ref = `portal-${randomUUID()}`;
  const url = opts.url?.(ref) ?? `https://shop.tenant.example/${ref}`;
  const res = await http
    .post('/v1/notices')
    .send({
      source: { kind: 'hotline', name: opts.hotline ?? 'Portal Hotline' },
      sourceReference: ref,
      category: opts.category ?? 'phishing',
      urls: [url],
      ip,
    })
    .expect(201);
  return { id: res.body.id as string, url };
}

/** Resolves once the workflow has attributed the notice and emailed its customer: it takes answers now. */
export function notified(http: Http, id: string, timeoutMs = 60_000): Promise<string> {
  return eventually(
    async () => (await http.get(`/v1/notices/${id}`).expect(200)).body.state as string,
    (state) => state === 'customer_notified',
    timeoutMs,
  );
}

/**
 * Opens the portal at `route` and signs in with a new customer token of `customerId` (a reseller's too), as a
 * customer pastes it into the sign-in form; resolves once the portal names whose notices it shows.
 */
export async function signInToPortal(
  page: Page,
  system: Pick<RunningSystem, 'tokenFor'> & { baseUrl: string },
  customerId: string,
  route = '/console/portal',
): Promise<void> {
  await page.goto(`${system.baseUrl}${route}`);
  await page.getByLabel('Customer API token').fill(await system.tokenFor('customer', { customerId }));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('portal-customer').waitFor();
}

/**
 * Every route a customer token can call (`GET /v1/customer/notices`, …), sorted, as the running app's router has
 * them: a spec that checks each for leaks compares its list with this, so that a new route fails it until checked.
 * The public link routes act on no customer (a link request by address, a link's exchange): not in the list.
 */
export function customerTokenRoutes(app: INestApplication): string[] {
  const routes = app
    .get(RouteTable)
    .served()
    // As Fastify registered them, without the HEAD twins it adds to every GET.
    .filter((r) => /^(GET|POST|PUT|PATCH|DELETE) \/v1\/customer\//.test(r))
    .filter((r) => !['POST /v1/customer/link-requests', 'POST /v1/customer/sessions'].includes(r));
  return [...new Set(routes)].sort();
}
