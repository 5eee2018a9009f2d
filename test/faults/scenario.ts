import type { DataSource } from 'typeorm';
import type { Category } from '@takedown/domain';
import { signLink, type LinkKey, type LinkTarget } from '@takedown/links';
import { AbuseContactEntity, ContractEntity, CustomerEntity, assignPrefix } from '@takedown/persistence';
import type { ApiClient, ApiResponse } from './client';
import type { NoticeSnapshot, NoticeWatcher } from './watcher';

/** What the customer (and then the abuse desk) does with a notice. */
export type Behaviour = 'in_time' | 'late' | 'never' | 'dispute' | 'false_claim';

/**
 * Each behaviour on the category whose `demo` timers suit it: phishing (48 s) leaves time to answer in time even
 * across an outage, a removal order (12 s, suspension at once) passes its deadline fast for late answers, CSAM
 * (24 s, suspension 4 s later) for notices nobody answers.
 */
export const CATEGORY: Record<Behaviour, Category> = {
  in_time: 'phishing',
  dispute: 'phishing',
  late: 'terrorist_content',
  never: 'csam',
  false_claim: 'csam',
};

/** The mix, in turn: 30 % in time, 20 % disputes, 20 % never, 20 % late, 10 % false claims. */
const MIX: Behaviour[] = [
  'in_time',
  'dispute',
  'never',
  'late',
  'in_time',
  'false_claim',
  'dispute',
  'never',
  'in_time',
  'late',
];

/** The state a notice ends in, by behaviour, once all its timers have passed. */
export const SETTLED: Record<Behaviour, (n: NoticeSnapshot) => boolean> = {
  in_time: (n) => n.state === 'closed' && (n.outcome === 'removed_in_time' || n.outcome === 'removed_late'),
  late: (n) => n.state === 'closed' && n.outcome === 'removed_late',
  dispute: (n) => n.state === 'closed' && n.outcome === 'disputed_accepted',
  never: (n) => n.state === 'suspension_requested',
  false_claim: (n) => n.state === 'suspension_requested',
};

const NOTIFIED = new Set(['customer_notified', 'reminded', 'escalated', 'suspension_requested']);
const PAST_DEADLINE = new Set(['escalated', 'suspension_requested']);

export const SOURCE = { kind: 'hotline', name: 'Fault Hotline', contact: 'reports@hotline.example' };

export interface SeededCustomer {
  id: string;
  reference: string;
  /** The /24's first three octets. */
  net: string;
}

export interface NoticeRun {
  index: number;
  behaviour: Behaviour;
  sourceReference: string;
  /** Answers and completions through signed links, or through the API. */
  via: 'link' | 'api';
  /** Both copies of an answer at once, or one after the other. */
  concurrent: boolean;
  id?: string;
  /** Notice ids the intake answered with, over all retries: more than one is a second notice. */
  intakeIds: Set<string>;
  intakeStatuses: number[];
  answerStatuses: number[];
  completionStatuses: number[];
  /** What got stuck, if anything. */
  problem?: string;
}

/** Customers with a contract on the `demo` policy, an abuse contact and a /24 each, straight in the database. */
export async function seedCustomers(
  db: DataSource,
  count: number,
  runTag: string,
): Promise<SeededCustomer[]> {
  const seeded: SeededCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const reference = `F-${runTag}-${i}`;
    const net = `100.${64 + (i >> 8)}.${i & 255}`;
    seeded.push(
      await db.transaction(async (tx) => {
        const customer = await tx.save(CustomerEntity, {
          reference,
          name: `Fault Tenant ${i}`,
          contractType: 'colocation',
          status: 'active',
          language: i % 2 ? 'nl' : 'en',
          timeZone: 'Europe/Amsterdam',
          accountManagerName: 'A. Jansen',
          accountManagerEmail: `am.${reference.toLowerCase()}@provider.example`,
          parentId: null,
        });
        await tx.save(ContractEntity, {
          customerId: customer.id,
          startsOn: '2024-01-01',
          noticePeriodDays: 30,
          immediateTerminationForIllegalContent: true,
          policyProfile: 'demo',
        });
        await tx.save(AbuseContactEntity, {
          customerId: customer.id,
          email: `abuse@${reference.toLowerCase()}.example`,
          aroundTheClock: true,
        });
        await assignPrefix(tx, {
          customerId: customer.id,
          cidr: `${net}.0/24`,
          validFrom: new Date('2024-01-01T00:00:00Z'),
        });
        return { id: customer.id, reference, net };
      }),
    );
  }
  return seeded;
}

/**
 * The notices of a run and the people around them: a source that submits (and retries with the same source
 * reference), customers that answer in time, late, never, dispute or claim falsely, and an abuse desk that completes
 * the tasks. Every answer and every completion is sent twice, some of them both at once.
 */
export class Scenario {
  readonly runs: NoticeRun[];
  /** Intake requests on the wire right now (the API is killed while there are some). */
  intakeInFlight = 0;

