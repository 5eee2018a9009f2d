import { actionBasis } from '@takedown/domain';
import { renderLetterPdf } from './letter-pdf';

/**
 * The statement of reasons (DSA Art. 17) a customer receives no later than the restriction of its service: what is
 * restricted, where and for how long, the facts, where the case came from, whether automated means were used, the
 * ground with its explanation, and the redress. Stored as a signed snapshot like the termination report; exported in
 * the EU Transparency Database's statement shape (`transparencyDbStatement`).
 */
export interface StatementOfReasons {
  format: 'takedown.statement-of-reasons';
  version: 1;
  snapshotId: string;
  generatedAt: string;
  language: 'nl' | 'en';
  case: { id: string; openedAt: string };
  customer: { id: string; reference: string; name: string };
  restriction: {
    type: 'termination' | 'suspension';
    /** What ends: the whole provision of the service (termination), or the server or port that serves the content. */
    scope: 'total' | 'partial';
    /** ISO 3166 codes where the restriction applies: everywhere the provider serves (the EEA here). */
    territorialScope: string[];
    /** When it takes effect (the end of the notice period, or at once). */
    effectiveAt: string;
    /** ISO 8601 duration, or null: for good (termination), or until the content is gone (suspension). */
    duration: string | null;
  };
  ground: {
    type: 'illegal_content' | 'incompatible_content';
    /** The legal provision, or the contract clause, relied on. */
    reference: string;
    explanation: string;
    /** With a terms-and-conditions ground: whether the content is also considered illegal. */
    alsoIllegal: boolean;
  };
  facts: string;
  source: {
    /** From notices (which kinds of notifier), or the provider's own initiative. */
    type: 'notice' | 'own_initiative';
    notifierKinds: string[];
    /** The Digital Services Coordinators that designated the trusted flaggers among them (DSA Art. 22). */
    designatingAuthorities?: string[];
  };
  automated: { detection: boolean; decision: boolean };
  /** Takedown categories of the notices behind it, most serious first. */
  categories: string[];
  /** The first notice's arrival: when the content was first reported. */
  contentReportedAt: string | null;
  redress: { internalComplaint: string; outOfCourt: string; court: string };
  /** The statement as the customer reads it, in its language. */
  text: { title: string; paragraphs: string[] };
}

/** The EEA member states' ISO codes, as the Transparency Database lists territorial scopes. */
export const EEA_COUNTRIES = [
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE',
  'IS', 'IT', 'LI', 'LT', 'LU', 'LV', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK',
]; // prettier-ignore

/** Categories from most to least serious: the first present decides the statement's category and ground. */
const SEVERITY = ['csam', 'terrorist_content', 'malware', 'phishing', 'copyright', 'spam', 'other'];

const ILLEGAL: Record<string, { en: string; nl: string }> = {
  csam: {
    en: 'Child sexual abuse material: Directive 2011/93/EU, Art. 5, and the criminal law of the Member State where the service is provided',
    nl: 'Materiaal van seksueel misbruik van kinderen: Richtlijn 2011/93/EU, art. 5, en het strafrecht van de lidstaat waar de dienst wordt geleverd',
  },
  terrorist_content: {
    en: 'Terrorist content: Regulation (EU) 2021/784 and Directive (EU) 2017/541, Art. 5',
    nl: 'Terroristische online-inhoud: Verordening (EU) 2021/784 en Richtlijn (EU) 2017/541, art. 5',
  },
};

interface Wording {
  title: string;
  restriction: (effective: string, immediate: boolean) => string;
  suspension: (effective: string) => string;
  suspensionExplanation: (categories: string) => string;
  suspensionAutomated: string;
  /** A suspension is contested as an appeal of its notice, not by withdrawing a termination case. */
  suspensionComplaint: string;
  source: (kinds: string[]) => string;
  designatedBy: (authorities: string[]) => string;
  automated: string;
  ground: (type: StatementOfReasons['ground']['type'], reference: string) => string;
  explanation: (notices: number, missed: number, categories: string) => string;
  termsReference: string;
  facts: string;
  redress: StatementOfReasons['redress'];
  redressIntro: string;
}

