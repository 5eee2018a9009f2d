import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  AUDIT_GENESIS_HASH,
  appendAudit,
  appendAuditMany,
  auditHash,
  dataSourceOptions,
  verifyAuditChain,
  type AuditEntry,
} from '@takedown/persistence';
import { nodeArgs } from '../support/child-build';
import { testEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/**
 * The audit trail as PostgreSQL keeps it. A database of its own: these tests break the chain on purpose, which
 * must not fail the other suites' look at the shared one.
 */
describe('audit_log', () => {
  const name = `audit_${randomBytes(4).toString('hex')}`;
  const adminUrl = testEnv().DATABASE_URL;
  const url = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const probeRole = `audit_probe_${randomBytes(4).toString('hex')}`;
  let admin: Client;
  let db: DataSource;
  /** A superuser session for what the application cannot do: go around the triggers. */
  let superuser: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    db = await new DataSource(dataSourceOptions(url, { logging: false })).initialize();
    await db.runMigrations({ transaction: 'each' });
    superuser = new Client({ connectionString: url });
    await superuser.connect();
  });

  afterAll(async () => {
    await superuser?.end();
    await db?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${probeRole}`);
    await admin.end();
  });

  /** Empties the trail: only in replica mode, where no ordinary trigger fires. */
  beforeEach(async () => {
    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(`TRUNCATE audit_log`);
    await superuser.query(`ALTER SEQUENCE audit_log_id_seq RESTART`);
    await superuser.query(`SET session_replication_role = DEFAULT`);
  });

  const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
    actor: { kind: 'token', id: `token-${n}`, name: `desk integration ${n}`, role: 'abuse_desk' },
    action: 'task.complete',
    target: { type: 'task', id: `task-${n}` },
    requestId: `req-${n}`,
    sourceIp: n % 2 ? '192.0.2.10' : '2001:db8::7',
    summary: { before: { status: 'open' }, after: { status: 'completed', outcome: 'customer_contacted', n } },
    ...extra,
  });

  const appendSome = async (count: number) => {
    const rows: { id: string; hash: string }[] = [];
    for (let n = 1; n <= count; n++) rows.push(await appendAudit(db, entry(n)));
    return rows;
  };

  it('refuses UPDATE, DELETE and TRUNCATE from the application’s own connection, which owns the table', async () => {
    const [row] = await appendSome(1);
    await expect(
      db.query(`UPDATE audit_log SET actor_name = 'someone else' WHERE id = $1`, [row.id]),
    ).rejects.toThrow(/audit_log is append-only: UPDATE is refused/);
    await expect(db.query(`UPDATE audit_log SET actor_name = 'x' WHERE false`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query(`DELETE FROM audit_log WHERE id = $1`, [row.id])).rejects.toThrow(
      /audit_log is append-only: DELETE is refused/,
    );
    await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(
      /audit_log is append-only: TRUNCATE is refused/,
    );
    const [{ owner }] = (await db.query(
      `SELECT tableowner = current_user AS owner FROM pg_tables WHERE tablename = 'audit_log'`,
    )) as { owner: boolean }[];
    expect(owner).toBe(true);
    expect(await db.query(`SELECT actor_name FROM audit_log`)).toEqual([
      { actor_name: 'desk integration 1' },
    ]);
  });

  it('lets a separate role with SELECT and INSERT append to the chain, and denies it UPDATE and DELETE by grants', async () => {
    await admin.query(`CREATE ROLE ${probeRole} NOLOGIN`);
    await superuser.query(`GRANT SELECT, INSERT ON audit_log TO ${probeRole}`);
    await appendSome(1);
    await superuser.query(`SET ROLE ${probeRole}`);
    try {
      await superuser.query(
        `INSERT INTO audit_log (actor_kind, actor_id, actor_name, action) VALUES ('cli', 'ops', 'ops', 'customer.import')`,
      );
      await expect(superuser.query(`UPDATE audit_log SET actor_id = 'x'`)).rejects.toThrow(
        /permission denied for table audit_log/,
      );
      await expect(superuser.query(`DELETE FROM audit_log`)).rejects.toThrow(
        /permission denied for table audit_log/,
      );
      // Nor can it step around the triggers: that takes a superuser.
      await expect(superuser.query(`SET session_replication_role = replica`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await superuser.query(`RESET ROLE`);
    }
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true, rows: 2 });
  });

  it('gives every row an id, a time and the hash of the row before; verify recomputes each hash in TypeScript', async () => {
    const first = await appendAudit(db, entry(1));
    await appendAudit(db, {
      actor: { kind: 'link', id: 'am.jansen@provider.example', name: 'Ánna Jänsen ✓ 𝔸' },
      action: 'link.use',
      target: null,
      summary: { note: 'zeilen\numbruch "quoted" \\ tab\t', nested: { list: [1, 2.5, true, null], z: 'ü' } },
    });
    await appendAudit(db, entry(3, { sourceIp: null, requestId: null, role: null, summary: {} }));
    const rows = (await db.query(
      `SELECT id::text AS id, at, actor_kind, actor_id, actor_name, role, action, target_type, target_id, request_id,
              source_ip::text AS source_ip, summary::text AS summary_text, prev_hash, hash
       FROM audit_log ORDER BY id`,
    )) as Record<string, string & Date>[];
    expect(rows.map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(rows[0].prev_hash).toBe(AUDIT_GENESIS_HASH);
    expect(rows[0].hash).toBe(first.hash);
    rows.forEach((r, i) => {
      expect(r.prev_hash).toBe(i === 0 ? AUDIT_GENESIS_HASH : rows[i - 1].hash);
      // The TypeScript canonical form gives PostgreSQL's hash.
      expect(
        auditHash({
          id: r.id,
          at: r.at,
          actorKind: r.actor_kind as 'token',
          actorId: r.actor_id,
          actorName: r.actor_name,
          role: r.role,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          requestId: r.request_id,
          sourceIp: r.source_ip,
          summaryText: r.summary_text,
          prevHash: r.prev_hash,
        }),
      ).toBe(r.hash);
    });
    await expect(verifyAuditChain(db)).resolves.toEqual({
      ok: true,
      rows: 3,
      lastId: '3',
      head: rows[2].hash,
    });
  });

  it('keeps URLs to scheme and host and secrets out of the summary, whatever the caller passes', async () => {
    await appendAudit(
      db,
      entry(1, {
        summary: {
          reason: 'still at https://cdn.tenant-a.example/gallery/8f1c2e?id=1 as of today',
          urls: ['http://evil.example/a/b/c.jpg'],
          token: 'td_0123_secret',
          clientSecret: 'hunter2',
        },
      }),
    );
    const [{ summary }] = (await db.query(`SELECT summary FROM audit_log`)) as {
      summary: Record<string, unknown>;
    }[];
    expect(summary).toEqual({
      reason: 'still at https://cdn.tenant-a.example/[redacted] as of today',
      urls: ['http://evil.example/[redacted]'],
      token: '[redacted]',
      clientSecret: '[redacted]',
    });
  });

  it('names a row changed behind the triggers’ back, and the hash that no longer matches', async () => {
    await appendSome(5);
    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(
      `UPDATE audit_log SET summary = jsonb_set(summary, '{after,outcome}', '"removed"') WHERE id = 3`,
    );
    await superuser.query(`SET session_replication_role = DEFAULT`);
    const result = await verifyAuditChain(db);
    expect(result).toMatchObject({ ok: false, rows: 2, broken: { id: '3', field: 'hash' } });
    if (result.ok) return;
    expect(result.broken.problem).toMatch(/row 3 was changed after it was written/);
    expect(result.broken.expected).not.toBe(result.broken.actual);
  });

  it('names the row after one that was deleted', async () => {
    await appendSome(4);
    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(`DELETE FROM audit_log WHERE id = 2`);
    await superuser.query(`SET session_replication_role = DEFAULT`);
    await expect(verifyAuditChain(db)).resolves.toMatchObject({
      ok: false,
      rows: 1,
      broken: { id: '3', field: 'prev_hash', problem: expect.stringMatching(/row 3 does not follow row 1/) },
    });
  });

  it('names a forged row inserted outside the chain, even with a plausible prev_hash', async () => {
    const rows = await appendSome(3);
    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(
      `INSERT INTO audit_log (id, at, actor_kind, actor_id, actor_name, action, summary, prev_hash, hash)
       VALUES (nextval('audit_log_id_seq'), now(), 'token', 'token-1', 'desk integration 1', 'termination.withdraw',
               '{}', $1, $2)`,
      [rows[2].hash, 'f'.repeat(64)],
    );
    await superuser.query(`SET session_replication_role = DEFAULT`);
    await expect(verifyAuditChain(db)).resolves.toMatchObject({
      ok: false,
      rows: 3,
      broken: { id: '4', field: 'hash' },
    });
    // The chain goes on after the forged row; verification still stops at it.
    await appendAudit(db, entry(5));
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: false, broken: { id: '4' } });
  });

  it('keeps one chain when several connections append at once, some several rows per transaction', async () => {
    const writers = 6;
    const perWriter = 20;
    const clients = await Promise.all(
      Array.from({ length: writers }, async () => {
        const c = new Client({ connectionString: url });
        await c.connect();
        return c;
      }),
    );
    try {
      await Promise.all(
        clients.map(async (c, w) => {
          for (let n = 0; n < perWriter; n += 2) {
            await c.query('BEGIN');
            for (const k of [n, n + 1]) {
              await c.query(
                `INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, target_type, target_id)
                 VALUES ('workflow', $1, 'noticeWorkflow', 'workflow.notice.escalated', 'notice', $2)`,
                [`writer-${w}`, `n-${k}`],
              );
            }
            await c.query('COMMIT');
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    await expect(verifyAuditChain(db, { batchSize: 7 })).resolves.toMatchObject({
      ok: true,
      rows: writers * perWriter,
    });
  });

  it('appends many rows in one statement as one link after the other, in order, between single appends', async () => {
    await appendAudit(db, entry(1));
    // Two writers at once, each a batch of rows in one statement, and a single append between them.
    await Promise.all([
      db.transaction((tx) =>
        appendAuditMany(
          tx,
          [2, 3, 4, 5].map((n) => entry(n)),
        ),
      ),
      appendAudit(db, entry(6)),
      db.transaction((tx) =>
        appendAuditMany(
          tx,
          [7, 8, 9].map((n) => entry(n, { sourceIp: 'not an address', summary: {} })),
        ),
      ),
    ]);
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true, rows: 9 });
    const rows = (
      await superuser.query<{
        id: string;
        target_id: string;
        source_ip: string | null;
        prev_hash: string;
        hash: string;
      }>(`SELECT id::text, target_id, source_ip::text, prev_hash, hash FROM audit_log ORDER BY id`)
    ).rows;
    // A batch's rows keep their order and stay together: the chain runs through them one by one.
    const order = rows.map((r) => r.target_id);
    const at = (id: string) => order.indexOf(id);
    expect([at('task-3'), at('task-4'), at('task-5')]).toEqual([
      at('task-2') + 1,
      at('task-2') + 2,
      at('task-2') + 3,
    ]);
    expect([at('task-8'), at('task-9')]).toEqual([at('task-7') + 1, at('task-7') + 2]);
    rows.slice(1).forEach((r, k) => expect(r.prev_hash).toBe(rows[k].hash));
    expect(rows.find((r) => r.target_id === 'task-8')?.source_ip).toBeNull();
  });

  it('refuses to append in a REPEATABLE READ transaction, whose snapshot could miss the latest row', async () => {
    await expect(db.transaction('REPEATABLE READ', (tx) => appendAudit(tx, entry(1)))).rejects.toThrow(
      /READ COMMITTED transactions only/,
    );
  });

  it('`takedown audit verify` exits 0 with the count when intact, 65 naming the first broken row when not', async () => {
    await appendSome(3);
    const cli = (extra: string[] = []) =>
      run(process.execPath, [...nodeArgs('apps/cli/src/main.ts'), 'audit', 'verify', ...extra], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
      });
    const ok = await cli();
    expect(ok.stdout).toMatch(/audit trail intact: 3 rows, last row 3/);

    await superuser.query(`SET session_replication_role = replica`);
    await superuser.query(`UPDATE audit_log SET actor_id = 'someone-else' WHERE id = 2`);
    await superuser.query(`SET session_replication_role = DEFAULT`);
    const broken = await cli().then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(broken?.code).toBe(65);
    expect(broken?.stderr).toMatch(/audit trail BROKEN at row 2 \(1 rows before it verify\)/);
    expect(broken?.stderr).toMatch(/hash: expected [0-9a-f]{64}, found [0-9a-f]{64}/);

    const usage = await cli(['extra']).then(
      () => null,
      (err: { code: number }) => err,
    );
    expect(usage?.code).toBe(64);
  });
});
