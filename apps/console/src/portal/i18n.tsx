import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Language } from '../i18n';

/**
 * The portal's words, apart from the staff console's table: a customer reads other things, and the two tables
 * then change without stepping on each other. `{name}` in a text is replaced by a value.
 */
const en = {
  'portal.title': 'Abuse portal',
  'portal.skip': 'Skip to content',
  'portal.nav': 'Portal',
  'portal.nav.open': 'Open notices',
  'portal.nav.history': 'Closed notices',
  'portal.nav.standing': 'Standing and measures',
  'portal.nav.statements': 'Statements of reasons',
  'statements.title': 'Statements of reasons',
  'statements.subtitle':
    'Why we suspended or ended a service of yours (Digital Services Act, Art. 17), newest first: the documents we sent you, signed.',
  'statements.empty': 'No statements of reasons: we have not restricted any service of yours.',
  'statements.kind.suspension': 'Suspension',
  'statements.kind.termination': 'Termination of the service',
  'statements.notice': 'Notice {id}',
  'statements.case': 'Termination case {id}',
  'statements.made': 'Made',
  'statements.digest': 'Digest',
  'statements.pdf': 'Download PDF',
  'statements.json': 'Download JSON',
  'statements.downloadOf': '{kind} of {date}',
  'portal.signOut': 'Sign out',
  'portal.language': 'Language',
  'portal.timeZone': 'Times in {zone}',
  'portal.customer': '{name} ({reference})',
  'entry.title': 'Your abuse notices',
  'entry.link':
    'You opened a portal link from our email. Press the button to see your notices; the link then works no longer, ask for a fresh one any time.',
  'entry.open': 'Open my notices',
  'entry.expired': 'Your portal session has ended. Open a fresh link from your email, or ask for one below.',
  'entry.LINK.USED': 'This link has been used already. Ask for a fresh one below.',
  'entry.LINK.EXPIRED': 'This link has expired (a link is valid for a day). Ask for a fresh one below.',
  'entry.LINK.INVALID':
    'This link is not valid (mistyped, or its address is no longer your abuse contact). Ask for a fresh one below.',
  'request.title': 'Ask for a link by email',
  'request.intro':
    'Enter your registered abuse contact address. We send it a link to this portal, valid once for a day.',
  'request.email': 'Abuse contact email address',
  'request.submit': 'Email me a link',
  'request.sent':
    'If {email} is a registered abuse contact, a link is on its way. Check your inbox in a few minutes.',
  'request.limited': 'Too many requests for a link in the last hour. Try again later.',
  'token.title': 'Sign in with a customer API token',
  'token.label': 'Customer API token',
  'token.submit': 'Sign in',
  'token.empty': 'Paste a token first.',
  'token.rejected': 'This token was not accepted: {message}',
  'token.kept': 'The token is kept in this tab only and forgotten when you close it or sign out.',
  'open.title': 'Open notices',
  'open.subtitle':
    'The nearest deadline first. Remove the material, or tell us why not, before the deadline.',
  'open.empty': 'No open notices. New ones appear here and in your email as they arrive.',
  'open.selectAll': 'Select all that can be answered',
  'open.select': 'Select notice {id}',
  'open.selected': '{count} selected',
  'open.url': 'Reported URL (your content, shown as text)',
  'open.asked': 'What is asked',
  'open.received': 'Received',
  'open.deadline': 'Deadline',
  'asked.act':
    'Remove the material at the reported URL before the deadline and answer “removed”, or answer “dispute” with your reason.',
  'asked.checking':
    'Nothing for now: your removal claim is being checked. The deadline runs on until it is confirmed.',
  'asked.processing': 'Nothing yet: the notice is being processed.',
  'asked.closed': 'Nothing: the notice is closed.',
  'asked.informed': 'Nothing: you are informed of this notice; your customer is asked to act.',
  'reseller.endCustomer': 'Your customer: {name} ({reference})',
  'reseller.act_first': 'you act first',
  'reseller.informed': 'for your information',
  'answer.title': 'Answer the selected notices',
  'answer.kind': 'Your answer',
  'answer.removed': 'Removed',
  'answer.dispute': 'Dispute',
  'answer.reason': 'Why you dispute these notices',
  'answer.reasonNeeded': 'A dispute needs a reason.',
  'answer.submit': 'Send the answer for {count} notices',
  'answer.submit.one': 'Send the answer for {count} notice',
  'answer.none': 'Select the notices to answer first.',
  'answer.results': 'Result per notice',
  'answer.accepted': 'taken, now {state}',
  'answer.refused': 'refused: {message}',
  'answer.not_found': 'not found',
  'answer.NOTICE.ALREADY_CLAIMED': 'a removal was claimed already; it is being checked',
  'answer.NOTICE.ALREADY_CLOSED': 'the notice is closed',
  'history.title': 'Closed notices',
  'history.subtitle': 'Notices of yours that are closed, newest first.',
  'history.empty': 'No closed notices yet.',
  'history.closed': 'Closed',
  'history.outcome': 'Outcome: {outcome}',
  'appeal.action': 'Appeal',
  'appeal.title': 'Appeal this decision',
  'appeal.intro':
    'Someone other than the person who decided reviews your appeal. A reversed strike no longer counts in your standing.',
  'appeal.reason': 'Why the decision is wrong',
  'appeal.reasonMissing': 'Give a reason for your appeal.',
  'appeal.submit': 'Send appeal',
  'appeal.cancel': 'Cancel',
  'appeal.sent': 'Your appeal was received; it is reviewed by {due}.',
  'appeal.failed': 'The appeal was not taken: {message}',
  'appeal.status': 'Appeal: {status}',
  'appeal.status.under_review': 'under review',
  'appeal.due': 'Review due',
  'appeal.status.upheld': 'decision upheld',
  'appeal.status.reversed': 'decision reversed',
  'appeal.status.refused_late': 'filed too late',
  'appeal.reviewReason': 'Reviewer: {reason}',
  'standing.title': 'Your standing',
  'standing.level': 'Level',
  'standing.since': 'since',
  'standing.window': 'Counts over the last {window}',
  'standing.count': 'What counts',
  'standing.now': 'Now',
  'standing.from': 'Level {level} from',
  'standing.movesBack': 'What moves it back',
  'standing.good': 'Nothing to move back: your standing is good.',
  'standing.case':
    'A termination case is open: our legal team decides. If it is rejected or withdrawn, your standing returns to the counts.',
  'standing.fall':
    'Counts fall as events leave the window of {window}; below every threshold of “{level}” the level drops.',
  'standing.holding': '{count}: {n} (the level starts at {from})',
  'standing.measure': 'A preventive measure verified by our abuse desk lowers the level by one.',
  'measures.title': 'Preventive measures',
  'measures.intro':
    'What you do to prevent abuse (for example, checking uploads against a hotline’s hash list). Only measures our abuse desk has verified count in your standing.',
  'measures.empty': 'No measures declared yet.',
  'measures.evidence': 'Evidence',
  'measures.since': 'In place since {date}',
  'measures.rejected': 'Rejected: {reason}',
  'measures.declare': 'Declare a measure',
  'measures.kind': 'Kind (lower-case letters, digits, underscores)',
  'measures.kindInvalid': 'Use lower-case letters, digits and underscores, starting with a letter.',
  'measures.evidenceLabel': 'Evidence our desk can check',
  'measures.evidenceNeeded': 'Describe the evidence.',
  'measures.date': 'In place since (date)',
  'measures.dateNeeded': 'Give the date, like 2026-03-01.',
  'measures.submit': 'Declare',
  'measures.declared': 'Declared: {kind}. Our abuse desk will verify it.',
  'status.declared': 'declared, awaiting verification',
  'status.verified': 'verified',
  'status.rejected': 'rejected',
  'level.good': 'good',
  'level.watch': 'watch',
  'level.warning': 'warning',
  'level.final_warning': 'final warning',
  'level.termination_case': 'termination case',
  'count.missedDeadlines': 'missed deadlines',
  'count.missedCsamDeadlines': 'missed CSAM deadlines',
  'count.ignored': 'ignored notices',
  'count.falseClaims': 'false removal claims',
  'count.contentBack': 'content back after removal',
  'outcome.removed_in_time': 'removed in time',
  'outcome.removed_late': 'removed late',
  'outcome.suspended': 'service suspended',
  'outcome.disputed_accepted': 'dispute accepted',
  'outcome.invalid': 'notice found invalid',
  'outcome.withdrawn_by_source': 'withdrawn by the reporter',
  'window.days': '{n} days',
  'time.left': '{time} left',
  'time.overdue': '{time} overdue',
  'time.min': '{n} min',
  'time.h': '{n} h',
  'time.d': '{n} d',
  'time.noDeadline': 'no deadline',
  'error.generic': 'Something went wrong: {message}. Try again; if it persists, write to our abuse desk.',
  'error.network': 'The portal cannot reach the server. Check your connection and try again.',
  loading: 'Loading…',
} as const;