const WORDING: Record<'nl' | 'en', (legalEmail: string) => Wording> = {
  en: (legalEmail) => ({
    title: 'Statement of reasons (Art. 17 Digital Services Act)',
    restriction: (effective, immediate) =>
      `Restriction: termination of the provision of the service as a whole, in every country where it is provided, ` +
      `for good, ${immediate ? 'with immediate effect' : 'at the end of the notice period'} (${effective}).`,
    suspension: (effective) =>
      `Restriction: suspension of the server or network port that serves the reported content, from ${effective}, ` +
      'until the content is removed or the notice is settled.',
    suspensionExplanation: (categories) =>
      `Your service was the subject of a notice (${categories}) and the reported content was not removed within the ` +
      'deadline our terms set; suspending the part of the service that serves it stops the harm while it is there.',
    suspensionAutomated:
      'No automated means were used to detect the content or to take this decision: a person at our abuse desk, or our policy once the deadline had passed, requested the suspension, and a network engineer carried it out.',
    suspensionComplaint:
      'Internal complaint: once the suspension is in place, appeal it in the customer portal (on the notice) within the appeal period; someone other than the person who decided reviews it.',
    source: (kinds) =>
      kinds.length
        ? `The decision follows notices from third parties (${kinds.join(', ')}) about content on your service.`
        : 'The decision was taken on our own initiative.',
    designatedBy: (authorities) =>
      `designated under Art. 22 of the Digital Services Act by ${authorities.join(', ')}`,
    automated:
      'No automated means were used to detect the content or to take this decision: people reviewed each notice and legal decided.',
    ground: (type, reference) =>
      type === 'illegal_content'
        ? `Ground: illegal content. Legal ground relied on: ${reference}.`
        : `Ground: incompatible with our terms and conditions. Contractual ground: ${reference}.`,
    explanation: (notices, missed, categories) =>
      `Your service was the subject of ${notices} notice(s) (${categories}); ${missed} of them were not acted on within ` +
      'the deadline our terms set. Repeated failure to remove reported content on time makes continuing the service ' +
      'incompatible with our obligations.',
    termsReference: 'the acceptable use policy and the termination clause of your contract',
    facts: 'Facts and circumstances relied on',
    redressIntro: 'Your means of redress',
    redress: {
      internalComplaint: `Internal complaint: write to ${legalEmail}, citing the case; legal reviews the decision and can withdraw it until decommissioning starts.`,
      outOfCourt:
        'Out-of-court dispute settlement: a body certified under Art. 21 of the Digital Services Act, whose decision does not bind you.',
      court: 'Court: you may bring the decision before the competent court at any time.',
    },
  }),
  nl: (legalEmail) => ({
    title: 'Motivering van de beslissing (art. 17 Digital Services Act)',
    restriction: (effective, immediate) =>
      `Beperking: beëindiging van de levering van de dienst als geheel, in elk land waar die wordt geleverd, ` +
      `definitief, ${immediate ? 'met onmiddellijke ingang' : 'aan het einde van de opzegtermijn'} (${effective}).`,
    suspension: (effective) =>
      `Beperking: opschorting van de server of netwerkpoort die de gemelde inhoud aanbiedt, vanaf ${effective}, ` +
      'tot de inhoud is verwijderd of de melding is afgehandeld.',
    suspensionExplanation: (categories) =>
      `Over uw dienst is een melding ontvangen (${categories}) en de gemelde inhoud is niet binnen de termijn van onze ` +
      'voorwaarden verwijderd; het opschorten van het deel van de dienst dat haar aanbiedt stopt de schade zolang ze er is.',
    suspensionAutomated:
      'Er zijn geen geautomatiseerde middelen gebruikt om de inhoud op te sporen of om deze beslissing te nemen: een medewerker van onze abuse-afdeling, of ons beleid na het verstrijken van de termijn, heeft de opschorting gevraagd, en een netwerkbeheerder heeft die uitgevoerd.',
    suspensionComplaint:
      'Interne klacht: teken, zodra de opschorting is uitgevoerd, bezwaar aan in het klantenportaal (bij de melding) binnen de bezwaartermijn; iemand anders dan wie besliste beoordeelt het.',
    source: (kinds) =>
      kinds.length
        ? `De beslissing volgt op meldingen van derden (${kinds.join(', ')}) over inhoud op uw dienst.`
        : 'De beslissing is op eigen initiatief genomen.',
    designatedBy: (authorities) =>
      `aangewezen volgens art. 22 van de Digital Services Act door ${authorities.join(', ')}`,
    automated:
      'Er zijn geen geautomatiseerde middelen gebruikt om de inhoud op te sporen of om deze beslissing te nemen: mensen hebben elke melding beoordeeld en juridische zaken heeft beslist.',
    ground: (type, reference) =>
      type === 'illegal_content'
        ? `Grond: illegale inhoud. Wettelijke grondslag: ${reference}.`
        : `Grond: in strijd met onze algemene voorwaarden. Contractuele grondslag: ${reference}.`,
    explanation: (notices, missed, categories) =>
      `Over uw dienst zijn ${notices} melding(en) ontvangen (${categories}); op ${missed} daarvan is niet binnen de ` +
      'termijn van onze voorwaarden gehandeld. Herhaaldelijk niet tijdig verwijderen van gemelde inhoud maakt het ' +
      'voortzetten van de dienst onverenigbaar met onze verplichtingen.',
    termsReference: 'het beleid voor aanvaardbaar gebruik en de opzeggingsbepaling van uw contract',
    facts: 'Feiten en omstandigheden',
    redressIntro: 'Uw rechtsmiddelen',
    redress: {
      internalComplaint: `Interne klacht: schrijf aan ${legalEmail} onder vermelding van de zaak; juridische zaken herbeoordeelt de beslissing en kan die intrekken tot de ontmanteling begint.`,
      outOfCourt:
        'Buitengerechtelijke geschillenbeslechting: een orgaan dat is gecertificeerd volgens art. 21 van de Digital Services Act; de uitspraak bindt u niet.',
      court: 'Rechter: u kunt de beslissing op elk moment voorleggen aan de bevoegde rechter.',
    },
  }),
};

