import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Category } from '@takedown/domain';
import { NoticeEntity, NoticeReportEntity } from '@takedown/persistence';
import type { NoticeWorkflowInput } from '@takedown/workflows/notice.workflow';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';

/** Stores a notice row (and its report) as intake would, and returns the workflow input that goes with it. */
export async function storeNotice(
  db: DataSource,
  opts: { category?: Category; ip?: string | null; receivedAt?: Date; sourceContact?: string } = {},
): Promise<{ notice: NoticeEntity; input: NoticeWorkflowInput }> {
  const category = opts.category ?? 'csam';
  const id = randomUUID();
  const receivedAt = opts.receivedAt ?? new Date();
  const source = {
    sourceKind: 'hotline' as const,
    sourceName: 'Example Hotline',
    sourceReference: `test-${id}`,
  };
  const notice = await db.getRepository(NoticeEntity).save({
    id,
    ...source,
    sourceContact: opts.sourceContact ?? 'reports@hotline.example',
    category,
    urls: ['https://files.tenant-a.example/gallery/8f1c2e'],
    ip: opts.ip === undefined ? '198.51.100.23' : opts.ip,
    observedAt: null,
    receivedAt,
    workflowId: noticeWorkflowId(id),
    hashes: {},
    description: null,
  });
  await db
    .getRepository(NoticeReportEntity)
    .save({ ...source, noticeId: id, sourceContact: notice.sourceContact, receivedAt });
  return { notice, input: { version: 1, noticeId: id, category, receivedAt: receivedAt.toISOString() } };
}
