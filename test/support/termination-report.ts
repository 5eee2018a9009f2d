import type { TerminationReport } from '@takedown/reports';

/**
 * A termination report of a case closed with the customer terminated and, but for what `overrides` adds, nothing
 * else in it (no contract, no notices): for the tests of its digest, signature and files.
 */
export function terminationReport(overrides: Partial<TerminationReport> = {}): TerminationReport {
  return {
    format: 'takedown.termination-report',
    version: 2,
    snapshotId: 'd0000000-0000-4000-8000-000000000001',
    generatedAt: '2026-11-29T10:00:00.000Z',
    case: {
      id: 'c0000000-0000-4000-8000-000000000001',
      status: 'terminated',
      openedBy: 'desk:lead',
      reason: 'bad faith',
      openedAt: '2026-10-01T10:00:00.000Z',
      effectiveAt: '2026-10-31T10:00:00.000Z',
      closedAt: '2026-11-02T10:00:00.000Z',
    },
    customer: {
      id: 'x',
      reference: 'C-1001',
      name: 'Tenant A',
      contractType: 'colocation',
      status: 'terminated',
      language: 'nl',
    },
    contract: null,
    summary: {
      notices: 0,
      deadlinesMet: 0,
      deadlinesMissed: 0,
      open: 0,
      byOutcome: {},
      medianTimeToRemovalSeconds: null,
    },
    standing: { level: 'termination_case', history: [] },
    notices: [],
    timeline: [{ at: '2026-10-01T10:00:00.000Z', type: 'opened', actor: 'workflow', reason: null }],
    decisions: [],
    statementsOfReasons: [],
    ...overrides,
  };
}
