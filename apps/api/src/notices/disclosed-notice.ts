import { textFor, urlsFor, type Role } from '@takedown/domain';
import type { NoticeSummaryView, NoticeView } from './notice.dto';

/**
 * A notice as this reader may see it: its URLs, and URLs in the text it came with, in full or reduced by the one
 * rule of `libs/domain` (`urlsFor`), the same rule the emails follow.
 */
export function disclosedNotice<T extends Pick<NoticeSummaryView, 'category' | 'urls'>>(
  notice: T,
  roles: readonly Role[],
): T {
  const urls = urlsFor(roles, notice.category, notice.urls);
  const full = notice as Partial<Pick<NoticeView, 'originalText' | 'reportDetails'>>;
  const originalText = full.originalText ?? null;
  const details = full.reportDetails ?? null;
  const reduce = (text: string) => textFor(roles, notice.category, text);
  return {
    ...notice,
    urls,
    ...(originalText ? { originalText: reduce(originalText) } : {}),
    ...(details ? { reportDetails: mapStrings(details, reduce) } : {}),
  };
}

/** A report's details with every text in them passed through `f` (URLs can sit at any depth). */
function mapStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, f)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  }
  return value;
}
