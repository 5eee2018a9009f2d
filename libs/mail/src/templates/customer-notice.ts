import type { Category } from '@takedown/domain';
import { formatInstant, layout, type MailLanguage, type RenderedEmail } from './render';

export interface CustomerNoticeInput {
  /** `last_call`: the last reminder, shortly before the deadline, saying what happens when it passes. */
  kind: 'notice' | 'reminder' | 'last_call';
  language: MailLanguage;
  customer: { name: string; reference: string; timeZone: string };
  notice: {
    id: string;
    category: Category;
    /** In full, also for CSAM: the customer has to find the material. These emails are never logged. */
    urls: string[];
    ip: string | null;
    receivedAt: Date | string;
  };
  deadline: Date | string;
  /** Absent for a reseller's copy (informed): its end customer is the one asked to answer. */
  links?: { removed: string; dispute: string };
  /**
   * To a reseller about its end customer's notice: `act_first` (it answers first; its end customer hears of the notice
   * at `until` if it has not) or `informed` (a copy of what the end customer got).
   */
  reseller?: {
    endCustomer: { name: string; reference: string };
    mode: 'act_first' | 'informed';
    until?: Date | string;
  };
  /** A single-use link to the customer's portal for this email (all its notices, answered at once). */
  portal?: { url: string; expiresAt: Date };
  /** A removal order (policy `aroundTheClock`): marked urgent, for the 24/7 contacts as much as office hours. */
  urgent?: boolean;
}

const CATEGORY_LABELS: Record<MailLanguage, Record<Category, string>> = {
  en: {
    csam: 'child sexual abuse material (CSAM)',
    terrorist_content: 'terrorist content (removal order)',
    phishing: 'phishing',
    malware: 'malware',
    spam: 'spam',
    copyright: 'copyright infringement',
    other: 'other abuse',
    login_attack: 'login attacks (brute force)',
    scanning: 'network scanning',
    ddos: 'denial-of-service attacks',
    web_attack: 'attacks on web applications',
    botnet: 'botnet or malware traffic',
    compromised: 'a compromised system',
    vulnerable_service: 'a vulnerable or openly reachable service',
    blocklisted: 'listing on an abuse blocklist',
  },
  nl: {
    csam: 'seksueel kindermisbruikmateriaal (CSAM)',
    terrorist_content: 'terroristische inhoud (verwijderingsbevel)',
    phishing: 'phishing',
    malware: 'malware',
    spam: 'spam',
    copyright: 'inbreuk op auteursrecht',
    other: 'overig misbruik',
    login_attack: 'inlogaanvallen (brute force)',
    scanning: 'netwerkscans',
    ddos: 'denial-of-service-aanvallen',
    web_attack: 'aanvallen op webapplicaties',
    botnet: 'botnet- of malwareverkeer',
    compromised: 'een gecompromitteerd systeem',
    vulnerable_service: 'een kwetsbare of open bereikbare dienst',
    blocklisted: 'vermelding op een misbruik-blokkeerlijst',
  },
};

