import type { Category } from './category';
import type { NotifierKind } from './dsa';

/** The timers for one category. Durations are ISO 8601, measured from the moment the notice was received. */
export interface CategoryPolicy {
  /** Offsets (from receipt) at which the customer is reminded while no answer has come. */
  reminders: string[];
  deadline: string;
  /** After a missed deadline: how long until a NOC suspension task is raised; absent = no suspension task. */
  suspendAfter?: string;
  /**
   * How long before the deadline the customer gets a last call, while it has not answered; absent = none. Counted
   * back from the deadline in force, so a reopened notice gets one before its new deadline too.
   */
  lastCall?: string;
  /**
   * After the deadline, how long a removal the customer claimed but nobody confirmed holds off escalation; absent =
   * escalate at the deadline. A claim is not a removal: the deadline runs on either way.
   */
  claimGrace?: string;
  /** How long a person has for a task this notice opens before it is reminded; absent = a quarter of the deadline. */
  taskDue?: string;
  /** After escalation to the account manager, when the abuse-desk lead is escalated; absent = half the deadline. */
  leadAfter?: string;
  /**
   * After the account manager acknowledged or contacted the customer: when the lead is escalated if the notice is
   * still open; absent = half the deadline.
   */
  followUp?: string;
  /** How long after closing a notice can be reopened (the same content back); absent = the deadline period. */
  reopenWindow?: string;
  /** Email the customer's 24/7 contacts too (not only its abuse contacts), from the first email on. */
  aroundTheClock?: boolean;
  /** Open the NOC suspension task at receipt, beside the customer's email (TCO removal orders), not after the deadline. */
  nocAtReceipt?: boolean;
  /**
   * Reports of the same address, category and customer from a feed within this long of the first join one notice
   * (its occurrence count grows); absent = one day.
   */
  aggregationWindow?: string;
  /**
   * How many times a repeat (the same URL or hash back at a customer after an earlier notice of it closed) counts as
   * content back in the customer's standing; absent = once.
   */
  repeatWeight?: number;
  /**
   * A customer's removal claim is checked by HEAD requests to the notice's URLs (no body read, no redirect followed):
   * `probeMisses` answers of 404/410 in a row, `probeInterval` apart, confirm the removal; a 2xx means still online
   * (the claim is counted false and the clock runs on); anything else concludes nothing. Never for CSAM or terrorist
   * content, where the hotline's own check is the proof (validation refuses it). Absent = no probe.
   */
  probeRemoval?: boolean;
  /** How long one HEAD request may take before it counts as no answer; absent = 5 seconds, at most 30. */
  probeTimeout?: string;
  /** How many rounds of 404/410 in a row mean the material is gone; absent = 3. */
  probeMisses?: number;
  /** The time between two rounds of a probe; absent = 5 minutes. */
  probeInterval?: string;
  /**
   * Who sent a notice decides its clock (DSA Art. 22): a deadline, reminders and last call of their own for some
   * notifier kinds (trusted flaggers, authorities), in place of the category's; absent = the category's for everyone.
   */
  byNotifier?: Partial<Record<NotifierKind, NotifierTimers>>;
}

/** The timers a notifier kind may have of its own within a category. */
export interface NotifierTimers {
  reminders: string[];
  deadline: string;
  lastCall?: string;
}

/** Categories never probed, whatever a policy says: their material must not be fetched by anyone but the hotline. */
export const NEVER_PROBED: readonly Category[] = ['csam', 'terrorist_content'];

/** A versioned timer policy. A running notice keeps the snapshot it started with. */
export interface Policy {
  id: string;
  version: number;
  categories: Record<Category, CategoryPolicy>;
}

/**
 * Version 7: trusted flaggers' and authorities' notices of phishing and malware are due in a day rather than two, of
 * spam, copyright and the rest in two days rather than five; so they come first in a queue sorted by time left.
 */
const FIRST = (deadline: string, reminder: string) => ({
  trusted_flagger: { reminders: [reminder], deadline },
  authority: { reminders: [reminder], deadline },
});

/** Three misses five minutes apart mean offline (version 6, phishing and malware). */
const PROBE = { probeRemoval: true, probeTimeout: 'PT5S', probeMisses: 3, probeInterval: 'PT5M' } as const;
const DEMO_PROBE = {
  probeRemoval: true,
  probeTimeout: 'PT2S',
  probeMisses: 2,
  probeInterval: 'PT2S',
} as const;

/**
 * The sector defaults from DOMAIN.md (CSAM 24 h under the Dutch code of conduct, TCO removal orders 1 h). Version 2
 * adds a CSAM last call two hours before the deadline; version 3 engages the 24/7 contacts and the NOC at receipt of
 * a removal order; version 4 adds the IP-based categories, on slower clocks and without a NOC suspension task;
 * version 5 counts a repeat of CSAM or terrorist content twice in the customer's standing; version 6 checks a phishing
 * or malware removal claim by HEAD requests; version 7 gives trusted flaggers and authorities shorter clocks for the
 * categories whose deadline is days. Notices received before a version keep theirs (migrations 1795940000000,
 * 1796020000000, 1796090000000, 1796210000000, 1796280000001, 1796330000000 and 1796380000002 store all seven).
 */
