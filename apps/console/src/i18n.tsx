import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { customersEn, customersNl } from './customers-i18n';
import { deskEn, deskNl } from './desk-i18n';
import { ordersEn, ordersNl } from './orders/orders-i18n';

/**
 * English and Dutch. A small table rather than an i18n library: the console has a few hundred words, and the
 * libraries' current majors want a newer Node than the project supports. `{name}` in a text is replaced by a value.
 */
const en = {
  'app.title': 'Takedown',
  'app.skip': 'Skip to content',
  'nav.queue': 'Queue',
  'nav.tasks': 'Tasks',
  'nav.signOut': 'Sign out',
  'nav.language': 'Language',
  'nav.signedInAs': 'Signed in as {label} ({role})',
  'nav.timeZone': 'Times in {zone}',
  'nav.menu': 'Menu',
  'signIn.title': 'Sign in to the Takedown console',
  'signIn.intro':
    'Paste your API token. The first administrator’s is printed by npm start; an administrator makes more with the command line (token create).',
  'signIn.token': 'API token',
  'signIn.submit': 'Sign in',
  'signIn.expired': 'Your session has ended (the token expired or was revoked). Sign in again.',
  'signIn.rejected': 'The API did not accept this token: {message}',
  'signIn.empty': 'Paste a token first.',
  'signIn.kept': 'The token is kept in this tab only and forgotten when you close it or sign out.',
  'signIn.sso': 'Sign in with single sign-on',
  'signIn.or': 'or with an API token',
  'signIn.ssoFailed': 'Single sign-on did not complete: {message}. Try again.',
  'signIn.finishing': 'Signing you in…',
  'queue.title': 'Queue',
  'queue.subtitle': 'Open notices, the next legal deadline first',
  'queue.empty': 'No notices wait for you. New ones appear here as they arrive.',
  'queue.emptyFiltered': 'No open notice matches these filters. Clear them to see the whole queue.',
  'queue.clear': 'Clear filters',
  'queue.count': '{count} open notices',
  'queue.count.one': '1 open notice',
  'queue.count.more': 'The first {count} open notices by deadline: filter or search to see the others',
  'queue.updating': 'Updating…',
  'queue.keys': 'j / k to move, Enter to open',
  'queue.col.timeLeft': 'Time left',
  'queue.col.state': 'State',
  'queue.col.category': 'Category',
  'queue.col.customer': 'Customer',
  'queue.col.answered': 'Customer answered',
  'queue.col.reported': 'Reported',
  'queue.noClock': 'no clock yet',
  'queue.unattributed': 'not attributed',
  'queue.answered.yes': 'yes',
  'queue.answered.no': 'no',
  'filter.status': 'State',
  'filter.category': 'Category',
  'filter.any': 'any',
  'time.left': '{time} left',
  'time.overdue': '{time} overdue',
  'forecast.miss': 'will miss in {time}',
  'forecast.why.customer':
    'Forecast: this customer has not answered, and its last {n} removals in this category took {typical} (median, 90 days): more than the time left.',
  'forecast.why.category':
    'Forecast: this customer has not answered, and the last {n} removals in this category, by all customers, took {typical} (median, 90 days): more than the time left.',
  'time.min': '{n} min',
  'time.h': '{n} h',
  'time.d': '{n} d',
  'notice.back': 'Back to the queue',
  'notice.deadline': 'Deadline',
  'notice.received': 'Received',
  'notice.closed': 'Closed',
  'notice.outcome': 'Outcome',
  'notice.reported': 'What was reported',
  'notice.urls': 'Reported URLs (never opened from here)',
  'notice.hiddenPath': 'path hidden',
  'notice.ip': 'IP address',
  'notice.reports': 'Reports',
  'notice.attribution': 'Who holds the address',
  'notice.attribution.none': 'Not attributed to a customer yet.',
  'notice.policy': 'Policy',
  'notice.timeline': 'Timeline',
  'notice.tasks': 'Pending tasks',
  'notice.tasks.none': 'No task waits on anyone.',
  'notice.actions': 'Actions',
  'notice.actions.none': 'No action is possible in this state.',
  'notice.reason': 'Reason',
  'notice.reasonNeeded': 'This action needs a reason.',
  'notice.done': 'Done: the notice is now {state}.',
  'notice.refused': 'Refused: {message}',
  'notice.confirm': 'This cannot be undone. Carry it out?',
  'notice.cancel': 'Cancel',
  'notice.notFound': 'This notice does not exist, or you may not see it.',
  'action.confirm-removal': 'Confirm removal',
  'action.still-online': 'Still online',
  'action.reopen': 'Reopen',
  'action.reject-invalid': 'Reject as invalid',
  'action.escalate-now': 'Escalate now',
  'action.withdraw': 'Withdraw',
  'action.add-note': 'Add a note',
  'tasks.title': 'Tasks',
  'tasks.subtitle': 'Open tasks you may act on, soonest due first',
  'tasks.empty': 'No open task for you. Tasks appear here when a notice needs you.',
  'tasks.due': 'Due',
  'tasks.outcome': 'Outcome',
  'tasks.note': 'Note (optional)',
  'tasks.complete': 'Complete',
  'tasks.completed': 'Task completed: {outcome}.',
  'tasks.about': 'About',
  'tasks.openNotice': 'Open the notice',
  'error.generic': 'Something went wrong: {message}. Try again; if it persists, tell your administrator.',
  'error.network': 'The API cannot be reached. Check your connection and try again.',
  loading: 'Loading…',
  ...deskEn,
  ...customersEn,
  ...ordersEn,
} as const;