const WORDS = {
  en: {
    subject: (k: CustomerNoticeInput['kind'], category: string, deadline: string) =>
      `${{ notice: '', reminder: 'Reminder: ', last_call: 'Last call: ' }[k]}Abuse notice (${category}): remove before ${deadline}`,
    ipSubject: (k: CustomerNoticeInput['kind'], category: string, deadline: string) =>
      `${{ notice: '', reminder: 'Reminder: ', last_call: 'Last call: ' }[k]}Abuse notice (${category}): stop it before ${deadline}`,
    urgent: 'URGENT, act day or night: ',
    urgentIntro:
      'This is a removal order with a deadline of about one hour. It is sent to your 24/7 contacts as well: act now, whatever the hour.',
    greeting: (name: string) => `Dear ${name},`,
    intro: (category: string) =>
      `We received a notice that material on your service is ${category}. Our agreement requires you to remove it before the deadline below.`,
    ipIntro: (category: string, ip: string) =>
      `We received a report that the IP address ${ip} on your service was involved in ${category}. Our agreement requires you to find the cause (often a compromised or misconfigured system) and stop it before the deadline below.`,
    reminder: 'We have not yet received confirmation that it was removed.',
    ipReminder: 'We have not yet received confirmation that it was stopped.',
    lastCall:
      'The deadline is close. If we have no confirmation of removal by then, we escalate to your account manager, and for this category we may suspend the service concerned without further notice.',
    reported: 'Reported',
    ip: 'IP address',
    received: 'Received',
    deadline: 'Deadline',
    reference: 'Notice',
    customer: 'Customer',
    actionsTitle: 'Once you have acted, tell us with one of these links (each works once):',
    removed: 'The material has been removed',
    ipRemoved: 'The cause has been found and stopped',
    dispute: 'I dispute this notice (give a reason)',
    portal: (until: string) =>
      `All your open notices, answered at once, and your standing: the abuse portal (valid until ${until})`,
    outro:
      'If the deadline passes without removal, we escalate to your account manager and may suspend the service concerned.',
    actFirst: (name: string, reference: string, until: string) =>
      `This notice is about your customer ${name} (${reference}). Your contract has you act first: if we have no answer from you by ${until}, we send it to ${name} directly. The deadline stays as below.`,
    informed: (name: string, reference: string) =>
      `A copy for your information: this email went to your customer ${name} (${reference}), which is asked to act. Your contract has you informed of its notices.`,
  },
  nl: {
    subject: (k: CustomerNoticeInput['kind'], category: string, deadline: string) =>
      `${{ notice: '', reminder: 'Herinnering: ', last_call: 'Laatste oproep: ' }[k]}Melding van misbruik (${category}): verwijderen vóór ${deadline}`,
    ipSubject: (k: CustomerNoticeInput['kind'], category: string, deadline: string) =>
      `${{ notice: '', reminder: 'Herinnering: ', last_call: 'Laatste oproep: ' }[k]}Melding van misbruik (${category}): stoppen vóór ${deadline}`,
    urgent: 'SPOED, ook buiten kantoortijd: ',
    urgentIntro:
      'Dit is een verwijderingsbevel met een termijn van ongeveer een uur. Het gaat ook naar uw 24/7-contacten: handel nu, op welk uur ook.',
    greeting: (name: string) => `Beste ${name},`,
    intro: (category: string) =>
      `We hebben een melding ontvangen dat materiaal op uw dienst ${category} is. Volgens onze overeenkomst moet u het vóór de onderstaande termijn verwijderen.`,
    ipIntro: (category: string, ip: string) =>
      `We hebben een melding ontvangen dat het IP-adres ${ip} op uw dienst betrokken was bij ${category}. Volgens onze overeenkomst moet u de oorzaak vinden (vaak een gecompromitteerd of verkeerd ingesteld systeem) en het vóór de onderstaande termijn stoppen.`,
    reminder: 'We hebben nog geen bevestiging ontvangen dat het is verwijderd.',
    ipReminder: 'We hebben nog geen bevestiging ontvangen dat het is gestopt.',
    lastCall:
      'De termijn verstrijkt binnenkort. Hebben we dan geen bevestiging van verwijdering, dan escaleren we naar uw accountmanager en kunnen we voor deze categorie de betreffende dienst zonder verdere aankondiging opschorten.',
    reported: 'Gemeld',
    ip: 'IP-adres',
    received: 'Ontvangen',
    deadline: 'Termijn',
    reference: 'Melding',
    customer: 'Klant',
    actionsTitle: 'Laat ons weten wat u hebt gedaan met een van deze links (elke link werkt één keer):',
    removed: 'Het materiaal is verwijderd',
    ipRemoved: 'De oorzaak is gevonden en gestopt',
    dispute: 'Ik betwist deze melding (met reden)',
    portal: (until: string) =>
      `Al uw openstaande meldingen in één keer beantwoorden, en uw status: het abuse-portaal (geldig tot ${until})`,
    outro:
      'Als de termijn verstrijkt zonder verwijdering, escaleren we naar uw accountmanager en kunnen we de betreffende dienst opschorten.',
    actFirst: (name: string, reference: string, until: string) =>
      `Deze melding gaat over uw klant ${name} (${reference}). Volgens uw contract handelt u eerst: hebben we vóór ${until} geen antwoord van u, dan sturen we haar rechtstreeks naar ${name}. De termijn hieronder blijft gelden.`,
    informed: (name: string, reference: string) =>
      `Een kopie ter informatie: deze e-mail ging naar uw klant ${name} (${reference}), die wordt gevraagd te handelen. Volgens uw contract wordt u over haar meldingen geïnformeerd.`,
  },
} as const;

/** The email to a customer's abuse contacts about a notice, or a reminder of it, in the customer's language. */
export function customerNoticeEmail(input: CustomerNoticeInput): RenderedEmail {
  const w = WORDS[input.language];
  const tz = input.customer.timeZone;
  const category = CATEGORY_LABELS[input.language][input.notice.category];
  const deadline = formatInstant(input.deadline, tz, input.language);
  // A notice about an address (IP-based abuse, no URL) asks to stop what the address does, not to remove material.
  const ip = input.notice.urls.length ? null : input.notice.ip;
  const reminder = ip ? w.ipReminder : w.reminder;
  const r = input.reseller;
  const forReseller = !r
    ? []
    : r.mode === 'act_first'
      ? [
          w.actFirst(
            r.endCustomer.name,
            r.endCustomer.reference,
            formatInstant(r.until ?? input.deadline, tz, input.language),
          ),
        ]
      : [w.informed(r.endCustomer.name, r.endCustomer.reference)];
  const links = input.links;
  return layout({
    subject: `[Takedown] ${input.urgent ? w.urgent : ''}${(ip ? w.ipSubject : w.subject)(input.kind, category, deadline)}`,
    intro: [
      w.greeting(input.customer.name),
      ...forReseller,
      ...(input.urgent ? [w.urgentIntro] : []),
      ip ? w.ipIntro(category, ip) : w.intro(category),
      ...(input.kind === 'reminder' ? [reminder] : []),
      ...(input.kind === 'last_call' ? [reminder, w.lastCall] : []),
    ],
    fields: [
      ...(input.notice.urls.length ? [{ label: w.reported, value: input.notice.urls }] : []),
      ...(input.notice.ip ? [{ label: w.ip, value: input.notice.ip }] : []),
      { label: w.received, value: formatInstant(input.notice.receivedAt, tz, input.language) },
      { label: w.deadline, value: deadline },
      { label: w.reference, value: input.notice.id },
      { label: w.customer, value: r ? r.endCustomer.reference : input.customer.reference },
    ],
    actionsTitle: w.actionsTitle,
    actions: [
      ...(links
        ? [
            { label: ip ? w.ipRemoved : w.removed, url: links.removed },
            { label: w.dispute, url: links.dispute },
          ]
        : []),
      ...(input.portal
        ? [
            {
              label: w.portal(formatInstant(input.portal.expiresAt, tz, input.language)),
              url: input.portal.url,
            },
          ]
        : []),
    ],
    outro: [w.outro],
  });
}
