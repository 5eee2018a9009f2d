/** How big a fault run is. Every fault runs once per round; notices keep arriving throughout. */
export interface FaultPlan {
  name: 'bounded' | 'full' | 'long';
  notices: number;
  /** Notices are submitted evenly over this span, which the faults fall inside. */
  submitSpanMs: number;
  rounds: number;
  /** How long PostgreSQL stays stopped. */
  postgresOutageMs: number;
  /** How long the SMTP server refuses every other message. */
  smtpRefusalMs: number;
  /** Customers the notices are spread over (each with its own /24). */
  customers: number;
}

export const PLANS: Record<FaultPlan['name'], FaultPlan> = {
  // `npm test` (test/faults/faults.spec.ts): every fault once, a shorter database outage, about three minutes.
  bounded: {
    name: 'bounded',
    notices: 120,
    submitSpanMs: 60_000,
    rounds: 1,
    postgresOutageMs: 10_000,
    smtpRefusalMs: 10_000,
    customers: 10,
  },
  // `npm run test:faults`: the form, a few hundred notices and a 30-second database outage.
  full: {
    name: 'full',
    notices: 300,
    submitSpanMs: 120_000,
    rounds: 1,
    postgresOutageMs: 30_000,
    smtpRefusalMs: 20_000,
    customers: 20,
  },
  // FAULTS_LONG=1 npm run test:faults: every fault three times over a thousand notices.
  long: {
    name: 'long',
    notices: 1000,
    submitSpanMs: 420_000,
    rounds: 3,
    postgresOutageMs: 30_000,
    smtpRefusalMs: 20_000,
    customers: 40,
  },
};
