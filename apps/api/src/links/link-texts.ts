import { TASK_OUTCOMES, type Category, type TaskKind } from '@takedown/domain';
import { formatInstant, type MailLanguage } from '@takedown/mail';
import { confirmPage, messagePage, type ConfirmPageInput, type LinkPage } from './link-pages';

/**
 * What the link pages say: a customer's pages in the customer's language, the staff's task pages in English. The
 * pages' HTML is in link-pages.ts; what a link does is in links.service.ts.
 */
export const NOTICE_WORDS = {
  en: {
    removed: {
      title: 'Confirm: the material has been removed',
      explanation:
        'Tell the provider that the reported material is no longer online. The source or the abuse desk will check.',
      button: 'Yes, it has been removed',
      done: 'Thank you: your confirmation of the removal was passed on. The source or the abuse desk will check it.',
    },
    dispute: {
      title: 'Dispute this notice',
      explanation: 'Tell the provider why the notice is wrong. The abuse desk reviews every dispute.',
      button: 'Send the dispute',
      done: 'Thank you: your dispute was passed on to the abuse desk, which will review it.',
    },
    reason: 'Reason (required)',
    reasonMissing: 'Please give a reason for the dispute.',
    notice: 'Notice',
    category: 'Category',
    received: 'Received',
    deadline: 'Deadline',
    doneTitle: 'Received',
    closed: 'This notice is closed: nothing more is needed.',
  },
  nl: {
    removed: {
      title: 'Bevestig: het materiaal is verwijderd',
      explanation:
        'Laat de provider weten dat het gemelde materiaal niet meer online staat. De melder of de abuse desk controleert dit.',
      button: 'Ja, het is verwijderd',
      done: 'Dank u: uw bevestiging van de verwijdering is doorgegeven. De melder of de abuse desk controleert dit.',
    },
    dispute: {
      title: 'Deze melding betwisten',
      explanation:
        'Laat de provider weten waarom de melding onjuist is. De abuse desk beoordeelt elke betwisting.',
      button: 'Betwisting versturen',
      done: 'Dank u: uw betwisting is doorgegeven aan de abuse desk, die haar beoordeelt.',
    },
    reason: 'Reden (verplicht)',
    reasonMissing: 'Geef een reden voor de betwisting.',
    notice: 'Melding',
    category: 'Categorie',
    received: 'Ontvangen',
    deadline: 'Termijn',
    doneTitle: 'Ontvangen',
    closed: 'Deze melding is gesloten: er is niets meer nodig.',
  },
} as const;

export type NoticeLinkAction = 'removed' | 'dispute';

/** A problem with the form just posted: shown above it, with the status the page goes out with. */
export interface FormProblem {
  error: string;
  status: number;
}

export const MISSING_CUSTOMER_ID = 'Give the id (a UUID) of the customer the notice belongs to.';

export const invalidLinkPage = (): LinkPage =>
  messagePage(400, 'This link is not valid', 'Check that the whole link was copied from the email.');

export const expiredLinkPage = (): LinkPage =>
  messagePage(
    410,
    'This link has expired',
    'Links in our emails work for a limited time. Reply to the email or contact the abuse desk instead.',
  );

export const alreadyUsedPage = (at: Date): LinkPage =>
  messagePage(
    409,
    'This link has already been used',
    `It was used at ${at.toISOString()}. Each link works once; nothing more is needed.`,
  );

export const notFoundPage = (what: 'notice' | 'task'): LinkPage =>
  messagePage(404, 'Not found', `The ${what} this link is about does not exist.`);

export const unavailablePage = (): LinkPage =>
  messagePage(
    503,
    'Please try again in a moment',
    'The request could not be passed on right now. Nothing was changed and the link still works.',
  );

export const nothingToDoPage = (status: number, message: string): LinkPage =>
  messagePage(status, 'Nothing to do', message);

export const noticeClosedPage = (language: MailLanguage): LinkPage =>
  messagePage(409, NOTICE_WORDS[language].notice, NOTICE_WORDS[language].closed, language);

export const noticeAnsweredPage = (action: NoticeLinkAction, language: MailLanguage): LinkPage =>
  messagePage(200, NOTICE_WORDS[language].doneTitle, NOTICE_WORDS[language][action].done, language);

export const taskCompletedPage = (outcome: string): LinkPage =>
  messagePage(200, 'Task completed', `The task is completed as “${label(outcome)}”. Thank you.`);

export const taskAlreadyCompletedPage = (outcome: string, by: string | null, at: Date | null): LinkPage =>
  messagePage(
    409,
    'Task already completed',
    `This task was completed as “${label(outcome)}” by ${by} at ${at?.toISOString()}.`,
  );

export const taskCancelledPage = (note: string | null): LinkPage =>
  messagePage(409, 'Task cancelled', `This task was cancelled: ${note ?? 'its notice closed'}.`);

/** The confirmation page of a customer's link: removed, or dispute with a reason. */
export function noticeFormPage(
  input: {
    action: NoticeLinkAction;
    notice: { id: string; category: Category; receivedAt: Date; deadline: Date | null };
    language: MailLanguage;
    timeZone: string;
  },
  problem?: FormProblem,
): LinkPage {
  const { language, timeZone: tz } = input;
  const w = NOTICE_WORDS[language];
  const page: ConfirmPageInput = {
    language,
    title: w[input.action].title,
    explanation: w[input.action].explanation,
    facts: [
      [w.notice, input.notice.id],
      [w.category, input.notice.category],
      [w.received, formatInstant(input.notice.receivedAt, tz, language)],
      ...(input.notice.deadline
        ? [[w.deadline, formatInstant(input.notice.deadline, tz, language)] as [string, string]]
        : []),
    ],
    button: w[input.action].button,
    fields:
      input.action === 'dispute' ? { text: { name: 'reason', label: w.reason, required: true } } : undefined,
    error: problem?.error,
  };
  return confirmPage(page, problem?.status);
}

/** The confirmation page of a staff member's task link; `askCustomer` adds the customer id field. */
export function taskFormPage(
  input: {
    outcome: string;
    task: {
      id: string;
      kind: TaskKind;
      summary: string;
      dueAt: Date;
      noticeId: string | null;
      category: Category | null;
      caseId: string | null;
    };
    askCustomer: boolean;
  },
  problem?: FormProblem,
): LinkPage {
  const t = input.task;
  return confirmPage(
    {
      language: 'en',
      title: `Complete the task as “${label(input.outcome)}”`,
      explanation: t.summary,
      facts: [
        ['Task', `${label(t.kind)} (${t.id})`],
        ['Answers it takes', TASK_OUTCOMES[t.kind].map(label).join(', ')],
        ['Due', formatInstant(t.dueAt, 'UTC')],
        t.caseId ? ['Termination case', t.caseId] : ['Notice', `${t.noticeId} (${t.category})`],
      ],
      button: `Complete as “${label(input.outcome)}”`,
      fields: {
        text: { name: 'note', label: 'Note (optional)', required: false },
        ...(input.askCustomer ? { customerId: {} } : {}),
      },
      error: problem?.error,
    },
    problem?.status,
  );
}

function label(code: string): string {
  return code.replace(/_/g, ' ');
}
