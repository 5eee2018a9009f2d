import { formatInstant, layout, type MailLanguage, type RenderedEmail } from './render';

export interface OrderInformationInput {
  language: MailLanguage;
  customer: { name: string; reference: string; timeZone: string };
  order: { reference: string; authority: string; memberState: string; issuedAt: Date; reasons: string };
  noticeId: string;
  removedAt: Date;
}

const TEXT = {
  en: {
    subject: (ref: string) => `[Takedown] Content removed under removal order ${ref}`,
    intro: (o: OrderInformationInput['order']) => [
      `Content on your service was removed, or access to it disabled, under a removal order of ${o.authority} ` +
        `(${o.memberState}) under Regulation (EU) 2021/784 on terrorist content online.`,
      `You may challenge the removal order before the courts of the Member State whose authority issued it ` +
        `(${o.memberState}), and you may ask us to reinstate the content by replying to this email with your ` +
        'reasons (Art. 10 of the Regulation).',
    ],
    reference: 'Order reference',
    authority: 'Issuing authority',
    issued: 'Issued',
    notice: 'Our notice',
    removed: 'Removed',
    reasons: 'Reasons given in the order',
  },
  nl: {
    subject: (ref: string) => `[Takedown] Inhoud verwijderd op verwijderingsbevel ${ref}`,
    intro: (o: OrderInformationInput['order']) => [
      `Inhoud op uw dienst is verwijderd, of de toegang ertoe ontoegankelijk gemaakt, op een verwijderingsbevel van ` +
        `${o.authority} (${o.memberState}) op grond van Verordening (EU) 2021/784 inzake terroristische online-inhoud.`,
      `U kunt het verwijderingsbevel aanvechten bij de rechter van de lidstaat waarvan de autoriteit het gaf ` +
        `(${o.memberState}), en u kunt ons vragen de inhoud terug te plaatsen door deze e-mail met uw redenen te ` +
        'beantwoorden (art. 10 van de Verordening).',
    ],
    reference: 'Kenmerk van het bevel',
    authority: 'Uitvaardigende autoriteit',
    issued: 'Uitgevaardigd',
    notice: 'Onze melding',
    removed: 'Verwijderd',
    reasons: 'Redenen in het bevel',
  },
} as const;

/**
 * The information a content provider gets once its content is removed under a removal order (TCO Regulation
 * Art. 11(1)-(2)): which order, by whom, why, and how to challenge it. Not sent when the order says so (Art. 11(3)).
 */
export function orderInformationEmail(input: OrderInformationInput): RenderedEmail {
  const t = TEXT[input.language];
  const tz = input.customer.timeZone;
  return layout({
    subject: t.subject(input.order.reference),
    intro: [...t.intro(input.order)],
    fields: [
      { label: t.reference, value: input.order.reference },
      { label: t.authority, value: `${input.order.authority} (${input.order.memberState})` },
      { label: t.issued, value: formatInstant(input.order.issuedAt, tz, input.language) },
      { label: t.notice, value: input.noticeId },
      { label: t.removed, value: formatInstant(input.removedAt, tz, input.language) },
      { label: t.reasons, value: input.order.reasons },
    ],
  });
}
