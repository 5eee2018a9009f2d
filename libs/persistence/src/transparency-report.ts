import type { EntityManager } from 'typeorm';
import { ACTIONED_OUTCOMES, LAW_CATEGORIES, NOTIFIER_OF_SOURCE } from '@takedown/domain';

/**
 * The reads of the yearly DSA Art. 15 report (Implementing Regulation (EU) 2024/2835): each section's rows and its
 * total come from one query with GROUPING SETS, so that every median, the total's included, is exact over its own
 * notices rather than a mean of medians.
 */

/** A row of the orders section: removal orders by member state and category. `null` keys: the section's total. */
export interface OrderFigures {
  memberState: string | null;
  category: string | null;
  received: number;
  executed: number;
  /** Not executed, by the notice's outcome: the why. */
  notExecuted: { disputedAccepted: number; invalid: number; withdrawn: number };
  open: number;
  /** From receipt to the on-call person's acknowledgement of the page. */
  medianSecondsToAcknowledge: number | null;
  /** From receipt to the removal (or the suspension) that gave the order effect. */
  medianSecondsToEffect: number | null;
}

/** A row of the notices (Art. 16) or own-initiative section, by category and notifier kind. */
export interface NoticeFigures {
  category: string | null;
  notifierKind: string | null;
  received: number;
  actionedOnLaw: number;
  actionedOnTerms: number;
  notActioned: number;
  open: number;
  /** From receipt to the removal (or suspension). */
  medianSecondsToAction: number | null;
}

/** A section's rows and its total (keys null). */
export interface Section<T> {
  rows: T[];
  total: T;
}

export interface TransparencyYear {
  from: Date;
  to: Date;
}

/** A section's total without notices: a total row the query cannot give (its grouping key has no value). */
const EMPTY: NoticeFigures = {
  category: null,
  notifierKind: null,
  received: 0,
  actionedOnLaw: 0,
  actionedOnTerms: 0,
  notActioned: 0,
  open: 0,
  medianSecondsToAction: null,
};

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const ACTIONED = `outcome IN (${list(ACTIONED_OUTCOMES)})`;
const LAW = `category IN (${list(LAW_CATEGORIES)})`;
const NOTIFIER = `CASE source_kind ${Object.entries(NOTIFIER_OF_SOURCE)
  .map(([source, kind]) => `WHEN '${source}' THEN '${kind}'`)
  .join(' ')} ELSE 'other' END`;
/** When the notice was acted on: its removal, or the suspension that closed it. */
const actedAt = (n: string) => `coalesce(${n}.removed_at, ${n}.closed_at)`;
const median = (seconds: string, filter: string) =>
  `percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ${seconds})) FILTER (WHERE ${filter})`;

type Raw<T> = { [K in keyof T]: T[K] extends number | null ? number | string | null : T[K] };
const seconds = (v: number | string | null) => (v === null ? null : Math.round(Number(v)));

export async function orderFigures(m: EntityManager, year: TransparencyYear): Promise<Section<OrderFigures>> {
  const rows = (await m.query(
    `SELECT o.member_state AS "memberState", n.category,
            count(*)::int AS received,
            count(*) FILTER (WHERE n.${ACTIONED})::int AS executed,
            count(*) FILTER (WHERE n.outcome = 'disputed_accepted')::int AS "disputedAccepted",
            count(*) FILTER (WHERE n.outcome = 'invalid')::int AS invalid,
            count(*) FILTER (WHERE n.outcome = 'withdrawn_by_source')::int AS withdrawn,
            count(*) FILTER (WHERE n.outcome IS NULL)::int AS open,
            ${median('o.page_acked_at - o.received_at', 'o.page_acked_at IS NOT NULL')} AS "medianSecondsToAcknowledge",
            ${median(`${actedAt('n')} - o.received_at`, `n.${ACTIONED}`)} AS "medianSecondsToEffect",
            grouping(o.member_state, n.category) AS total
       FROM removal_orders o JOIN notices n ON n.id = o.notice_id
      WHERE o.received_at >= $1 AND o.received_at < $2
      GROUP BY GROUPING SETS ((o.member_state, n.category), ())
      ORDER BY total, 1, 2`,
    [year.from, year.to],
  )) as (Raw<Omit<OrderFigures, 'notExecuted'>> & {
    disputedAccepted: number;
    invalid: number;
    withdrawn: number;
  })[];
  const figures = rows.map((r) => ({
    memberState: r.memberState,
    category: r.category,
    received: r.received as number,
    executed: r.executed as number,
    notExecuted: { disputedAccepted: r.disputedAccepted, invalid: r.invalid, withdrawn: r.withdrawn },
    open: r.open as number,
    medianSecondsToAcknowledge: seconds(r.medianSecondsToAcknowledge),
    medianSecondsToEffect: seconds(r.medianSecondsToEffect),
  }));
  // The grand total's grouping set `()` answers even for a year without orders: the last row.
  return { rows: figures.slice(0, -1), total: figures[figures.length - 1] };
}