export type PortalKey = keyof typeof en;

const nl: Record<PortalKey, string> = {
  'portal.title': 'Abuse-portaal',
  'portal.skip': 'Naar de inhoud',
  'portal.nav': 'Portaal',
  'portal.nav.open': 'Openstaande meldingen',
  'portal.nav.history': 'Gesloten meldingen',
  'portal.nav.standing': 'Status en maatregelen',
  'portal.nav.statements': 'Verklaringen van redenen',
  'statements.title': 'Verklaringen van redenen',
  'statements.subtitle':
    'Waarom wij een dienst van u opschortten of beëindigden (Digital Services Act, art. 17), nieuwste eerst: de ondertekende documenten die wij u stuurden.',
  'statements.empty': 'Geen verklaringen van redenen: wij hebben geen dienst van u beperkt.',
  'statements.kind.suspension': 'Opschorting',
  'statements.kind.termination': 'Beëindiging van de dienst',
  'statements.notice': 'Melding {id}',
  'statements.case': 'Beëindigingszaak {id}',
  'statements.made': 'Opgesteld',
  'statements.digest': 'Digest',
  'statements.pdf': 'PDF downloaden',
  'statements.json': 'JSON downloaden',
  'statements.downloadOf': '{kind} van {date}',
  'portal.signOut': 'Afmelden',
  'portal.language': 'Taal',
  'portal.timeZone': 'Tijden in {zone}',
  'portal.customer': '{name} ({reference})',
  'entry.title': 'Uw abuse-meldingen',
  'entry.link':
    'U opende een portaallink uit onze e-mail. Druk op de knop om uw meldingen te zien; daarna werkt de link niet meer, vraag op elk moment een nieuwe aan.',
  'entry.open': 'Mijn meldingen openen',
  'entry.expired':
    'Uw portaalsessie is beëindigd. Open een nieuwe link uit uw e-mail, of vraag er hieronder een aan.',
  'entry.LINK.USED': 'Deze link is al gebruikt. Vraag hieronder een nieuwe aan.',
  'entry.LINK.EXPIRED': 'Deze link is verlopen (een link is een dag geldig). Vraag hieronder een nieuwe aan.',
  'entry.LINK.INVALID':
    'Deze link is niet geldig (verkeerd overgenomen, of het adres is niet meer uw abuse-contact). Vraag hieronder een nieuwe aan.',
  'request.title': 'Een link per e-mail aanvragen',
  'request.intro':
    'Vul uw geregistreerde abuse-contactadres in. We sturen het een link naar dit portaal, eenmalig en een dag geldig.',
  'request.email': 'E-mailadres van het abuse-contact',
  'request.submit': 'Stuur mij een link',
  'request.sent':
    'Als {email} een geregistreerd abuse-contact is, is er een link onderweg. Kijk over een paar minuten in uw inbox.',
  'request.limited': 'In het afgelopen uur zijn te veel links aangevraagd. Probeer het later opnieuw.',
  'token.title': 'Aanmelden met een API-token van de klant',
  'token.label': 'API-token van de klant',
  'token.submit': 'Aanmelden',
  'token.empty': 'Plak eerst een token.',
  'token.rejected': 'Dit token werd niet geaccepteerd: {message}',
  'token.kept': 'Het token blijft alleen in dit tabblad en wordt vergeten als u het sluit of zich afmeldt.',
  'open.title': 'Openstaande meldingen',
  'open.subtitle':
    'De eerstvolgende termijn eerst. Verwijder het materiaal, of laat ons weten waarom niet, vóór de termijn.',
  'open.empty': 'Geen openstaande meldingen. Nieuwe verschijnen hier en in uw e-mail zodra ze binnenkomen.',
  'open.selectAll': 'Alles selecteren wat beantwoord kan worden',
  'open.select': 'Melding {id} selecteren',
  'open.selected': '{count} geselecteerd',
  'open.url': 'Gemelde URL (uw inhoud, als tekst getoond)',
  'open.asked': 'Wat wordt gevraagd',
  'open.received': 'Ontvangen',
  'open.deadline': 'Termijn',
  'asked.act':
    'Verwijder het materiaal op de gemelde URL vóór de termijn en antwoord „verwijderd”, of antwoord „betwist” met uw reden.',
  'asked.checking':
    'Voorlopig niets: uw melding van verwijdering wordt gecontroleerd. De termijn loopt door tot die bevestigd is.',
  'asked.processing': 'Nog niets: de melding wordt verwerkt.',
  'asked.closed': 'Niets: de melding is gesloten.',
  'asked.informed': 'Niets: u wordt over deze melding geïnformeerd; uw klant wordt gevraagd te handelen.',
  'reseller.endCustomer': 'Uw klant: {name} ({reference})',
  'reseller.act_first': 'u handelt eerst',
  'reseller.informed': 'ter informatie',
  'answer.title': 'De geselecteerde meldingen beantwoorden',
  'answer.kind': 'Uw antwoord',
  'answer.removed': 'Verwijderd',
  'answer.dispute': 'Betwist',
  'answer.reason': 'Waarom u deze meldingen betwist',
  'answer.reasonNeeded': 'Een betwisting vraagt om een reden.',
  'answer.submit': 'Antwoord versturen voor {count} meldingen',
  'answer.submit.one': 'Antwoord versturen voor {count} melding',
  'answer.none': 'Selecteer eerst de meldingen die u wilt beantwoorden.',
  'answer.results': 'Resultaat per melding',
  'answer.accepted': 'ontvangen, nu {state}',
  'answer.refused': 'geweigerd: {message}',
  'answer.not_found': 'niet gevonden',
  'answer.NOTICE.ALREADY_CLAIMED': 'verwijdering is al gemeld; dat wordt gecontroleerd',
  'answer.NOTICE.ALREADY_CLOSED': 'de melding is gesloten',
  'history.title': 'Gesloten meldingen',
  'history.subtitle': 'Uw gesloten meldingen, de nieuwste eerst.',
  'history.empty': 'Nog geen gesloten meldingen.',
  'history.closed': 'Gesloten',
  'history.outcome': 'Uitkomst: {outcome}',
  'appeal.action': 'Bezwaar maken',
  'appeal.title': 'Bezwaar tegen dit besluit',
  'appeal.intro':
    'Een ander dan degene die besliste beoordeelt uw bezwaar. Een herroepen sanctie telt niet meer mee in uw status.',
  'appeal.reason': 'Waarom het besluit onjuist is',
  'appeal.reasonMissing': 'Geef een reden voor uw bezwaar.',
  'appeal.submit': 'Bezwaar indienen',
  'appeal.cancel': 'Annuleren',
  'appeal.sent': 'Uw bezwaar is ontvangen; het wordt beoordeeld vóór {due}.',
  'appeal.failed': 'Het bezwaar is niet aangenomen: {message}',
  'appeal.status': 'Bezwaar: {status}',
  'appeal.status.under_review': 'in behandeling',
  'appeal.due': 'Beoordeling uiterlijk',
  'appeal.status.upheld': 'besluit gehandhaafd',
  'appeal.status.reversed': 'besluit herroepen',
  'appeal.status.refused_late': 'te laat ingediend',
  'appeal.reviewReason': 'Beoordelaar: {reason}',
  'standing.title': 'Uw status',
  'standing.level': 'Niveau',
  'standing.since': 'sinds',
  'standing.window': 'Tellingen over de afgelopen {window}',
  'standing.count': 'Wat telt',
  'standing.now': 'Nu',
  'standing.from': 'Niveau {level} vanaf',
  'standing.movesBack': 'Wat het niveau verlaagt',
  'standing.good': 'Niets te verlagen: uw status is goed.',
  'standing.case':
    'Er loopt een beëindigingszaak: onze juridische afdeling beslist. Wordt die afgewezen of ingetrokken, dan volgt uw status weer de tellingen.',
  'standing.fall':
    'Tellingen dalen als gebeurtenissen buiten de periode van {window} vallen; onder elke drempel van „{level}” daalt het niveau.',
  'standing.holding': '{count}: {n} (het niveau begint bij {from})',
  'standing.measure':
    'Een preventieve maatregel die onze abuse-afdeling heeft geverifieerd, verlaagt het niveau met één.',
  'measures.title': 'Preventieve maatregelen',
  'measures.intro':
    'Wat u doet om misbruik te voorkomen (bijvoorbeeld uploads controleren tegen de hashlijst van een meldpunt). Alleen maatregelen die onze abuse-afdeling heeft geverifieerd, tellen mee in uw status.',
  'measures.empty': 'Nog geen maatregelen opgegeven.',
  'measures.evidence': 'Bewijs',
  'measures.since': 'Van kracht sinds {date}',
  'measures.rejected': 'Afgewezen: {reason}',
  'measures.declare': 'Een maatregel opgeven',
  'measures.kind': 'Soort (kleine letters, cijfers, liggende streepjes)',
  'measures.kindInvalid':
    'Gebruik kleine letters, cijfers en liggende streepjes, te beginnen met een letter.',
  'measures.evidenceLabel': 'Bewijs dat onze afdeling kan controleren',
  'measures.evidenceNeeded': 'Beschrijf het bewijs.',
  'measures.date': 'Van kracht sinds (datum)',
  'measures.dateNeeded': 'Geef de datum, zoals 2026-03-01.',
  'measures.submit': 'Opgeven',
  'measures.declared': 'Opgegeven: {kind}. Onze abuse-afdeling zal het verifiëren.',
  'status.declared': 'opgegeven, wacht op verificatie',
  'status.verified': 'geverifieerd',
  'status.rejected': 'afgewezen',
  'level.good': 'goed',
  'level.watch': 'in de gaten',
  'level.warning': 'waarschuwing',
  'level.final_warning': 'laatste waarschuwing',
  'level.termination_case': 'beëindigingszaak',
  'count.missedDeadlines': 'gemiste termijnen',
  'count.missedCsamDeadlines': 'gemiste CSAM-termijnen',
  'count.ignored': 'genegeerde meldingen',
  'count.falseClaims': 'onjuiste meldingen van verwijdering',
  'count.contentBack': 'inhoud terug na verwijdering',
  'outcome.removed_in_time': 'op tijd verwijderd',
  'outcome.removed_late': 'te laat verwijderd',
  'outcome.suspended': 'dienst opgeschort',
  'outcome.disputed_accepted': 'betwisting aanvaard',
  'outcome.invalid': 'melding ongeldig bevonden',
  'outcome.withdrawn_by_source': 'ingetrokken door de melder',
  'window.days': '{n} dagen',
  'time.left': 'nog {time}',
  'time.overdue': '{time} te laat',
  'time.min': '{n} min',
  'time.h': '{n} u',
  'time.d': '{n} d',
  'time.noDeadline': 'geen termijn',
  'error.generic':
    'Er ging iets mis: {message}. Probeer het opnieuw; blijft het, schrijf dan naar onze abuse-afdeling.',
  'error.network': 'Het portaal bereikt de server niet. Controleer uw verbinding en probeer het opnieuw.',
  loading: 'Laden…',
};

