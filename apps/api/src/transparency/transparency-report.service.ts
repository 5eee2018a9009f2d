import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { complaintFigures, noticeFigures, orderFigures } from '@takedown/persistence';
import type { SectionName, TransparencyReportView } from './transparency-report.dto';

/** The yearly DSA Art. 15 report over one calendar year (UTC), all sections read in one snapshot. */
@Injectable()
export class TransparencyReportService {
  constructor(private readonly db: DataSource) {}

  /** A year still to come is a valid question with an answer of zeros, as an empty period is for the stats. */
  async year(year: number): Promise<TransparencyReportView> {
    const from = new Date(Date.UTC(year, 0, 1));
    const to = new Date(Date.UTC(year + 1, 0, 1));
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
