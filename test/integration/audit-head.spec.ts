import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScheduleActivitiesService, ScheduleSettings } from '@takedown/worker/schedule-activities.service';
import { auditCommand } from '../../apps/cli/src/commands/audit';
import {
  appendAudit,
  auditHash,
  listAuditHeads,
  parseAuditHeads,
  verifyAuditChain,
  verifyAuditHeads,
  type AuditChainRow,
} from '@takedown/persistence';
import { ownDatabase, type OwnDatabase } from '../support/own-database';

const URL_HASH_KEY = { kid: 'test', secret: Buffer.from('a test key of thirty-two characters or more') };

const KEY = 'audit-head-key-for-this-test-only-0123456789';

/**
 * The owner of the database can change an audit row and recompute every unkeyed hash after it: the chain alone then
 * verifies. The heads the worker's audit-head schedule signed with a key PostgreSQL never saw, and wrote outside it,
 * do not. (The schedule itself runs on Temporal in test/integration/schedules.spec.ts.)
 */
describe('the signed audit head against the database owner', () => {
  let own: OwnDatabase;
  let dir: string;
  beforeAll(async () => {
    own = ownDatabase('audit_head');
    await own.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-head-'));
  });
  afterAll(async () => {
    await own?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const append = (n: number) =>
    appendAudit(own.db, {
      actor: { kind: 'token', id: `desk-${n}`, name: `Desk ${n}` },
      action: 'notice.triage',
      summary: { decision: `decision ${n}` },
    });

  /** What the owner can do: triggers off, a row changed, every hash from it on recomputed, triggers on. */
  async function forge(fromId: string, change: string): Promise<void> {
    await own.db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
      await tx.query(`UPDATE audit_log SET summary = $2::jsonb WHERE id = $1::bigint`, [fromId, change]);
      const rows = (await tx.query(
        `SELECT id::text AS id, at, actor_kind, actor_id, actor_name, role, action, target_type, target_id,
                request_id, source_ip::text AS source_ip, summary::text AS summary_text, prev_hash
         FROM audit_log WHERE id >= $1::bigint ORDER BY id`,
        [fromId],
      )) as (Record<string, string> & { at: Date })[];
      let prev = rows[0].prev_hash;
      for (const r of rows) {
        const row: AuditChainRow = {
          id: r.id,
          at: r.at as Date,
          actorKind: r.actor_kind as AuditChainRow['actorKind'],
          actorId: r.actor_id,
          actorName: r.actor_name,
          role: r.role,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          requestId: r.request_id,
          sourceIp: r.source_ip,
          summaryText: r.summary_text,
          prevHash: prev,
        };
        prev = auditHash(row);
        await tx.query(`UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE id = $1::bigint`, [
          r.id,
          row.prevHash,
          prev,
        ]);
      }
      await tx.query(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
    });
  }

  it('exports the head when the chain grows; a rewritten chain verifies unkeyed but fails against the heads', async () => {
    const file = path.join(dir, 'heads.jsonl');
    const exporter = new ScheduleActivitiesService(
      own.db,
      new ScheduleSettings(KEY, file, { days: 365, urlHashKey: URL_HASH_KEY }),
    );
    const first = await append(1);
    await append(2);
    expect(await exporter.exportAuditHead()).toMatchObject({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await exporter.exportAuditHead()).toBeNull(); // no new row, no new head
    await append(3);
    await exporter.exportAuditHead();
    const heads = parseAuditHeads(fs.readFileSync(file, 'utf8'));
    expect(heads).toHaveLength(2);
    // The same heads are kept in audit_heads, for GET /v1/audit/heads.
    expect(await listAuditHeads(own.db)).toEqual(heads);
    expect(await verifyAuditHeads(own.db, KEY, heads)).toEqual({ ok: true, heads: 2 });
    const verify = async () => {
      const saved = { ...process.env };
      Object.assign(process.env, { DATABASE_URL: own.url, AUDIT_HEAD_KEY: KEY });
      const lines: string[] = [];
      const collect = (line: string) => lines.push(line) > 0;
      try {
        const code = await auditCommand(['verify', '--heads', file], collect, collect);
        return { code, out: lines.join('\n') };
      } finally {
        process.env = saved;
      }
    };
    expect(await verify()).toMatchObject({ code: 0, out: expect.stringMatching(/2 signed heads hold/) });
    expect(await verifyAuditHeads(own.db, 'another-key-of-enough-length-0123456789', heads)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/MAC/),
    });

    await forge(first.id, JSON.stringify({ decision: 'a decision never taken' }));
    expect((await verifyAuditChain(own.db)).ok).toBe(true);
    expect(await verifyAuditHeads(own.db, KEY, heads)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/re-hashed/),
    });
    expect(await verify()).toMatchObject({ code: 65, out: expect.stringMatching(/BROKEN: row \d+'s hash/) });
  });

  it('fails on a cut tail that the chain alone cannot see', async () => {
    const exporter = new ScheduleActivitiesService(
      own.db,
      new ScheduleSettings(KEY, undefined, { days: 365, urlHashKey: URL_HASH_KEY }),
    );
    await append(4);
    const head = (await exporter.exportAuditHead())!;
    await own.db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
      await tx.query(`DELETE FROM audit_log WHERE id = $1::bigint`, [head.id]);
      await tx.query(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
    });
    expect(await verifyAuditHeads(own.db, KEY, [head])).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/gone: the trail was cut/),
    });
  });
});
