import { randomUUID } from 'node:crypto';
import type { IntakeExtras } from '@takedown/intake';
import type { NoticeEntity, NoticeReportEntity, ReportDetails } from '@takedown/persistence';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import type { CreateNoticeDto } from './notice.dto';

/** The rows a new notice is stored as, for the single and the batch intake alike; the id is made here. */
export function newNoticeRows(
  dto: CreateNoticeDto,
  extras: IntakeExtras,
  receivedAt: Date,
): { notice: Partial<NoticeEntity> & { id: string }; report: Partial<NoticeReportEntity> } {
  const id = randomUUID();
  return {
    notice: {
      id,
      workflowId: noticeWorkflowId(id),
      sourceKind: dto.source.kind,
      sourceName: dto.source.name,
      sourceReference: dto.sourceReference,
      sourceContact: dto.source.contact ?? null,
      category: dto.category,
      urls: dto.urls,
      ip: dto.ip ?? null,
      observedAt: dto.observedAt ? new Date(dto.observedAt) : null,
      receivedAt,
      hashes: {
        ...dto.hashes,
        ...Object.fromEntries((extras.evidenceHashes ?? []).map((h, n) => [`evidence.${n}`, h])),
      },
      description: dto.description ?? null,
      reportedType: extras.reportedType ?? null,
      reportDetails: (extras.reportDetails as ReportDetails | undefined) ?? null,
      originalText: extras.originalText ?? null,
      ...(extras.needsTriage ? { state: 'needs_triage' as const } : {}),
    },
    report: reportRow(dto, id, receivedAt),
  };
}

/**
 * One report of a notice: the first, or a later one of the same URL that joined it. `noticeUrls`: the notice's URLs,
 * of which the report named those it has (their positions are kept: a source is shown the URLs it reported only).
 */
export function reportRow(
  dto: CreateNoticeDto,
  noticeId: string,
  receivedAt: Date,
  noticeUrls: string[] = dto.urls,
): Partial<NoticeReportEntity> {
  const named = new Set(dto.urls);
  return {
    noticeId,
    sourceKind: dto.source.kind,
    sourceName: dto.source.name,
    sourceReference: dto.sourceReference,
    sourceContact: dto.source.contact ?? null,
    designationReference: dto.source.designationReference ?? null,
    designatingAuthority: dto.source.designatingAuthority ?? null,
    receivedAt,
    urlPositions: noticeUrls.flatMap((url, n) => (named.has(url) ? [n + 1] : [])),
  };
}

/** The audit row of a submission: who reported, not their contact address (the trail outlives retention). */
export function submitAudit(dto: CreateNoticeDto, extras: IntakeExtras, noticeId: string, channel: string) {
  return {
    action: 'notice.submit',
    target: { type: 'notice', id: noticeId },
    summary: {
      source: { kind: dto.source.kind, name: dto.source.name },
      sourceReference: dto.sourceReference,
      category: dto.category,
      urls: dto.urls.length,
      channel: extras.channel ?? channel,
      after: { state: extras.needsTriage ? 'needs_triage' : 'received' },
    },
  };
}