/**
 * Notices received in the year that carry no removal order, by section: `notices` (Art. 16, every notifier but the
 * provider itself) and `own_initiative` (the provider's own detection); each section ends with its total row.
 */
export async function noticeFigures(
  m: EntityManager,
  year: TransparencyYear,
): Promise<{ notices: Section<NoticeFigures>; ownInitiative: Section<NoticeFigures> }> {
  const rows = (await m.query(
    `SELECT notifier = 'own_initiative' AS own, category, notifier AS "notifierKind",
            count(*)::int AS received,
            count(*) FILTER (WHERE ${ACTIONED} AND ${LAW})::int AS "actionedOnLaw",
            count(*) FILTER (WHERE ${ACTIONED} AND NOT ${LAW})::int AS "actionedOnTerms",
            count(*) FILTER (WHERE outcome IS NOT NULL AND NOT ${ACTIONED})::int AS "notActioned",
            count(*) FILTER (WHERE outcome IS NULL)::int AS open,
            ${median(`${actedAt('n')} - received_at`, ACTIONED)} AS "medianSecondsToAction",
            grouping(category, notifier) AS total
       FROM (SELECT n.*, ${NOTIFIER} AS notifier FROM notices n
              WHERE n.received_at >= $1 AND n.received_at < $2
                AND NOT EXISTS (SELECT 1 FROM removal_orders o WHERE o.notice_id = n.id)) n
      GROUP BY GROUPING SETS ((notifier = 'own_initiative', category, notifier), (notifier = 'own_initiative'))
      ORDER BY 1, total, 2, 3`,
    [year.from, year.to],
  )) as (Raw<NoticeFigures> & { own: boolean; total: number })[];
  const figures = (own: boolean): Section<NoticeFigures> => {
    const section = rows
      .filter((r) => r.own === own)
      .map((r) => ({
        category: r.category,
        notifierKind: r.notifierKind,
        received: r.received as number,
        actionedOnLaw: r.actionedOnLaw as number,
        actionedOnTerms: r.actionedOnTerms as number,
        notActioned: r.notActioned as number,
        open: r.open as number,
        medianSecondsToAction: seconds(r.medianSecondsToAction),
        total: r.total,
      }));
    const total = section.find((r) => r.total);
    return {
      rows: section.filter((r) => !r.total).map(({ total: _, ...r }) => r),
      total: total ? (({ total: _, ...t }) => t)(total) : { ...EMPTY },
    };
  };
  return { notices: figures(false), ownInitiative: figures(true) };
}

/** The trusted flaggers' notices of the notices section, per Digital Services Coordinator that designated them. */
export interface DesignationFigures {
  /** As the notice's first report recorded it at receipt; null: not recorded (a notice from before it was). */
  designatingAuthority: string | null;
  received: number;
}

/**
 * DSA Art. 15(1)(b) with Art. 22: the year's trusted flaggers' notices (no removal order, as the notices section
 * counts them), by the authority that had designated the flagger when its notice came in.
 */
export async function designationFigures(
  m: EntityManager,
  year: TransparencyYear,
): Promise<DesignationFigures[]> {
  return (await m.query(
    `SELECT r.designating_authority AS "designatingAuthority", count(*)::int AS received
       FROM notices n
       LEFT JOIN notice_reports r
         ON r.notice_id = n.id AND r.source_kind = n.source_kind AND r.source_name = n.source_name
        AND r.source_reference = n.source_reference
      WHERE n.received_at >= $1 AND n.received_at < $2 AND n.source_kind = 'trusted_flagger'
        AND NOT EXISTS (SELECT 1 FROM removal_orders o WHERE o.notice_id = n.id)
      GROUP BY 1
      ORDER BY 1 NULLS LAST`,
    [year.from, year.to],
  )) as DesignationFigures[];
}

/** A row of the complaints section (Art. 15(1)(d)): appeals by what they contest. `null` kind: the total. */
export interface ComplaintFigures {
  kind: string | null;
  received: number;
  upheld: number;
  reversed: number;
  underReview: number;
  refusedLate: number;
  /** From filing to the review's decision. */
  medianSecondsToDecision: number | null;
}

/** Appeals filed in the year (the internal complaint-handling system), by what they contest, and their outcomes. */
export async function complaintFigures(
  m: EntityManager,
  year: TransparencyYear,
): Promise<Section<ComplaintFigures>> {
  const rows = (await m.query(
    `SELECT kind,
            count(*)::int AS received,
            count(*) FILTER (WHERE status = 'upheld')::int AS upheld,
            count(*) FILTER (WHERE status = 'reversed')::int AS reversed,
            count(*) FILTER (WHERE status = 'under_review')::int AS "underReview",
            count(*) FILTER (WHERE status = 'refused_late')::int AS "refusedLate",
            ${median('reviewed_at - filed_at', 'reviewed_at IS NOT NULL')} AS "medianSecondsToDecision",
            grouping(kind) AS total
       FROM appeals
      WHERE filed_at >= $1 AND filed_at < $2
      GROUP BY GROUPING SETS ((kind), ())
      ORDER BY total, 1`,
    [year.from, year.to],
  )) as (Raw<ComplaintFigures> & { total: number })[];
  const figures = rows.map((r) => ({
    kind: r.kind,
    received: r.received as number,
    upheld: r.upheld as number,
    reversed: r.reversed as number,
    underReview: r.underReview as number,
    refusedLate: r.refusedLate as number,
    medianSecondsToDecision: seconds(r.medianSecondsToDecision),
  }));
  return { rows: figures.slice(0, -1), total: figures[figures.length - 1] };
}

