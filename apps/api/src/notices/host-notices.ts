import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { NoticeEntity, NoticeRepository } from '@takedown/persistence';
import type { HostResolution } from '@takedown/intake';
import type { CreateNoticeDto } from './notice.dto';

/**
 * A report that named a host: one notice per customer holding one of its addresses, linked by a shared group; when no
 * customer holds any, one notice of the first address, or of none when the name did not resolve, which the desk
 * attributes as it does any unattributed notice. `create` stores one notice as intake does. The first notice keeps
 * the report's reference (so that the report sent again finds it); the others are told apart by their address.
 */
export async function storeResolved(
  notices: NoticeRepository,
  tx: EntityManager,
  dto: CreateNoticeDto,
  resolution: HostResolution,
  at: Date,
  create: (
    dto: CreateNoticeDto,
    row: Pick<NoticeEntity, 'host' | 'hostGroup'>,
  ) => Promise<{ noticeId: string }>,
): Promise<string> {
  const byCustomer = new Map<string, string>();
  for (const ip of resolution.addresses) {
    const customer = await notices.customerAt(tx, ip, at);
    if (customer && !byCustomer.has(customer)) byCustomer.set(customer, ip);
  }
  const ips: (string | undefined)[] = byCustomer.size ? [...byCustomer.values()] : [resolution.addresses[0]];
  const hostGroup = ips.length > 1 ? randomUUID() : null;
  const ids: string[] = [];
  for (const [n, ip] of ips.entries()) {
    const one = {
      ...dto,
      ip,
      sourceReference: n === 0 ? dto.sourceReference : `${dto.sourceReference}#${ip}`,
    } as CreateNoticeDto;
    const { noticeId } = await create(one, { host: resolution.host, hostGroup });
    await notices.insertEvent(tx, {
      noticeId,
      type: 'host_resolved',
      actor: 'system:intake',
      reason: null,
      occurredAt: new Date(resolution.resolvedAt),
      data: {
        host: resolution.host,
        resolver: resolution.resolver,
        addresses: resolution.addresses,
        ...(resolution.error ? { error: resolution.error } : {}),
        ...(ip ? { ip } : {}),
      },
      idempotencyKey: `host_resolved:${noticeId}`,
    });
    ids.push(noticeId);
  }
  return ids[0];
}
