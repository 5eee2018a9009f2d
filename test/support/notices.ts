import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DEMO_POLICY, type Category, type CategoryPolicy } from '@takedown/domain';
import { NoticeEntity } from '@takedown/persistence';
import type { NoticeWorkflowInput } from '@takedown/workflows/notice.workflow';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';

/** Stores a notice row as intake would, and returns the workflow input that goes with it. */
export async function storeNotice(
  db: DataSource,
  opts: { category?: Category; timers?: CategoryPolicy } = {},
): Promise<{ notice: NoticeEntity; input: NoticeWorkflowInput }> {
  const category = opts.category ?? 'csam';
  const timers = opts.timers ?? DEMO_POLICY.categories[category];
  const id = randomUUID();
  const receivedAt = new Date();
  const notice = await db.getRepository(NoticeEntity).save({
    id,
    sourceKind: 'hotline',
    sourceName: 'Example Hotline',
    sourceReference: `test-${id}`,
    category,
    urls: ['https://files.tenant-a.example/gallery/8f1c2e'],
    ip: '198.51.100.23',
    observedAt: null,
    receivedAt,
    deadline: null,
    policyId: 'test',
    policyVersion: 1,
    workflowId: noticeWorkflowId(id),
    hashes: {},
    description: null,
  });
  return {
    notice,
    input: {
      version: 1,
      noticeId: id,
      category,
      receivedAt: receivedAt.toISOString(),
      policy: { id: 'test', version: 1, timers },
    },
  };
}