/**
 * The yearly figures of Regulation (EU) 2021/784 (TCO) Art. 7(2): the removal orders received in the year and what
 * became of them, and the content providers' complaints against removals under an order (Art. 10: an appeal of the
 * order's notice) with the restorations they led to (a complaint granted: the decision reversed).
 */
export interface TcoFigures {
  orders: {
    received: number;
    executed: number;
    /** The URLs of the executed orders: the items removed or disabled. */
    itemsRemovedOrDisabled: number;
    notExecuted: { disputedAccepted: number; invalid: number; withdrawn: number; total: number };
    open: number;
  };
  complaints: {
    received: number;
    /** Granted: the removal was reversed. */
    granted: number;
    /** Rejected: the removal stood. */
    rejected: number;
    underReview: number;
    refusedLate: number;
  };
  /** Content or access reinstated after a complaint (Art. 7(2)(f)): the complaints granted. */
  restorations: number;
}

export async function tcoFigures(m: EntityManager, year: TransparencyYear): Promise<TcoFigures> {
  const [o] = (await m.query(
    `SELECT count(*)::int AS received,
            count(*) FILTER (WHERE n.${ACTIONED})::int AS executed,
            coalesce(sum(cardinality(o.urls)) FILTER (WHERE n.${ACTIONED}), 0)::int AS items,
            count(*) FILTER (WHERE n.outcome = 'disputed_accepted')::int AS "disputedAccepted",
            count(*) FILTER (WHERE n.outcome = 'invalid')::int AS invalid,
            count(*) FILTER (WHERE n.outcome = 'withdrawn_by_source')::int AS withdrawn,
            count(*) FILTER (WHERE n.outcome IS NULL)::int AS open
       FROM removal_orders o JOIN notices n ON n.id = o.notice_id
      WHERE o.received_at >= $1 AND o.received_at < $2`,
    [year.from, year.to],
  )) as {
    received: number;
    executed: number;
    items: number;
    disputedAccepted: number;
    invalid: number;
    withdrawn: number;
    open: number;
  }[];
  const [c] = (await m.query(
    `SELECT count(*)::int AS received,
            count(*) FILTER (WHERE a.status = 'reversed')::int AS granted,
            count(*) FILTER (WHERE a.status = 'upheld')::int AS rejected,
            count(*) FILTER (WHERE a.status = 'under_review')::int AS "underReview",
            count(*) FILTER (WHERE a.status = 'refused_late')::int AS "refusedLate"
       FROM appeals a
      WHERE a.filed_at >= $1 AND a.filed_at < $2 AND a.kind <> 'rejection'
        AND EXISTS (SELECT 1 FROM removal_orders o WHERE o.notice_id = a.notice_id)`,
    [year.from, year.to],
  )) as TcoFigures['complaints'][];
  return {
    orders: {
      received: o.received,
      executed: o.executed,
      itemsRemovedOrDisabled: o.items,
      notExecuted: {
        disputedAccepted: o.disputedAccepted,
        invalid: o.invalid,
        withdrawn: o.withdrawn,
        total: o.disputedAccepted + o.invalid + o.withdrawn,
      },
      open: o.open,
    },
    complaints: c,
    restorations: c.granted,
  };
}

/**
 * Art. 15(1)(e), counted from the statements of reasons made in the year: each states whether automated means
 * detected the content or took the decision (none do today, so both are zero; the section says so in words too).
 */
export interface AutomatedMeansFigures {
  statementsOfReasons: number;
  withAutomatedDetection: number;
  withAutomatedDecision: number;
}

export async function automatedMeansFigures(
  m: EntityManager,
  year: TransparencyYear,
): Promise<AutomatedMeansFigures> {
  const [row] = (await m.query(
    `SELECT count(*)::int AS "statementsOfReasons",
            count(*) FILTER (WHERE (json::jsonb #>> '{automated,detection}')::boolean)::int AS "withAutomatedDetection",
            count(*) FILTER (WHERE (json::jsonb #>> '{automated,decision}')::boolean)::int AS "withAutomatedDecision"
       FROM report_snapshots
      WHERE kind = 'statement_of_reasons' AND created_at >= $1 AND created_at < $2`,
    [year.from, year.to],
  )) as AutomatedMeansFigures[];
  return row;
}
