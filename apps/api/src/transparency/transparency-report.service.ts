import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  automatedMeansFigures,
  complaintFigures,
  designationFigures,
  noticeFigures,
  orderFigures,
  tcoFigures,
  type AutomatedMeansFigures,
} from '@takedown/persistence';
import type {
  AutomatedMeansView,
  SectionName,
  TcoReportView,
  TransparencyReportView,
} from './transparency-report.dto';

/** The yearly DSA Art. 15 report over one calendar year (UTC), all sections read in one snapshot. */
@Injectable()
export class TransparencyReportService {
  constructor(private readonly db: DataSource) {}

  /** A year still to come is a valid question with an answer of zeros, as an empty period is for the stats. */
  async year(year: number): Promise<TransparencyReportView> {
    const { from, to } = calendarYear(year);
    return this.db.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET TRANSACTION READ ONLY');
      const orders = await orderFigures(m, { from, to });
      const { notices, ownInitiative } = await noticeFigures(m, { from, to });
      const byDesignatingAuthority = await designationFigures(m, { from, to });
      const complaints = await complaintFigures(m, { from, to });
      const automatedMeans = automatedMeansSection(await automatedMeansFigures(m, { from, to }));
      return {
        year,
        from: from.toISOString(),
        to: to.toISOString(),
        orders,
        notices: { ...notices, byDesignatingAuthority },
        ownInitiative,
        complaints,
        automatedMeans,
      };
    });
  }

  /** The TCO Regulation's yearly figures (Art. 7(2)), read in one snapshot. */
  async tco(year: number): Promise<TcoReportView> {
    const { from, to } = calendarYear(year);
    return this.db.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET TRANSACTION READ ONLY');
      return { year, from: from.toISOString(), to: to.toISOString(), ...(await tcoFigures(m, { from, to })) };
    });
  }
}

/**
 * What Takedown automates, in words: nothing that finds content or decides a restriction. Should a figure ever say
 * otherwise, the section says it was used and leaves purposes and accuracy for the provider to state.
 */
function automatedMeansSection(f: AutomatedMeansFigures): AutomatedMeansView {
  const used = f.withAutomatedDetection > 0 || f.withAutomatedDecision > 0;
  return {
    used,
    description: used
      ? 'Automated means detected content or took decisions, as the statements of reasons counted here state.'
      : 'No automated means are used to detect, identify or decide on content. Every notice comes from a person or an organisation, or from the provider’s own staff; people decide each removal, rejection and termination, and a NOC engineer decides and carries out each suspension (requested by a person, or by the policy when a deadline passed). Automation only supports them: a reported IP address is matched to the customer that holds it, deadlines and reminders follow the policy, and where a policy allows it HEAD requests check that content a customer says it removed no longer answers (a 2xx keeps the notice open).',
    purposes: [],
    accuracy: null,
    errorRate: null,
    safeguards:
      'Each decision is a person’s and is on the notice’s audit trail; the customer gets a statement of reasons and can appeal; a notifier can appeal a rejection.',
    ...f,
  };
}

const calendarYear = (year: number) => ({
  from: new Date(Date.UTC(year, 0, 1)),
  to: new Date(Date.UTC(year + 1, 0, 1)),
});

/** The TCO figures as CSV: one figure a line, named as in the JSON. */
export function tcoCsv(r: TcoReportView): string {
  const { orders: o, complaints: c } = r;
  const figures: [string, number][] = [
    ['orders_received', o.received],
    ['orders_executed', o.executed],
    ['items_removed_or_disabled', o.itemsRemovedOrDisabled],
    ['orders_not_executed', o.notExecuted.total],
    ['orders_not_executed_dispute_accepted', o.notExecuted.disputedAccepted],
    ['orders_not_executed_invalid', o.notExecuted.invalid],
    ['orders_not_executed_withdrawn', o.notExecuted.withdrawn],
    ['orders_open', o.open],
    ['complaints_received', c.received],
    ['complaints_granted', c.granted],
    ['complaints_rejected', c.rejected],
    ['complaints_under_review', c.underReview],
    ['complaints_refused_late', c.refusedLate],
    ['restorations', r.restorations],
  ];
  return ['figure,count', ...figures.map(([k, v]) => `${k},${v}`)].join('\n') + '\n';
}

type Cell = string | number | null;

/** One section as CSV: a header, its rows, then its total (keys empty). */
export function sectionCsv(report: TransparencyReportView, section: SectionName): string {
  if (section === 'automated_means') {
    const a = report.automatedMeans;
    const fields: [string, Cell][] = [
      ['used', a.used ? 'yes' : 'no'],
      ['description', a.description],
      ['purposes', a.purposes.join('; ')],
      ['accuracy', a.accuracy],
      ['error_rate', a.errorRate],
      ['safeguards', a.safeguards],
      ['statements_of_reasons', a.statementsOfReasons],
      ['with_automated_detection', a.withAutomatedDetection],
      ['with_automated_decision', a.withAutomatedDecision],
    ];
    return ['field,value', ...fields.map(([k, v]) => `${k},${quoted(v)}`)].join('\n') + '\n';
  }
  if (section === 'trusted_flaggers') {
    const rows = report.notices.byDesignatingAuthority;
    const total = rows.reduce((sum, r) => sum + r.received, 0);
    // Authorities' names are the flaggers' designations as given: quoted where they need it.
    return (
      [
        'designating_authority,received',
        ...rows.map((r) => `${quoted(r.designatingAuthority ?? 'not_recorded')},${r.received}`),
        `,${total}`,
      ].join('\n') + '\n'
    );
  }
  const table: Cell[][] =
    section === 'complaints'
      ? [
          [
            'kind',
            'received',
            'upheld',
            'reversed',
            'under_review',
            'refused_late',
            'median_seconds_to_decision',
          ],
          ...[...report.complaints.rows, report.complaints.total].map((r) => [
            r.kind,
            r.received,
            r.upheld,
            r.reversed,
            r.underReview,
            r.refusedLate,
            r.medianSecondsToDecision,
          ]),
        ]
      : section === 'orders'
        ? [
            [
              'member_state',
              'category',
              'received',
              'executed',
              'not_executed_dispute_accepted',
              'not_executed_invalid',
              'not_executed_withdrawn',
              'open',
              'median_seconds_to_acknowledge',
              'median_seconds_to_effect',
            ],
            ...[...report.orders.rows, report.orders.total].map((r) => [
              r.memberState,
              r.category,
              r.received,
              r.executed,
              r.notExecuted.disputedAccepted,
              r.notExecuted.invalid,
              r.notExecuted.withdrawn,
              r.open,
              r.medianSecondsToAcknowledge,
              r.medianSecondsToEffect,
            ]),
          ]
        : [
            [
              'category',
              'notifier_kind',
              'received',
              'actioned_on_law',
              'actioned_on_terms',
              'not_actioned',
              'open',
              'median_seconds_to_action',
            ],
            ...(({ rows, total }) => [...rows, total])(
              section === 'notices' ? report.notices : report.ownInitiative,
            ).map((r) => [
              r.category,
              r.notifierKind,
              r.received,
              r.actionedOnLaw,
              r.actionedOnTerms,
              r.notActioned,
              r.open,
              r.medianSecondsToAction,
            ]),
          ];
  // Keys are the project's own words (categories, notifier kinds, ISO country codes): nothing to quote.
  return table.map((row) => row.map((c) => (c === null ? '' : String(c))).join(',')).join('\n') + '\n';
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const quoted = (c: Cell): string =>
  c === null ? '' : /[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c);
