import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import {
  lastAuditHead,
  readAuditHead,
  recordAuditHead,
  recordSubmissions,
  unsubmittedStatements,
  runRetention,
  signAuditHead,
  type RetentionPolicy,
} from '@takedown/persistence';
import { transparencyDbStatement, type StatementOfReasons } from '@takedown/reports';
import type {
  ScheduleActivities,
  ScheduledAuditHead,
  ScheduledRetentionResult,
} from '@takedown/workflows/schedules/activities';

/** What the schedules' activities need from the configuration. */
export class ScheduleSettings {
  constructor(
    /** Signs the audit chain's heads; unset, no head is signed. */
    readonly auditHeadKey: string | undefined,
    /** Where each signed head is appended too (one JSON line). */
    readonly auditHeadFile: string | undefined,
    readonly retention: RetentionPolicy,
    /** Where statements of reasons are submitted; null: nowhere. */
    readonly transparencyDb: { url: string; token: string } | null = null,
  ) {}
}

/** The Transparency Database takes at most this many statements a request. */
export const TRANSPARENCY_DB_BATCH = 100;

@Injectable()
// The legal messages go out through the notification service's mail (its outbox and sender).
export class ScheduleActivitiesService implements Omit<
  ScheduleActivities,
  'sendNotifierReceipts' | 'informContentProviders'
> {
  private readonly log = new Logger('AuditHead');

  constructor(
    private readonly db: DataSource,
    private readonly settings: ScheduleSettings,
  ) {}

  async exportAuditHead(): Promise<ScheduledAuditHead | null> {
    const key = this.settings.auditHeadKey;
    if (!key) return null;
    const head = await readAuditHead(this.db);
    if (!head || (await lastAuditHead(this.db))?.id === head.id) return null;
    const signed = signAuditHead(key, head);
    // Kept first: a retry after a failed append finds it kept and signs nothing new until the chain moves.
    if (!(await recordAuditHead(this.db, signed))) return null;
    this.log.log({ auditHead: signed }, 'audit head');
    if (this.settings.auditHeadFile) {
      await appendFile(this.settings.auditHeadFile, `${JSON.stringify(signed)}\n`, { mode: 0o600 });
    }
    return signed;
  }

  async submitStatements(): Promise<{ submitted: number; batches: number }> {
    const target = this.settings.transparencyDb;
    let submitted = 0;
    let batches = 0;
    while (target) {
      const pending = await unsubmittedStatements(this.db, TRANSPARENCY_DB_BATCH);
      if (!pending.length) break;
      const statements = pending.map((p) =>
        transparencyDbStatement(JSON.parse(p.json) as StatementOfReasons),
      );
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ statements }),
        signal: AbortSignal.timeout(60_000),
      });
      if (res.status >= 500) throw new Error(`the Transparency Database answered ${res.status}; retried`);
      if (!res.ok) {
        // Its answer names the fields it refused; statements hold no URLs or names, so it may be shown.
        const detail = (await res.text()).slice(0, 500);
        throw ApplicationFailure.nonRetryable(
          `the Transparency Database refused a batch (${res.status}): ${detail}`,
          'TRANSPARENCY_DB.REFUSED',
        );
      }
      await recordSubmissions(
        this.db,
        randomUUID(),
        pending.map((p, i) => ({ id: p.id, puid: String(statements[i].puid) })),
      );
      submitted += pending.length;
      batches += 1;
    }
    if (submitted) this.log.log({ submitted, batches }, 'statements of reasons submitted');
    return { submitted, batches };
  }

  async runRetention(input: { workflowId: string }): Promise<ScheduledRetentionResult> {
    const report = await runRetention(this.db, this.settings.retention, {
      actor: { kind: 'workflow', id: input.workflowId, name: 'retention schedule' },
    });
    return { now: report.now, rows: report.rows };
  }
}
