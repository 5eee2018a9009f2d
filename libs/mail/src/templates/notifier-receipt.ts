import type { Category } from '@takedown/domain';
import { formatInstant, layout, type RenderedEmail } from './render';

export interface NotifierReceiptInput {
  /** The reporter's own reference: how it finds its report, without the reported URLs. */
  sourceReference: string;
  noticeId: string;
  category: Category | string;
  receivedAt: Date | string;
  timeZone?: string;
}

/**
 * The confirmation of receipt a notice's sender gets (DSA Art. 16(4)), and how it will be handled, including the use
 * of automated means (Art. 16(6)). Never the reported content: the sender knows what it reported.
 */
export function notifierReceiptEmail(input: NotifierReceiptInput): RenderedEmail {
  return layout({
    subject: `[Takedown] Received: your report ${input.sourceReference}`,
    intro: [
      'We have received your report and will handle it. You will hear from us again when a decision has been taken.',
      'How it is handled: your report is matched to the customer responsible for the address by automated means, and ' +
        'the customer is asked to act within the deadline for its category. Decisions on the report are taken by people.',
    ],
    fields: [
      { label: 'Your reference', value: input.sourceReference },
      { label: 'Our notice', value: input.noticeId },
      { label: 'Category', value: String(input.category) },
      { label: 'Received', value: formatInstant(input.receivedAt, input.timeZone ?? 'UTC') },
    ],
  });
}
