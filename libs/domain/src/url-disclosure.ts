import type { Category } from './category';
import { URL_IN_TEXT } from './anonymised-url';
import { redactUrl } from './notice';
import type { Role } from './principal';

/**
 * Who reads a notice's URLs: a staff role, or the customer's abuse contact (who must find the material to remove
 * it). The reporter (`source`) is a role: it sent the URL.
 */
export type UrlAudience = Role | 'customer';

/**
 * Who sees a CSAM URL in full. Those who handle the material (the abuse desk and its lead, admins), the reporter
 * who sent it and the customer who must remove it; not account managers, legal or the NOC, whose work needs the
 * host and the customer, not the path that leads to the material, and whose emails are forwarded and copied.
 */
const FULL_CSAM_URLS: ReadonlySet<UrlAudience> = new Set<UrlAudience>([
  'admin',
  'abuse_desk',
  'abuse_lead',
  'source',
  'customer',
]);

/**
 * The one rule for a full URL, by role and category, for every channel (API, emails, console): every category's
 * URLs are shown in full to whoever may read the notice, except CSAM's, which only `FULL_CSAM_URLS` see in full.
 * A reader with several roles sees what the most trusted of them sees.
 */
export function seesFullUrls(audience: UrlAudience | readonly UrlAudience[], category: Category): boolean {
  if (category !== 'csam') return true;
  const roles: readonly UrlAudience[] = typeof audience === 'string' ? [audience] : audience;
  return roles.some((r) => FULL_CSAM_URLS.has(r));
}

/** A notice's URLs as this audience may read them: in full, or reduced to scheme and host (`redactUrl`). */
export function urlsFor(
  audience: UrlAudience | readonly UrlAudience[],
  category: Category,
  urls: readonly string[],
): string[] {
  return seesFullUrls(audience, category) ? [...urls] : urls.map(redactUrl);
}

/** Free text (a mail's text, a note) as this audience may read it: URLs reduced as `urlsFor` reduces them. */
export function textFor(
  audience: UrlAudience | readonly UrlAudience[],
  category: Category,
  text: string,
): string {
  if (seesFullUrls(audience, category)) return text;
  return text.replace(URL_IN_TEXT, (url) =>
    /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? redactUrl(url) : `${url.split('/')[0]}/[redacted]`,
  );
}
