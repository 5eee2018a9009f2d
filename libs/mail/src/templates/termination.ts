import type { TaskKind } from '@takedown/domain';
import { formatInstant, layout, type MailLanguage, type RenderedEmail } from './render';

export interface TerminationLetterInput {
  kind: 'notice' | 'reminder' | 'withdrawn';
  language: MailLanguage;
  customer: { name: string; reference: string; timeZone: string };
  caseId: string;
  reason: string;
  /** When the termination takes effect (for a notice and its reminders). */
  effectiveAt?: string;
}

const WORDS = {
  en: {
    subject: {
      notice: 'Notice of termination of your contract',
      reminder: 'Reminder: your contract ends',
      withdrawn: 'Termination of your contract withdrawn',
    },
    greeting: (name: string) => `Dear ${name},`,
    body: {
      notice: (at: string) =>
        `We hereby terminate our agreement with you, effective ${at}, because of the way abuse notices about your service have been handled. On that date your servers will be powered off and your IP space withdrawn.`,
      reminder: (at: string) => `This is a reminder that our agreement with you ends on ${at}.`,
      withdrawn: () =>
        'We have withdrawn the termination of our agreement: you took the measures we asked for. Your service continues as before.',
    },
    reason: 'Reason',
    effective: 'Effective',
    reference: 'Case',
    customer: 'Customer',
    outro: 'For questions, reply to this email or contact your account manager.',
  },
  nl: {
    subject: {
      notice: 'Opzegging van uw overeenkomst',
      reminder: 'Herinnering: uw overeenkomst eindigt',
      withdrawn: 'Opzegging van uw overeenkomst ingetrokken',
    },
    greeting: (name: string) => `Beste ${name},`,
    body: {
      notice: (at: string) =>
        `Hierbij zeggen wij onze overeenkomst met u op per ${at}, vanwege de manier waarop misbruikmeldingen over uw dienst zijn afgehandeld. Op die datum worden uw servers uitgeschakeld en wordt uw IP-ruimte ingetrokken.`,
      reminder: (at: string) => `Wij herinneren u eraan dat onze overeenkomst met u eindigt per ${at}.`,
      withdrawn: () =>
        'Wij hebben de opzegging van onze overeenkomst ingetrokken: u hebt de gevraagde maatregelen genomen. Uw dienst loopt door zoals voorheen.',
    },
    reason: 'Reden',
    effective: 'Ingangsdatum',
    reference: 'Zaak',
    customer: 'Klant',
    outro: 'Met vragen kunt u op deze e-mail antwoorden of contact opnemen met uw accountmanager.',
  },
};

/** The words of a termination case's formal letter, in the customer's language: for the email and its PDF. */
export function terminationLetter(input: TerminationLetterInput): TerminationLetter {
  const w = WORDS[input.language];
  const at = input.effectiveAt
    ? formatInstant(input.effectiveAt, input.customer.timeZone, input.language)
    : '';
  return {
    title: w.subject[input.kind],
    subject: `${w.subject[input.kind]} (${input.customer.reference})`,
    intro: [w.greeting(input.customer.name), w.body[input.kind](at)],
    fields: [
      { label: w.customer, value: input.customer.reference },
      { label: w.reference, value: input.caseId },
      ...(input.kind !== 'withdrawn' ? [{ label: w.reason, value: input.reason }] : []),
      ...(at && input.kind !== 'withdrawn' ? [{ label: w.effective, value: at }] : []),
    ],
    outro: [w.outro],
  };
}

export interface TerminationLetter {
  title: string;
  subject: string;
  intro: string[];
  fields: { label: string; value: string }[];
  outro: string[];
}

export interface CaseTaskEmailInput {
  kind: 'task' | 'reminder';
  task: { id: string; kind: TaskKind; summary: string; dueAt: Date | string };
  caseId: string;
  customer: string;
  links: { outcome: string; url: string }[];
  apiUrl: string;
}

/** A termination case's task for legal or the NOC (English: it stays inside the provider). */
export function caseTaskEmail(input: CaseTaskEmailInput): RenderedEmail {
  const due = formatInstant(input.task.dueAt, 'UTC');
  const what = input.task.kind.replace(/_/g, ' ');
  return layout({
    subject: `[Takedown] ${input.kind === 'reminder' ? 'Reminder: ' : ''}Task: ${what} (termination of ${input.customer}), due ${due}`,
    intro: [input.task.summary, ...(input.kind === 'reminder' ? ['This task is still open.'] : [])],
    fields: [
      { label: 'Task', value: `${what} (${input.task.id})` },
      { label: 'Due', value: due },
      { label: 'Termination case', value: input.caseId },
      { label: 'Customer', value: input.customer },
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
