import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { complaintFigures, noticeFigures, orderFigures, tcoFigures } from '@takedown/persistence';
import type { SectionName, TcoReportView, TransparencyReportView } from './transparency-report.dto';

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
      const complaints = await complaintFigures(m, { from, to });
      return {
        year,
        from: from.toISOString(),
        to: to.toISOString(),
        orders,
        notices,
        ownInitiative,
        complaints,
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
