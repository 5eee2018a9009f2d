import { STANDING_LEVELS, type StandingCounts, type StandingLevel } from '@takedown/domain';
import { layout, type MailLanguage, type RenderedEmail } from './render';

export interface StandingLetterInput {
  language: MailLanguage;
  customer: { name: string; reference: string };
  level: StandingLevel;
  previousLevel: StandingLevel;
  counts: StandingCounts;
  /** The policy's window, e.g. `P90D`. */
  window: string;
  reason: string;
}

const LEVELS: Record<MailLanguage, Record<StandingLevel, string>> = {
  en: {
    good: 'good standing',
    watch: 'under watch',
    warning: 'warning',
    final_warning: 'final warning',
    termination_case: 'termination of the contract under review',
  },
  nl: {
    good: 'goede status',
    watch: 'onder toezicht',
    warning: 'waarschuwing',
    final_warning: 'laatste waarschuwing',
    termination_case: 'beëindiging van het contract in behandeling',
  },
};

const WORDS = {
  en: {
    subject: (level: string) => `Your abuse standing: ${level}`,
    greeting: (name: string) => `Dear ${name},`,
    raised: (level: string) =>
      `Your record in handling abuse notices has changed your standing with us to: ${level}.`,
    lowered: (level: string) => `Your standing with us has improved to: ${level}.`,
    consequence: {
      good: 'Thank you for handling abuse notices promptly.',
      watch: 'Please make sure every notice is handled before its deadline.',
      warning: 'Continued failure to act on notices may lead to termination of your contract.',
      final_warning:
        'This is your final warning: a further failure to act will lead to termination of your contract.',
      termination_case:
        'Our legal department is reviewing the termination of your contract. You will hear from us in writing.',
    } as Record<StandingLevel, string>,
    reason: 'Reason',
    customer: 'Customer',
    counts: (window: string) => `In the last ${window}`,
    measures:
      'Preventive measures such as a hash check on uploads count in your favour; tell your account manager which you use.',
  },
  nl: {
    subject: (level: string) => `Uw status bij misbruikmeldingen: ${level}`,
    greeting: (name: string) => `Beste ${name},`,
    raised: (level: string) =>
      `Door de manier waarop u misbruikmeldingen afhandelt, is uw status bij ons gewijzigd in: ${level}.`,
    lowered: (level: string) => `Uw status bij ons is verbeterd tot: ${level}.`,
    consequence: {
      good: 'Dank u voor het snel afhandelen van misbruikmeldingen.',
      watch: 'Zorg ervoor dat elke melding vóór de termijn is afgehandeld.',
      warning: 'Blijft u meldingen niet afhandelen, dan kan dat leiden tot beëindiging van uw contract.',
      final_warning:
        'Dit is uw laatste waarschuwing: handelt u opnieuw een melding niet af, dan beëindigen wij uw contract.',
      termination_case:
        'Onze juridische afdeling beoordeelt de beëindiging van uw contract. U hoort schriftelijk van ons.',
    } as Record<StandingLevel, string>,
    reason: 'Reden',
    customer: 'Klant',
    counts: (window: string) => `In de afgelopen ${window}`,
    measures:
      'Preventieve maatregelen, zoals een hashcontrole op uploads, tellen in uw voordeel; laat uw accountmanager weten welke u gebruikt.',
  },
};

const COUNT_LABELS: Record<MailLanguage, Record<keyof StandingCounts, string>> = {
  en: {
    missedDeadlines: 'missed deadlines',
    missedCsamDeadlines: 'missed CSAM deadlines',
    ignored: 'notices ignored until suspension',
    falseClaims: 'false removal claims',
    contentBack: 'removed content back online',
  },
  nl: {
    missedDeadlines: 'gemiste termijnen',
    missedCsamDeadlines: 'gemiste CSAM-termijnen',
    ignored: 'genegeerde meldingen (tot opschorting)',
    falseClaims: 'onjuiste meldingen van verwijdering',
    contentBack: 'verwijderde inhoud opnieuw online',
  },
};

/** A window such as `P90D` as people write it. */
function windowText(window: string, language: MailLanguage): string {
  const days = /^P(\d+)D$/.exec(window);
  if (days) return language === 'nl' ? `${days[1]} dagen` : `${days[1]} days`;
  return window;
}

/** The letter a customer gets at every change of its standing, in its language. Never reported content. */
export function standingLetterEmail(input: StandingLetterInput): RenderedEmail {
  const w = WORDS[input.language];
  const level = LEVELS[input.language][input.level];
  const raised = STANDING_LEVELS.indexOf(input.level) > STANDING_LEVELS.indexOf(input.previousLevel);
  return layout({
    subject: w.subject(level),
    intro: [
      w.greeting(input.customer.name),
      raised ? w.raised(level) : w.lowered(level),
      w.consequence[input.level],
    ],
    fields: [
      { label: w.customer, value: input.customer.reference },
      { label: w.reason, value: input.reason },
      {
        label: w.counts(windowText(input.window, input.language)),
        value: (Object.keys(COUNT_LABELS.en) as (keyof StandingCounts)[]).map(
          (k) => `${COUNT_LABELS[input.language][k]}: ${input.counts[k]}`,
        ),
      },
    ],
    outro: [w.measures],
  });
}

/** The account manager's note on a change of standing (English, internal). */
export function standingNoteEmail(
  input: Omit<StandingLetterInput, 'language'> & { customerId: string },
): RenderedEmail {
  return layout({
    subject: `[Takedown] ${input.customer.reference}: standing ${input.previousLevel} → ${input.level}`,
    intro: [
      `The standing of ${input.customer.name} (${input.customer.reference}) changed from ${input.previousLevel} to ${input.level}. The customer has been sent a letter.`,
    ],
    fields: [
      { label: 'Reason', value: input.reason },
      {
        label: `Counts (${input.window})`,
        value: (Object.keys(COUNT_LABELS.en) as (keyof StandingCounts)[]).map(
          (k) => `${COUNT_LABELS.en[k]}: ${input.counts[k]}`,
        ),
      },
      { label: 'Standing', value: `GET /v1/customers/${input.customerId}/standing` },
    ],
  });
}