/** What the worker reads from PostgreSQL for a case's statement. */
export interface StatementFacts {
  snapshotId: string;
  generatedAt: string;
  language: 'nl' | 'en';
  case: { id: string; openedAt: string; reason: string };
  customer: { id: string; reference: string; name: string };
  effectiveAt: string;
  immediate: boolean;
  notices: {
    category: string;
    sourceKind: string;
    /** A trusted flagger's: the Digital Services Coordinator that designated it, as of receipt. */
    designatingAuthority?: string | null;
    receivedAt: string;
    deadlineMissed: boolean;
  }[];
  legalEmail: string;
  /** Termination of the service (a termination case), or suspension of what serves a notice's content. */
  restriction?: 'termination' | 'suspension';
}

export function buildStatementOfReasons(f: StatementFacts): StatementOfReasons {
  const w = WORDING[f.language](f.legalEmail);
  const categories = SEVERITY.filter((c) => f.notices.some((n) => n.category === c));
  const notifierKinds = [
    ...new Set(f.notices.map((n) => n.sourceKind).filter((k) => k !== 'internal')),
  ].sort();
  const authorities = [
    ...new Set(
      f.notices.flatMap((n) =>
        n.sourceKind === 'trusted_flagger' && n.designatingAuthority ? [n.designatingAuthority] : [],
      ),
    ),
  ].sort();
  const named = notifierKinds.map((k) =>
    k === 'trusted_flagger' && authorities.length ? `${k} (${w.designatedBy(authorities)})` : k,
  );
  const illegal = categories.find((c) => actionBasis(c) === 'law');
  const reference = illegal ? ILLEGAL[illegal][f.language] : w.termsReference;
  const type = illegal ? 'illegal_content' : 'incompatible_content';
  const missed = f.notices.filter((n) => n.deadlineMissed).length;
  const suspension = f.restriction === 'suspension';
  const redress = suspension ? { ...w.redress, internalComplaint: w.suspensionComplaint } : w.redress;
  const explanation = suspension
    ? w.suspensionExplanation(categories.join(', ') || '-')
    : w.explanation(f.notices.length, missed, categories.join(', ') || '-');
  // A trusted flagger's designation is a fact the decision rests on (DSA Art. 17(3)(b), Art. 22); first, so that
  // the Transparency Database's length limit never cuts it off.
  const facts = `${authorities.length ? `${w.source(named)} ` : ''}${f.case.reason} (${explanation})`;
  const reported = f.notices.map((n) => n.receivedAt).sort()[0] ?? null;
  const paragraphs = [
    suspension
      ? w.suspension(f.effectiveAt.slice(0, 10))
      : w.restriction(f.effectiveAt.slice(0, 10), f.immediate),
    w.ground(type, reference),
    explanation,
    `${w.facts}: ${f.case.reason}`,
    w.source(named),
    suspension ? w.suspensionAutomated : w.automated,
    `${w.redressIntro}: ${redress.internalComplaint} ${redress.outOfCourt} ${redress.court}`,
  ];
  return {
    format: 'takedown.statement-of-reasons',
    version: 1,
    snapshotId: f.snapshotId,
    generatedAt: f.generatedAt,
    language: f.language,
    case: { id: f.case.id, openedAt: f.case.openedAt },
    customer: f.customer,
    restriction: {
      type: suspension ? 'suspension' : 'termination',
      scope: suspension ? 'partial' : 'total',
      territorialScope: EEA_COUNTRIES,
      effectiveAt: f.effectiveAt,
      duration: null,
    },
    ground: {
      type,
      reference,
      explanation,
      alsoIllegal: categories.some((c) => c !== 'spam' && c !== 'other'),
    },
    facts,
    source: {
      type: notifierKinds.length ? 'notice' : 'own_initiative',
      notifierKinds,
      ...(authorities.length ? { designatingAuthorities: authorities } : {}),
    },
    automated: { detection: false, decision: false },
    categories,
    contentReportedAt: reported,
    redress,
    text: { title: w.title, paragraphs },
  };
}

