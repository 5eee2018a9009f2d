import { textFor, urlsFor, type Role } from '@takedown/domain';
import type { NoticeSummaryView, NoticeView } from './notice.dto';

/**
 * A notice as this reader may see it: its URLs, and URLs in the text it came with, in full or reduced by the one
 * rule of `libs/domain` (`urlsFor`), the same rule the emails follow.
 */
export function disclosedNotice<T extends NoticeSummaryView | NoticeView>(
  notice: T,
  roles: readonly Role[],
): T {
  const urls = urlsFor(roles, notice.category, notice.urls);
  const originalText = 'originalText' in notice ? notice.originalText : null;
  return {
    ...notice,
    urls,
    ...(originalText ? { originalText: textFor(roles, notice.category, originalText) } : {}),
  };
}
