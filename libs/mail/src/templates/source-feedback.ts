import type { Category, NoticeOutcome } from '@takedown/domain';
import { formatInstant, layout, type RenderedEmail } from './render';

export interface SourceFeedbackInput {
  /** The reporter's own reference for its report: how it finds the case, without the reported URLs. */
  sourceReference: string;
  notice: {
    id: string;
    category: Category;
    outcome: NoticeOutcome | null;
    receivedAt: Date | string;
    removedAt: Date | null;
    closedAt: Date | null;
  };
  timeZone?: string;
}

const OUTCOMES: Record<NoticeOutcome, string> = {
  removed_in_time: 'removed within the deadline',
  removed_late: 'removed after the deadline',
  suspended: 'the service was suspended',
  disputed_accepted: 'not removed: the customer’s dispute was accepted',
  invalid: 'not acted on: the notice was found invalid',
  withdrawn_by_source: 'withdrawn by the source',
};

/** The redress open to a notice's sender against the decision (DSA Art. 16(5), 20, 21). */
export const REDRESS = [
  'If you disagree with this decision, you can ask us to review it: reply to this email with your reasons (our ' +
    'internal complaint handling). You can also turn to an out-of-court dispute settlement body certified under ' +
    'Art. 21 of the Digital Services Act, or go to court.',
];

/** What became of a report, for the hotline or person that sent it (English). Never the reported content. */
export function sourceFeedbackEmail(input: SourceFeedbackInput): RenderedEmail {
  const tz = input.timeZone ?? 'UTC';
  const n = input.notice;
  const outcome = n.outcome ? OUTCOMES[n.outcome] : 'closed';
  const minutesToRemoval = n.removedAt
    ? Math.max(0, Math.round((n.removedAt.getTime() - new Date(n.receivedAt).getTime()) / 60_000))
    : null;
  return layout({
    subject: `[Takedown] Your report ${input.sourceReference}: ${outcome}`,
    intro: [
      `Thank you for your report. It has been handled: ${outcome}.`,
      // DSA Art. 16(5): the decision, whether automated means took it, and the redress open to the sender.
      'This decision was taken by people; automated means were used only to match your report to the customer ' +
        'responsible for the address.',
      ...REDRESS,
    ],
    fields: [
      { label: 'Your reference', value: input.sourceReference },
      { label: 'Our notice', value: n.id },
      { label: 'Category', value: n.category },
      { label: 'Outcome', value: n.outcome ?? 'closed' },
      { label: 'Received', value: formatInstant(n.receivedAt, tz) },
      ...(n.removedAt && minutesToRemoval !== null
        ? [
            { label: 'Removed', value: formatInstant(n.removedAt, tz) },
            {
              label: 'Time to removal',
              value: `${Math.floor(minutesToRemoval / 60)} h ${minutesToRemoval % 60} min`,
            },
          ]
        : []),
      ...(n.closedAt ? [{ label: 'Closed', value: formatInstant(n.closedAt, tz) }] : []),
    ],
  });
}