/** The statement as a letter-style PDF that prints the digest of its JSON. */
export function renderStatementPdf(
  s: StatementOfReasons & { digest: { value: string } },
  sender: string,
): Promise<Buffer> {
  const nl = s.language === 'nl';
  return renderLetterPdf({
    sender,
    date: s.generatedAt.slice(0, 10),
    title: s.text.title,
    subject: `${s.text.title} - ${s.customer.reference}`,
    paragraphs: s.text.paragraphs,
    fields: [
      { label: nl ? 'Klant' : 'Customer', value: `${s.customer.name} (${s.customer.reference})` },
      { label: nl ? 'Zaak' : 'Case', value: s.case.id },
      { label: nl ? 'Motivering' : 'Statement', value: s.snapshotId },
    ],
    closing: [
      nl
        ? 'SHA-256 over de canonieke JSON van deze motivering:'
        : 'SHA-256 digest over the canonical JSON of this statement:',
      // On a line of its own, so that it is printed (and read back) whole.
      s.digest.value,
      nl
        ? 'Deze motivering is ondertekend (Ed25519); controleer met: npm run takedown -- verify-report BESTAND --keys JWKS.'
        : 'This statement is signed (Ed25519); verify it with: npm run takedown -- verify-report FILE --keys JWKS.',
    ],
  });
}

