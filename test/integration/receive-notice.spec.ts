import { randomUUID } from 'node:crypto';
import { DataSource, type QueryRunner } from 'typeorm';
import { PgNoticeRepository, dataSourceOptions } from '@takedown/persistence';
import { NoticeActivitiesService } from '@takedown/worker/notice-activities.service';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { firstStep, testWorkerSettings } from '../support/worker-activities';

const settings = testWorkerSettings();

/**
 * A new notice's first step (`receiveNotice`) against real PostgreSQL: its receipt, attribution and state in one
 * write of the notice row, and its audit rows appended last, so that the attribution's reads never run under the
 * audit chain's lock, for which every audited write of the system waits (docs/scaling.md, bench:e2e).
 */
describe('a notice’s first step', () => {
  const env = testEnv();
  let db: DataSource;
  let customer: StoredCustomer;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
    customer = await storeCustomer(db);
    // Every new version of a notice row this file's notices get, counted by a trigger of the test's own.
    await db.query(`CREATE TABLE IF NOT EXISTS test_notice_writes (notice_id uuid NOT NULL)`);
    await db.query(`
      CREATE OR REPLACE FUNCTION test_count_notice_writes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO test_notice_writes VALUES (NEW.id);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE OR REPLACE TRIGGER test_count_notice_writes AFTER UPDATE ON notices
      FOR EACH ROW EXECUTE FUNCTION test_count_notice_writes()`);
  });
  afterAll(async () => {
    await db?.query(`DROP TRIGGER IF EXISTS test_count_notice_writes ON notices`);
    await db?.query(`DROP FUNCTION IF EXISTS test_count_notice_writes()`);
    await db?.query(`DROP TABLE IF EXISTS test_notice_writes`);
    await db?.destroy();
  });

  const newNotice = async (): Promise<string> => {
    const id = randomUUID();
    await new PgNoticeRepository(db).insertNotice(db.manager, {
      id,
      workflowId: `notice-${id}`,
      sourceKind: 'hotline',
      sourceName: 'First step hotline',
      sourceReference: `first-step-${id}`,
      category: 'phishing',
      urls: [`https://first-step.example/${id}`],
      ip: customer.ip,
      receivedAt: new Date(),
      hashes: {},
    });
    return id;
  };
  const receive = (id: string) => new NoticeActivitiesService(db, settings).receiveNotice(firstStep(id));

  it('writes the notice row once for its receipt, attribution and state, with the timeline and audit rows of each', async () => {
    const id = await newNotice();
    const [{ state: before }] = (await db.query(`SELECT state FROM notices WHERE id = $1`, [id])) as {
      state: string;
    }[];
    const result = await receive(id);
    expect(result.customer?.id).toBe(customer.customer.id);

    const [row] = (await db.query(
      `SELECT state, outcome, customer_id, policy_id, deadline FROM notices WHERE id = $1`,
      [id],
    )) as { state: string; outcome: string | null; customer_id: string; policy_id: string; deadline: Date }[];
    expect(row).toMatchObject({ state: 'attributed', outcome: null, customer_id: customer.customer.id });
    expect(row.policy_id).toBe(result.policy.id);
    expect(row.deadline.toISOString()).toBe(result.deadline);
    const [{ n: writes }] = (await db.query(
      `SELECT count(*)::int AS n FROM test_notice_writes WHERE notice_id = $1`,
      [id],
    )) as { n: number }[];
    expect(writes).toBe(1);

    const events = (await db.query(`SELECT type FROM notice_events WHERE notice_id = $1 ORDER BY id`, [
      id,
    ])) as {
      type: string;
    }[];
    expect(events.map((e) => e.type)).toEqual(['received', 'attributed']);
    const audits = (await db.query(
      `SELECT action, summary FROM audit_log WHERE target_id = $1 AND action LIKE 'workflow.%' ORDER BY id`,
      [id],
    )) as { action: string; summary: { before: unknown; after: unknown; key: string } }[];
    expect(audits).toEqual([
      {
        action: 'workflow.notice.received',
        summary: expect.objectContaining({
          key: `${id}:0:received`,
          before: { state: before, outcome: null },
          after: { state: 'received', outcome: null },
        }),
      },
      {
        action: 'workflow.notice.attributed',
        summary: expect.objectContaining({
          key: `${id}:0:attributed`,
          before: { state: 'received', outcome: null },
          after: { state: 'attributed', outcome: null },
        }),
      },
    ]);

    // Run again (a retry after the commit): nothing recorded twice, and the attribution written as it was.
    await receive(id);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM notice_events WHERE notice_id = $1`, [id]))[0].n,
    ).toBe(2);
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1 AND action LIKE 'workflow.%'`,
          [id],
        )
      )[0].n,
    ).toBe(2);
  });

  it('reads its attribution before it waits for the audit chain’s lock', async () => {
    const id = await newNotice();
    // Another audited write in progress: a transaction that holds the chain's lock.
    const holder: QueryRunner = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query(`SELECT pg_advisory_xact_lock(hashtext('takedown.audit_log'), 0)`);
    const step = receive(id);
    try {
      // The step's backend waits for the chain's lock; by then it has read the policy in force (the attribution's
      // last table), so it held the lock for none of its reads.
      const waiting = await eventually(
        async () =>
          (await db.query(
            `SELECT w.pid,
                    EXISTS (SELECT 1 FROM pg_locks h WHERE h.pid = w.pid AND h.granted AND h.locktype = 'relation'
                              AND h.relation = 'policies'::regclass) AS read_policy
               FROM pg_locks w
              WHERE w.locktype = 'advisory' AND NOT w.granted AND w.objsubid = 2
                AND w.classid = hashtext('takedown.audit_log')::oid AND w.objid = 0`,
          )) as { pid: number; read_policy: boolean }[],
        (rows) => rows.length === 1,
      );
      expect(waiting[0].read_policy).toBe(true);
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    await expect(step).resolves.toMatchObject({ customer: { id: customer.customer.id } });
  });
});
