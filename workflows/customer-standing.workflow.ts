import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { StandingEvent, StandingLevel, StandingPolicy, WindowEntry } from '@takedown/domain';
import { countsOf, levelFor, standingWindowMs, windowCounts, withoutNotice } from '@takedown/domain/standing';
import type { StandingActivities } from './standing-activities';
import { standingEventSignal, standingQuery, type StandingEventMessage } from './standing-messages';

/** What a run hands to the next one on continue-as-new: small, whatever the customer's history. */
export interface StandingCarry {
  level: StandingLevel;
  entries: WindowEntry[];
  verifiedMeasures: string[];
  terminationCaseId: string | null;
  /** Legal rejected or withdrew the last case: the counts alone open no new one until a new event counts. */
  capAtFinalWarning: boolean;
  lastEvents: StandingEvent[];
  eventCount: number;
  seq: number;
  /** Ids of recent events, so that a repeated delivery counts once. */
  seenIds: string[];
  /** Events that arrived after the last one handled, handed on rather than lost. */
  inbox: StandingEventMessage[];
}

/** Version 1 of the standing workflow's input. The policy is pinned when the workflow first starts. */
export interface CustomerStandingInput {
  version: 1;
  customerId: string;
  policy: StandingPolicy;
  carried?: StandingCarry;
  /** Continue-as-new at this history length at the latest (the server may suggest it earlier). */
  maxHistoryEvents?: number;
}

const LAST_EVENTS = 20;
const SEEN_IDS = 500;

const activities = proxyActivities<StandingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: ['CUSTOMER.NOT_FOUND', 'CUSTOMER.NO_CONTACTS'],
  },
});

/**
 * One customer's standing for as long as it is a customer (DOMAIN.md): every closed notice and every finding of the
 * desk is counted over a rolling window, the counts and the policy's thresholds give a level, and every change of
 * level is a letter to the customer and a note to its account manager. A termination case is opened once. The
 * workflow continues as new before its history grows large, handing on only the window.
 */