/** Field limits of the Transparency Database (characters). */
export const TRANSPARENCY_DB_LIMITS = {
  illegal_content_legal_ground: 500,
  illegal_content_explanation: 2000,
  incompatible_content_ground: 500,
  incompatible_content_explanation: 2000,
  decision_facts: 5000,
  content_type_other: 500,
  puid: 500,
} as const;

const CATEGORY: Record<string, { category: string; keyword: string }> = {
  csam: {
    category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
    keyword: 'KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL',
  },
  terrorist_content: {
    category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
    keyword: 'KEYWORD_TERRORIST_CONTENT',
  },
  phishing: { category: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD', keyword: 'KEYWORD_PHISHING' },
  malware: { category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY', keyword: 'KEYWORD_OTHER' },
  copyright: {
    category: 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
    keyword: 'KEYWORD_COPYRIGHT_INFRINGEMENT',
  },
  spam: { category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC', keyword: 'KEYWORD_OTHER' },
  other: { category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC', keyword: 'KEYWORD_OTHER' },
};

/** Text cut to a field's limit, marked as cut: the database refuses longer values. */
const fit = (text: string, limit: number) => (text.length <= limit ? text : `${text.slice(0, limit - 1)}…`);

/**
 * The statement in the Transparency Database's statement shape (one JSON object; the export writes one a line).
 * `puid` is the snapshot's id, unique per statement; texts are cut to the database's limits.
 */
export function transparencyDbStatement(s: StatementOfReasons): Record<string, unknown> {
  const primary = CATEGORY[s.categories[0] ?? 'other'];
  const illegal = s.ground.type === 'illegal_content';
  const L = TRANSPARENCY_DB_LIMITS;
  return {
    decision_provision:
      s.restriction.type === 'termination'
        ? 'DECISION_PROVISION_TOTAL_TERMINATION'
        : s.restriction.scope === 'partial'
          ? 'DECISION_PROVISION_PARTIAL_SUSPENSION'
          : 'DECISION_PROVISION_TOTAL_SUSPENSION',
    decision_ground: illegal ? 'DECISION_GROUND_ILLEGAL_CONTENT' : 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
    ...(illegal
      ? {
          illegal_content_legal_ground: fit(s.ground.reference, L.illegal_content_legal_ground),
          illegal_content_explanation: fit(s.ground.explanation, L.illegal_content_explanation),
        }
      : {
          incompatible_content_ground: fit(s.ground.reference, L.incompatible_content_ground),
          incompatible_content_explanation: fit(s.ground.explanation, L.incompatible_content_explanation),
          incompatible_content_illegal: s.ground.alsoIllegal ? 'Yes' : 'No',
        }),
    content_type: ['CONTENT_TYPE_OTHER'],
    content_type_other: fit('Content hosted on the customer’s service', L.content_type_other),
    category: primary.category,
    category_specification: [...new Set(s.categories.map((c) => CATEGORY[c].keyword))],
    territorial_scope: s.restriction.territorialScope,
    decision_facts: fit(s.facts, L.decision_facts),
    source_type: s.source.notifierKinds.includes('trusted_flagger')
      ? 'SOURCE_TRUSTED_FLAGGER'
      : s.source.type === 'notice'
        ? 'SOURCE_ARTICLE_16'
        : 'SOURCE_VOLUNTARY',
    automated_detection: s.automated.detection ? 'Yes' : 'No',
    automated_decision: s.automated.decision
      ? 'AUTOMATED_DECISION_FULLY'
      : 'AUTOMATED_DECISION_NOT_AUTOMATED',
    content_date: (s.contentReportedAt ?? s.case.openedAt).slice(0, 10),
    application_date: s.restriction.effectiveAt.slice(0, 10),
    puid: fit(`takedown-sor-${s.snapshotId}`, L.puid),
  };
}
