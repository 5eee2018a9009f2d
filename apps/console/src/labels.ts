import type { Category, NoticeState } from './api/client';
import type { Language } from './i18n';

const STATES: Record<Language, Record<NoticeState, string>> = {
  en: {
    needs_triage: 'needs triage',
    received: 'received',
    attributed: 'attributed',
    unattributed: 'unattributed',
    customer_notified: 'customer notified',
    reminded: 'customer reminded',
    awaiting_confirmation: 'awaiting confirmation',
    resolved: 'resolved',
    escalated: 'escalated',
    suspension_requested: 'suspension requested',
    closed: 'closed',
  },
  nl: {
    needs_triage: 'te beoordelen',
    received: 'ontvangen',
    attributed: 'toegewezen',
    unattributed: 'niet toegewezen',
    customer_notified: 'klant ingelicht',
    reminded: 'klant herinnerd',
    awaiting_confirmation: 'wacht op bevestiging',
    resolved: 'opgelost',
    escalated: 'geëscaleerd',
    suspension_requested: 'opschorting gevraagd',
    closed: 'gesloten',
  },
};

// Every category in both languages (the type asks for all): the Dutch portal showed the English words before.
const CATEGORIES: Record<Language, Record<Category, string>> = {
  en: {
    csam: 'CSAM',
    terrorist_content: 'terrorist content',
    phishing: 'phishing',
    malware: 'malware',
    spam: 'spam',
    copyright: 'copyright',
    other: 'other',
    login_attack: 'login attack',
    scanning: 'scanning',
    ddos: 'DDoS',
    web_attack: 'web attack',
    botnet: 'botnet',
    compromised: 'compromised system',
    vulnerable_service: 'vulnerable service',
    blocklisted: 'blocklisted',
  },
  nl: {
    csam: 'CSAM',
    terrorist_content: 'terroristische inhoud',
    phishing: 'phishing',
    malware: 'malware',
    spam: 'spam',
    copyright: 'auteursrecht',
    other: 'overig',
    login_attack: 'inlogaanval',
    scanning: 'scannen',
    ddos: 'DDoS',
    web_attack: 'webaanval',
    botnet: 'botnet',
    compromised: 'gecompromitteerd systeem',
    vulnerable_service: 'kwetsbare dienst',
    blocklisted: 'op een blokkadelijst',
  },
};

/** A notice's outcome (libs/domain NOTICE_OUTCOMES), and `open` where the figures count notices without one yet. */
const OUTCOMES: Record<Language, Record<string, string>> = {
  en: {
    removed_in_time: 'removed in time',
    removed_late: 'removed late',
    suspended: 'service suspended',
    disputed_accepted: 'dispute accepted',
    invalid: 'notice found invalid',
    withdrawn_by_source: 'withdrawn by the reporter',
    open: 'still open',
  },
  nl: {
    removed_in_time: 'op tijd verwijderd',
    removed_late: 'te laat verwijderd',
    suspended: 'dienst opgeschort',
    disputed_accepted: 'betwisting aanvaard',
    invalid: 'melding ongeldig bevonden',
    withdrawn_by_source: 'ingetrokken door de melder',
    open: 'nog open',
  },
};

export const outcomeLabel = (outcome: string, language: Language): string =>
  OUTCOMES[language][outcome] ?? outcome.replace(/_/g, ' ');

export const stateLabel = (state: string, language: Language): string =>
  STATES[language][state as NoticeState] ?? state.replace(/_/g, ' ');

export const categoryLabel = (category: string, language: Language): string =>
  CATEGORIES[language][category as Category] ?? category.replace(/_/g, ' ');

// A notice's timeline events: the common ones in both languages; a rarer one shows its type in words.
const EVENTS: Record<Language, Record<string, string>> = {
  en: {
    received: 'received',
    duplicate_report: 'another report of it',
    attributed: 'attributed to the customer',
    unattributed: 'no customer found',
    host_resolved: 'host name resolved',
    customer_notified: 'customer notified',
    reseller_notified: 'reseller notified first',
    customer_reminded: 'customer reminded',
    removal_claimed: 'customer reports removal',
    removal_probed: 'removal checked',
    disputed: 'customer disputes',
    dispute_rejected: 'dispute rejected',
    escalated: 'escalated',
    suspension_requested: 'suspension requested',
    task_opened: 'task opened',
    task_reminded: 'task reminder',
    task_completed: 'task completed',
    note: 'note',
    still_online: 'still online',
    assigned: 'assigned',
    closed: 'closed',
    notice_closed: 'closed',
    reopened: 'reopened',
    feedback_failed: 'feedback to the reporter failed',
    email_resent: 'email sent again',
  },
  nl: {
    received: 'ontvangen',
    duplicate_report: 'nog een melding ervan',
    attributed: 'toegewezen aan de klant',
    unattributed: 'geen klant gevonden',
    host_resolved: 'hostnaam opgezocht',
    customer_notified: 'klant ingelicht',
    reseller_notified: 'reseller eerst ingelicht',
    customer_reminded: 'klant herinnerd',
    removal_claimed: 'klant meldt verwijdering',
    removal_probed: 'verwijdering gecontroleerd',
    disputed: 'klant betwist',
    dispute_rejected: 'betwisting afgewezen',
    escalated: 'geëscaleerd',
    suspension_requested: 'opschorting gevraagd',
    task_opened: 'taak geopend',
    task_reminded: 'taakherinnering',
    task_completed: 'taak afgerond',
    note: 'notitie',
    still_online: 'nog online',
    assigned: 'toegewezen aan',
    closed: 'gesloten',
    notice_closed: 'gesloten',
    reopened: 'heropend',
    feedback_failed: 'terugkoppeling aan de melder mislukt',
    email_resent: 'e-mail opnieuw verstuurd',
  },
};

export const eventLabel = (type: string, language: Language): string =>
  EVENTS[language][type] ?? type.replace(/_/g, ' ');

/** The states the desk holds the clock in: nobody else will move the notice on. */
export const DESK_STATES: ReadonlySet<string> = new Set([
  'needs_triage',
  'received',
  'unattributed',
  'awaiting_confirmation',
]);
