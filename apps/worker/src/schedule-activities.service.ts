import { appendFile } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  lastAuditHead,
  readAuditHead,
  recordAuditHead,
  runRetention,
  signAuditHead,
  type RetentionPolicy,
} from '@takedown/persistence';
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
  ) {}
}

@Injectable()
export class ScheduleActivitiesService implements ScheduleActivities {
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

  async runRetention(input: { workflowId: string }): Promise<ScheduledRetentionResult> {
    const report = await runRetention(this.db, this.settings.retention, {
      actor: { kind: 'workflow', id: input.workflowId, name: 'retention schedule' },
    });
    return { now: report.now, rows: report.rows };
  }
}
