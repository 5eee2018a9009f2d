import { formatInstant, layout, type MailLanguage, type RenderedEmail } from './render';

export interface PortalLinkEmailInput {
  language: MailLanguage;
  customer: { name: string; reference: string; timeZone: string };
  /** The portal link: opening it shows the portal, which exchanges it for a session (a GET changes nothing). */
  url: string;
  expiresAt: Date;
}

const TEXT = {
  en: {
    subject: (ref: string) => `[Takedown] Your abuse portal link for ${ref}`,
    intro: (name: string) => [
      `Someone asked for a link to the abuse portal of ${name}, for this address. Open it to see your notices, ` +
        'their deadlines and your standing, and to answer them.',
      'The link works once, for a limited time. If you did not ask for it, ignore this email.',
    ],
    customer: 'Customer',
    valid: 'Valid until',
    action: 'Open the portal:',
  },
  nl: {
    subject: (ref: string) => `[Takedown] Uw link naar het abuse-portaal voor ${ref}`,
    intro: (name: string) => [
      `Er is voor dit adres een link naar het abuse-portaal van ${name} aangevraagd. Open hem om uw meldingen, ` +
        'hun termijnen en uw status te zien en ze te beantwoorden.',
      'De link werkt één keer en een beperkte tijd. Hebt u hem niet aangevraagd, negeer dan deze e-mail.',
    ],
    customer: 'Klant',
    valid: 'Geldig tot',
    action: 'Open het portaal:',
  },
} as const;

/** The email with a fresh portal link, to a registered abuse contact that asked for one. */
export function portalLinkEmail(input: PortalLinkEmailInput): RenderedEmail {
  const t = TEXT[input.language];
  return layout({
    subject: t.subject(input.customer.reference),
    intro: [...t.intro(input.customer.name)],
    fields: [
      { label: t.customer, value: `${input.customer.name} (${input.customer.reference})` },
      { label: t.valid, value: formatInstant(input.expiresAt, input.customer.timeZone, input.language) },
    ],
    actionsTitle: t.action,
    actions: [{ label: 'Portal', url: input.url }],
  });
}