  constructor(
    private readonly ctx: {
      client: ApiClient;
      watcher: NoticeWatcher;
      customers: SeededCustomer[];
      linkKeys: LinkKey[];
      runTag: string;
    },
    count: number,
  ) {
    this.runs = Array.from({ length: count }, (_, index) => ({
      index,
      behaviour: MIX[index % MIX.length],
      sourceReference: `faults-${ctx.runTag}-${index}`,
      via: index % 3 === 0 ? 'api' : 'link',
      concurrent: index % 2 === 0,
      intakeIds: new Set<string>(),
      intakeStatuses: [],
      answerStatuses: [],
      completionStatuses: [],
    }));
  }

  /** Submits the notices evenly over `spanMs` and drives each to its end; resolves when all have settled. */
  async run(spanMs: number): Promise<void> {
    const gap = spanMs / Math.max(1, this.runs.length);
    const started = Date.now();
    const drivers: Promise<void>[] = [];
    for (const run of this.runs) {
      const due = started + run.index * gap;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      drivers.push(
        this.drive(run).catch((err: Error) => {
          run.problem ??= err.message;
        }),
      );
    }
    await Promise.all(drivers);
  }

  private async drive(run: NoticeRun): Promise<void> {
    const customer = this.ctx.customers[run.index % this.ctx.customers.length];
    const body = {
      source: SOURCE,
      sourceReference: run.sourceReference,
      category: CATEGORY[run.behaviour],
      urls: [`https://site-${run.index}.faults.example/files/${this.ctx.runTag}/${run.index}`],
      ip: `${customer.net}.${1 + (run.index % 250)}`,
      description: `fault suite notice ${run.index} (${run.behaviour})`,
    };
    this.intakeInFlight++;
    let res: ApiResponse;
    try {
      res = await this.ctx.client.call('POST', '/v1/notices', { json: body });
    } finally {
      this.intakeInFlight--;
    }
    run.intakeStatuses.push(res.status);
    const id = (res.body as { id?: string }).id;
    if ((res.status !== 201 && res.status !== 200) || !id) {
      run.problem = `intake answered ${res.status}`;
      return;
    }
    run.id = id;
    run.intakeIds.add(id);
    // The source sends its report again, as a source that never saw the first answer does.
    const again = await this.ctx.client.call('POST', '/v1/notices', { json: body });
    run.intakeStatuses.push(again.status);
    const againId = (again.body as { id?: string }).id;
    if (againId) run.intakeIds.add(againId);

    const watch = (done: (n: NoticeSnapshot) => boolean) => this.ctx.watcher.until(id, done);
    switch (run.behaviour) {
      case 'in_time':
        await watch((n) => NOTIFIED.has(n.state));
        await this.answer(run, 'removed');
        await this.complete(run, 'removal_check', 'confirmed');
        break;
      case 'late':
        await watch((n) => PAST_DEADLINE.has(n.state));
        await this.answer(run, 'removed');
        await this.complete(run, 'removal_check', 'confirmed');
        break;
      case 'dispute':
        await watch((n) => NOTIFIED.has(n.state));
        await this.answer(run, 'dispute');
        await this.complete(run, 'dispute_review', 'accept');
        break;
      case 'false_claim':
        await watch((n) => NOTIFIED.has(n.state));
        await this.answer(run, 'removed');
        await this.complete(run, 'removal_check', 'still_online');
        break;
      case 'never':
        break;
    }
    await watch(SETTLED[run.behaviour]);
  }

  private async answer(run: NoticeRun, kind: 'removed' | 'dispute'): Promise<void> {
    const id = run.id as string;
    const reason = kind === 'dispute' ? 'The file is our own product photo' : undefined;
    const send =
      run.via === 'link'
        ? this.linkSender({ t: 'notice', id, action: kind }, reason ? { reason } : {})
        : () =>
            this.ctx.client.call('POST', `/v1/notices/${id}/actions/customer-response`, {
              json: { by: 'customer:faults', kind, ...(reason ? { reason } : {}) },
            });
    run.answerStatuses.push(...(await twice(send, run.concurrent)));
  }

  private async complete(run: NoticeRun, kind: string, outcome: string): Promise<void> {
    const id = run.id as string;
    const snapshot = await this.ctx.watcher.until(id, (n) => n.openTasks.some((t) => t.kind === kind));
    const task = snapshot.openTasks.find((t) => t.kind === kind) as { id: string };
    const send =
      run.via === 'link'
        ? this.linkSender({ t: 'task', id: task.id, action: outcome }, { note: 'checked with the source' })
        : () =>
            this.ctx.client.call('POST', `/v1/tasks/${task.id}/complete`, {
              json: { outcome, by: 'desk:faults', note: 'checked with the source' },
            });
    run.completionStatuses.push(...(await twice(send, run.concurrent)));
  }

  /** One signed link, used twice: a customer who clicks again, or whose mail client fetched it twice. */
  private linkSender(target: LinkTarget, form: Record<string, string>): () => Promise<ApiResponse> {
    const token = signLink(this.ctx.linkKeys, target, 3_600_000);
    return () => this.ctx.client.call('POST', `/links/${token}`, { form });
  }
}

async function twice(send: () => Promise<ApiResponse>, concurrent: boolean): Promise<number[]> {
  if (concurrent) return (await Promise.all([send(), send()])).map((r) => r.status);
  const first = await send();
  const second = await send();
  return [first.status, second.status];
}