const TABLES: Record<Language, Record<PortalKey, string>> = { en, nl };

export type PortalTranslate = (key: PortalKey, values?: Record<string, string | number>) => string;

interface PortalI18n {
  language: Language;
  setLanguage(language: Language): void;
  /** The customer's time zone once known; before sign-in, the browser's. */
  timeZone: string;
  t: PortalTranslate;
}

const PortalI18nContext = createContext<PortalI18n | null>(null);

const browserLanguage = (): Language => (navigator.language.toLowerCase().startsWith('nl') ? 'nl' : 'en');
const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A zone the browser does not know would make every date format throw: the browser's own then. */
function knownZone(zone: string | undefined): string {
  if (!zone) return browserZone();
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return browserZone();
  }
}

/**
 * Language and time zone of the portal: the customer's own once its profile is known (`customer`), the
 * browser's before that (sign-in); a language the person picks wins over both.
 */
export function PortalI18nProvider({
  customer,
  children,
}: {
  customer?: { language: Language; timeZone: string };
  children: ReactNode;
}) {
  const [picked, setLanguage] = useState<Language | null>(null);
  const language = picked ?? customer?.language ?? browserLanguage();
  const timeZone = useMemo(() => knownZone(customer?.timeZone), [customer?.timeZone]);
  const t = useCallback<PortalTranslate>(
    (key, values) => {
      // A text with a count has its singular under `<key>.one` where the language's plural rule asks for it.
      const count = values?.count;
      const one = `${key}.one` as PortalKey;
      const text =
        typeof count === 'number' &&
        one in TABLES[language] &&
        new Intl.PluralRules(language).select(count) === 'one'
          ? TABLES[language][one]
          : TABLES[language][key];
      return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values?.[name] ?? `{${name}}`));
    },
    [language],
  );
  const value = useMemo(() => ({ language, setLanguage, timeZone, t }), [language, timeZone, t]);
  return <PortalI18nContext.Provider value={value}>{children}</PortalI18nContext.Provider>;
}

/** The page's `lang` follows the portal's language (screen readers pronounce by it); called by each page frame. */
export function useDocumentLanguage(): void {
  const { language } = usePortalI18n();
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
}

export function usePortalI18n(): PortalI18n {
  const i18n = useContext(PortalI18nContext);
  if (!i18n) throw new Error('usePortalI18n outside PortalI18nProvider');
  return i18n;
}
