import type { Category, TaskKind } from '@takedown/domain';
import { formatInstant, layout, type RenderedEmail } from './render';

export interface TaskEmailInput {
  kind: 'task' | 'reminder';
  task: { id: string; kind: TaskKind; summary: string; dueAt: Date | string };
  notice: {
    id: string;
    category: Category;
    /** Redacted by the caller for CSAM: staff look the full URLs up in the notice. */
    urls: string[];
    ip: string | null;
    customer: string | null;
  };
  /** One signed link per outcome the task accepts. */
  links: { outcome: string; url: string }[];
  /** `POST …/v1/tasks/<id>/complete`, for tools and for answers that need a note. */
  apiUrl: string;
  /** Provider staff read times in the provider's zone. */
  timeZone?: string;
}

/** The email that hands a task to a person (English: it stays inside the provider), or reminds them of it. */
export function taskEmail(input: TaskEmailInput): RenderedEmail {
  const tz = input.timeZone ?? 'UTC';
  const due = formatInstant(input.task.dueAt, tz);
  const what = input.task.kind.replace(/_/g, ' ');
  return layout({
    subject: `[Takedown] ${input.kind === 'reminder' ? 'Reminder: ' : ''}Task: ${what} (${input.notice.category}), due ${due}`,
    intro: [input.task.summary, ...(input.kind === 'reminder' ? ['This task is still open.'] : [])],
    fields: [
      { label: 'Task', value: `${what} (${input.task.id})` },
      { label: 'Due', value: due },
      { label: 'Notice', value: `${input.notice.id} (${input.notice.category})` },
      { label: 'Customer', value: input.notice.customer ?? 'not attributed' },
      // A notice about an address (IP-based abuse) has no URL: the address below is what was reported.
      ...(input.notice.urls.length ? [{ label: 'Reported', value: input.notice.urls }] : []),
      ...(input.notice.ip ? [{ label: 'IP address', value: input.notice.ip }] : []),
    ],
    actionsTitle: 'Answer with one of these links (each works once and asks you to confirm):',
    actions: input.links.map((l) => ({ label: l.outcome.replace(/_/g, ' '), url: l.url })),
    outro: [
      `Or through the API: POST ${input.apiUrl} with {"outcome": "<one of ${input.links
        .map((l) => l.outcome)
        .join(', ')}>", "by": "<you>", "note": "…"}`,
    ],
  });
}