export async function customerStandingWorkflow(input: CustomerStandingInput): Promise<void> {
  const windowMs = standingWindowMs(input.policy);
  const now = () => new Date().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const s: StandingCarry = input.carried ?? {
    level: 'good',
    entries: [],
    verifiedMeasures: (await activities.loadStanding({ customerId: input.customerId })).verifiedMeasures,
    terminationCaseId: null,
    capAtFinalWarning: false,
    lastEvents: [],
    eventCount: 0,
    seq: 0,
    seenIds: [],
    inbox: [],
  };
  const inbox = s.inbox;
  s.inbox = [];

  const counts = () => windowCounts(s.entries, now(), windowMs);
  setHandler(standingQuery, () => ({
    customerId: input.customerId,
    level: s.level,
    counts: counts(),
    eventCount: s.eventCount,
    lastEvents: s.lastEvents,
    terminationCaseId: s.terminationCaseId,
    policy: { id: input.policy.id, version: input.policy.version, window: input.policy.window },
  }));
  setHandler(standingEventSignal, (m) => void inbox.push(m));

  const record = (event: StandingEvent | undefined, previousLevel: StandingLevel, key: string) =>
    activities.recordStanding({
      customerId: input.customerId,
      key,
      event,
      level: s.level,
      previousLevel,
      counts: counts(),
      eventCount: s.eventCount,
      policy: { id: input.policy.id, version: input.policy.version },
      terminationCaseId: s.terminationCaseId,
      at: iso(now()),
    });

  const evaluate = async (
    event: StandingEvent | undefined,
    reason: string,
    actor: string,
    caseAtOnce = false,
  ) => {
    s.entries = s.entries.filter((e) => e.at > now() - windowMs);
    // One record of measures: the customer's, as the desk verified them, read for every evaluation (before this, the
    // workflow kept the list it loaded at its start and changed it on the desk's signals only).
    if (patched('measures-from-record')) {
      s.verifiedMeasures = (await activities.loadStanding({ customerId: input.customerId })).verifiedMeasures;
    }
    const previousLevel = s.level;
    const next = levelFor(input.policy, counts(), {
      hasVerifiedMeasure: s.verifiedMeasures.length > 0,
      terminationCase: caseAtOnce || s.terminationCaseId !== null,
      capAtFinalWarning: s.capAtFinalWarning,
    });
    // While a case runs, the level stays `termination_case`: only the case's own workflow closes it.
    const opensCase = next === 'termination_case' && s.terminationCaseId === null;
    s.level = next;
    if (opensCase) s.terminationCaseId = uuid4();
    const key = `${input.customerId}:${++s.seq}`;
    await record(event, previousLevel, key);
    if (s.level !== previousLevel) {
      await activities.sendStandingLetter({
        customerId: input.customerId,
        key: `${key}:letter`,
        level: s.level,
        previousLevel,
        counts: counts(),
        reason,
      });
    }
    if (opensCase) {
      ({ caseId: s.terminationCaseId } = await activities.openTerminationCase({
        caseId: s.terminationCaseId as string,
        customerId: input.customerId,
        openedBy: actor,
        reason,
      }));
    }
  };

  const handle = async ({ id, event }: StandingEventMessage) => {
    if (s.seenIds.includes(id)) return;
    s.seenIds = [...s.seenIds, id].slice(-SEEN_IDS);
    s.eventCount++;
    s.lastEvents = [...s.lastEvents, event].slice(-LAST_EVENTS);
    const at = now();
    const added = countsOf(event);
    if (added.length) {
      // Entries name their notice from here on, so that an appeal can take a strike back out of the window.
      const noticeId = patched('appeal-reversals') && 'noticeId' in event ? event.noticeId : undefined;
      s.entries.push(noticeId ? { at, counts: added, noticeId } : { at, counts: added });
      s.capAtFinalWarning = false;
    }
    if (event.type === 'appeal_reversed') s.entries = withoutNotice(s.entries, event.noticeId);
    if (event.type === 'case_closed' && event.caseId === s.terminationCaseId) {
      // Terminated: the customer is gone and gets no more letters; the level stays as the case left it.
      if (event.status === 'terminated') return record(event, s.level, `${input.customerId}:${++s.seq}`);
      s.terminationCaseId = null;
      s.capAtFinalWarning = true;
    }
    if (event.type === 'measure') {
      s.verifiedMeasures = s.verifiedMeasures.filter((k) => k !== event.kind);
      if (event.status === 'verified') s.verifiedMeasures.push(event.kind);
    }
    const byDesk = event.type === 'refusal' || event.type === 'bad_faith';
    await evaluate(event, describe(event), 'by' in event ? event.by : 'workflow', byDesk);
  };

  const mustContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength >= (input.maxHistoryEvents ?? 10_000);

  let terminated = false;
  while (!terminated && !mustContinueAsNew()) {
    // The next moment an event ages out of the window, so that the level falls back without new events.
    const expiry = s.entries.length ? Math.min(...s.entries.map((e) => e.at)) + windowMs : undefined;
    const got =
      expiry === undefined
        ? (await condition(() => inbox.length > 0), true)
        : await condition(() => inbox.length > 0, Math.max(1, expiry - now()));
    if (got) {
      const m = inbox.shift() as StandingEventMessage;
      await handle(m);
      terminated = m.event.type === 'case_closed' && m.event.status === 'terminated';
    } else await evaluate(undefined, 'an event aged out of the window', 'workflow');
  }
  await condition(allHandlersFinished);
  if (terminated) return; // the customer is gone; its record stays in PostgreSQL
  await continueAsNew<typeof customerStandingWorkflow>({
    ...input,
    carried: { ...s, inbox: [...inbox] },
  });
}

/** A sentence for the letter and the timeline; never the reported content. */
function describe(event: StandingEvent): string {
  switch (event.type) {
    case 'notice_closed':
      return `notice ${event.noticeId} (${event.category}) closed as ${event.outcome}${event.deadlineMissed ? ', deadline missed' : ''}`;
    case 'content_back':
      return `the content of notice ${event.noticeId} (${event.category}) came back after its removal`;
    case 'repeat':
      return `notice ${event.noticeId} (${event.category}) is a repeat of notice ${event.repeatOf}`;
    case 'refusal':
      return `the customer refused to act: ${event.reason}`;
    case 'bad_faith':
      return `bad faith found: ${event.reason}`;
    case 'measure':
      return `preventive measure ${event.kind} ${event.status}`;
    case 'case_closed':
      return `termination case ${event.caseId} ${event.status}`;
    case 'appeal_reversed':
      return `appeal ${event.appealId} reversed the strike of notice ${event.noticeId}`;
  }
}