export type MessageKey = keyof typeof en;

const nl: Record<MessageKey, string> = {
  'app.title': 'Takedown',
  'app.skip': 'Naar de inhoud',
  'nav.queue': 'Wachtrij',
  'nav.tasks': 'Taken',
  'nav.signOut': 'Afmelden',
  'nav.language': 'Taal',
  'nav.signedInAs': 'Aangemeld als {label} ({role})',
  'nav.timeZone': 'Tijden in {zone}',
  'nav.menu': 'Menu',
  'signIn.title': 'Aanmelden bij de Takedown-console',
  'signIn.intro':
    'Plak je API-token. Dat van de eerste beheerder toont npm start; een beheerder maakt er meer met de opdrachtregel (token create).',
  'signIn.token': 'API-token',
  'signIn.submit': 'Aanmelden',
  'signIn.expired': 'Je sessie is beëindigd (het token is verlopen of ingetrokken). Meld je opnieuw aan.',
  'signIn.rejected': 'De API accepteerde dit token niet: {message}',
  'signIn.empty': 'Plak eerst een token.',
  'signIn.kept': 'Het token blijft alleen in dit tabblad en wordt vergeten als je het sluit of je afmeldt.',
  'signIn.sso': 'Aanmelden met single sign-on',
  'signIn.or': 'of met een API-token',
  'signIn.ssoFailed': 'Single sign-on is niet afgerond: {message}. Probeer het opnieuw.',
  'signIn.finishing': 'Je wordt aangemeld…',
  'queue.title': 'Wachtrij',
  'queue.subtitle': 'Openstaande meldingen, de eerstvolgende wettelijke termijn eerst',
  'queue.empty': 'Er wachten geen meldingen op je. Nieuwe verschijnen hier zodra ze binnenkomen.',
  'queue.emptyFiltered':
    'Geen openstaande melding past bij deze filters. Wis ze om de hele wachtrij te zien.',
  'queue.clear': 'Filters wissen',
  'queue.count': '{count} openstaande meldingen',
  'queue.count.one': '1 openstaande melding',
  'queue.count.more':
    'De eerste {count} openstaande meldingen op termijn: filter of zoek om de andere te zien',
  'queue.updating': 'Bijwerken…',
  'queue.keys': 'j / k om te bewegen, Enter om te openen',
  'queue.col.timeLeft': 'Resterende tijd',
  'queue.col.state': 'Status',
  'queue.col.category': 'Categorie',
  'queue.col.customer': 'Klant',
  'queue.col.answered': 'Klant heeft gereageerd',
  'queue.col.reported': 'Gemeld',
  'queue.noClock': 'nog geen termijn',
  'queue.unattributed': 'niet toegewezen',
  'queue.answered.yes': 'ja',
  'queue.answered.no': 'nee',
  'filter.status': 'Status',
  'filter.category': 'Categorie',
  'filter.any': 'alle',
  'time.left': 'nog {time}',
  'time.overdue': '{time} te laat',
  'forecast.miss': 'mist termijn over {time}',
  'forecast.why.customer':
    'Verwachting: deze klant heeft niet gereageerd, en zijn laatste {n} verwijderingen in deze categorie duurden {typical} (mediaan, 90 dagen): langer dan de resterende tijd.',
  'forecast.why.category':
    'Verwachting: deze klant heeft niet gereageerd, en de laatste {n} verwijderingen in deze categorie, van alle klanten, duurden {typical} (mediaan, 90 dagen): langer dan de resterende tijd.',
  'time.min': '{n} min',
  'time.h': '{n} u',
  'time.d': '{n} d',
  'notice.back': 'Terug naar de wachtrij',
  'notice.deadline': 'Termijn',
  'notice.received': 'Ontvangen',
  'notice.closed': 'Gesloten',
  'notice.outcome': 'Uitkomst',
  'notice.reported': 'Wat is gemeld',
  'notice.urls': 'Gemelde URL’s (nooit van hieruit geopend)',
  'notice.hiddenPath': 'pad verborgen',
  'notice.ip': 'IP-adres',
  'notice.reports': 'Meldingen',
  'notice.attribution': 'Wie het adres in gebruik heeft',
  'notice.attribution.none': 'Nog niet aan een klant toegewezen.',
  'notice.policy': 'Beleid',
  'notice.timeline': 'Tijdlijn',
  'notice.tasks': 'Openstaande taken',
  'notice.tasks.none': 'Er wacht geen taak op iemand.',
  'notice.actions': 'Acties',
  'notice.actions.none': 'In deze status is geen actie mogelijk.',
  'notice.reason': 'Reden',
  'notice.reasonNeeded': 'Deze actie vraagt om een reden.',
  'notice.done': 'Gedaan: de melding is nu {state}.',
  'notice.refused': 'Geweigerd: {message}',
  'notice.confirm': 'Dit kan niet ongedaan worden gemaakt. Doorgaan?',
  'notice.cancel': 'Annuleren',
  'notice.notFound': 'Deze melding bestaat niet, of je mag haar niet zien.',
  'action.confirm-removal': 'Verwijdering bevestigen',
  'action.still-online': 'Nog online',
  'action.reopen': 'Heropenen',
  'action.reject-invalid': 'Afwijzen als ongeldig',
  'action.escalate-now': 'Nu escaleren',
  'action.withdraw': 'Intrekken',
  'action.add-note': 'Notitie toevoegen',
  'tasks.title': 'Taken',
  'tasks.subtitle': 'Openstaande taken waarop je kunt handelen, eerst vervallend eerst',
  'tasks.empty': 'Geen openstaande taak voor je. Taken verschijnen hier als een melding je nodig heeft.',
  'tasks.due': 'Uiterlijk',
  'tasks.outcome': 'Uitkomst',
  'tasks.note': 'Notitie (optioneel)',
  'tasks.complete': 'Afronden',
  'tasks.completed': 'Taak afgerond: {outcome}.',
  'tasks.about': 'Over',
  'tasks.openNotice': 'Melding openen',
  'error.generic':
    'Er ging iets mis: {message}. Probeer het opnieuw; blijft het, meld het dan bij je beheerder.',
  'error.network': 'De API is niet bereikbaar. Controleer je verbinding en probeer het opnieuw.',
  loading: 'Laden…',
  ...deskNl,
  ...customersNl,
  ...ordersNl,
};

export type Language = 'en' | 'nl';
const TABLES: Record<Language, Record<MessageKey, string>> = { en, nl };
const LANGUAGE = 'takedown.console.language';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const saved = sessionStorage.getItem(LANGUAGE);
  if (saved === 'en' || saved === 'nl') return saved;
  return navigator.language.toLowerCase().startsWith('nl') ? 'nl' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const setLanguage = useCallback((next: Language) => {
    // Kept for the tab's session, as the token is: the console keeps nothing in localStorage. The person's pick
    // is also stored server-side (settings.ts, PUT /v1/me/settings) and applied when they sign in anywhere.
    sessionStorage.setItem(LANGUAGE, next);
    setLanguageState(next);
  }, []);
  const t = useCallback<Translate>(
    (key, values) => {
      // A count of one takes the singular text where the table has one (`key.one`): "1 open notice".
      const table: Record<string, string> = TABLES[language];
      const text = (values?.count === 1 ? table[`${key}.one`] : undefined) ?? table[key];
      return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values?.[name] ?? `{${name}}`));
    },
    [language],
  );
  const value = useMemo(() => ({ language, setLanguage, t }), [language, setLanguage, t]);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}