export const DEFAULT_POLICY: Policy = {
  id: 'default',
  version: 7,
  categories: {
    csam: {
      reminders: ['PT6H', 'PT18H'],
      deadline: 'PT24H',
      suspendAfter: 'PT4H',
      lastCall: 'PT2H',
      repeatWeight: 2,
    },
    terrorist_content: {
      reminders: ['PT15M'],
      deadline: 'PT1H',
      suspendAfter: 'PT0S',
      aroundTheClock: true,
      nocAtReceipt: true,
      repeatWeight: 2,
    },
    phishing: { reminders: ['PT24H'], deadline: 'PT48H', ...PROBE, byNotifier: FIRST('PT24H', 'PT12H') },
    malware: { reminders: ['PT24H'], deadline: 'PT48H', ...PROBE, byNotifier: FIRST('PT24H', 'PT12H') },
    spam: { reminders: ['PT72H'], deadline: 'P5D', byNotifier: FIRST('P2D', 'PT24H') },
    copyright: { reminders: ['PT72H'], deadline: 'P5D', byNotifier: FIRST('P2D', 'PT24H') },
    other: { reminders: ['PT72H'], deadline: 'P5D', byNotifier: FIRST('P2D', 'PT24H') },
    login_attack: { reminders: ['PT72H'], deadline: 'P5D', aggregationWindow: 'P1D' },
    scanning: { reminders: ['PT72H'], deadline: 'P5D', aggregationWindow: 'P1D' },
    ddos: { reminders: ['PT24H'], deadline: 'PT72H', aggregationWindow: 'P1D' },
    web_attack: { reminders: ['PT72H'], deadline: 'P5D', aggregationWindow: 'P1D' },
    botnet: { reminders: ['PT48H'], deadline: 'P4D', aggregationWindow: 'P1D' },
    compromised: { reminders: ['PT48H'], deadline: 'P4D', aggregationWindow: 'P1D' },
    vulnerable_service: { reminders: ['P7D'], deadline: 'P14D', aggregationWindow: 'P1D' },
    blocklisted: { reminders: ['P7D'], deadline: 'P14D', aggregationWindow: 'P1D' },
  },
};

/** The same shape in seconds, for demos and end-to-end tests on the real stack. */
export const DEMO_POLICY: Policy = {
  id: 'demo',
  version: 7,
  categories: {
    csam: {
      reminders: ['PT6S', 'PT18S'],
      deadline: 'PT24S',
      suspendAfter: 'PT4S',
      lastCall: 'PT2S',
      repeatWeight: 2,
    },
    terrorist_content: {
      reminders: ['PT3S'],
      deadline: 'PT12S',
      suspendAfter: 'PT0S',
      aroundTheClock: true,
      nocAtReceipt: true,
      repeatWeight: 2,
    },
    phishing: { reminders: ['PT24S'], deadline: 'PT48S', ...DEMO_PROBE, byNotifier: FIRST('PT24S', 'PT12S') },
    malware: { reminders: ['PT24S'], deadline: 'PT48S', ...DEMO_PROBE, byNotifier: FIRST('PT24S', 'PT12S') },
    spam: { reminders: ['PT30S'], deadline: 'PT60S', byNotifier: FIRST('PT30S', 'PT15S') },
    copyright: { reminders: ['PT30S'], deadline: 'PT60S', byNotifier: FIRST('PT30S', 'PT15S') },
    other: { reminders: ['PT30S'], deadline: 'PT60S', byNotifier: FIRST('PT30S', 'PT15S') },
    login_attack: { reminders: ['PT30S'], deadline: 'PT60S', aggregationWindow: 'P1D' },
    scanning: { reminders: ['PT30S'], deadline: 'PT60S', aggregationWindow: 'P1D' },
    ddos: { reminders: ['PT10S'], deadline: 'PT30S', aggregationWindow: 'P1D' },
    web_attack: { reminders: ['PT30S'], deadline: 'PT60S', aggregationWindow: 'P1D' },
    botnet: { reminders: ['PT20S'], deadline: 'PT40S', aggregationWindow: 'P1D' },
    compromised: { reminders: ['PT20S'], deadline: 'PT40S', aggregationWindow: 'P1D' },
    vulnerable_service: { reminders: ['PT70S'], deadline: 'PT140S', aggregationWindow: 'P1D' },
    blocklisted: { reminders: ['PT70S'], deadline: 'PT140S', aggregationWindow: 'P1D' },
  },
};

export const POLICIES: Record<string, Policy> = { default: DEFAULT_POLICY, demo: DEMO_POLICY };
