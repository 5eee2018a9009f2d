import { textFor, urlsFor, type Principal, type UrlAudience } from '@takedown/domain';
import { submittingSource } from '../auth/principal';
import type { NoticeSummaryView, NoticeView } from './notice.dto';

/**
 * Who a notice is read as. A source reads back the URLs it reported by the one rule of `libs/domain` (`urlsFor`, the
 * rule the emails follow). Staff read a CSAM URL reduced to scheme and host whatever their role: the path leads to
 * the material, so the roles that may read it in full do so through `GET /v1/notices/:id/urls`, which records who
 * looked; an audience of no role is the one that sees no CSAM path.
 */
export const STAFF: readonly UrlAudience[] = [];

export function readerOf(principal: Principal): readonly UrlAudience[] {
  return submittingSource(principal) ? principal.roles : STAFF;
}

/**
 * A notice as this reader may see it: its URLs, and URLs in any text it carries (the report's original text and
 * details, timeline reasons and data, task summaries), in full or reduced.
 */
export function disclosedNotice<T extends Pick<NoticeSummaryView, 'category' | 'urls'>>(
  notice: T,
  reader: readonly UrlAudience[],
): T {
  const urls = urlsFor(reader, notice.category, notice.urls);
  const full = notice as Partial<
    Pick<NoticeView, 'originalText' | 'reportDetails' | 'timeline' | 'pendingTasks'>
  >;
  const reduce = (text: string) => textFor(reader, notice.category, text);
  return {
    ...notice,
    urls,
    ...(full.originalText ? { originalText: reduce(full.originalText) } : {}),
    ...(full.reportDetails ? { reportDetails: mapStrings(full.reportDetails, reduce) } : {}),
    ...(full.timeline ? { timeline: mapStrings(full.timeline, reduce) } : {}),
    ...(full.pendingTasks ? { pendingTasks: mapStrings(full.pendingTasks, reduce) } : {}),
  };
}

/** A value with every text in it passed through `f` (URLs can sit at any depth). */
function mapStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, f)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  }
  return value;
}
