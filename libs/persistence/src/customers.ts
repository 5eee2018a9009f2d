import type { EntityManager } from 'typeorm';
import { DomainError } from '@takedown/domain';

/**
 * A reseller relation must point at an existing customer and must not loop: a customer cannot be placed under
 * itself or under one of its own end customers. `field` names the input that carried the parent.
 */
export async function assertParentAllowed(
  em: EntityManager,
  parentId: string,
  childId: string | null,
  field: string,
): Promise<void> {
  const [found] = (await em.query(
    `WITH RECURSIVE up(id, parent_id) AS (
       SELECT id, parent_id FROM customers WHERE id = $1
       UNION SELECT c.id, c.parent_id FROM customers c JOIN up ON c.id = up.parent_id)
     SELECT count(*)::int AS chain, count(*) FILTER (WHERE id = $2)::int AS loops FROM up`,
    [parentId, childId],
  )) as { chain: number; loops: number }[];
  if (found.chain === 0) throw new DomainError('CUSTOMER.UNKNOWN_PARENT', `no customer ${parentId}`, field);
  if (found.loops > 0) {
    throw new DomainError(
      'CUSTOMER.PARENT_CYCLE',
      'a customer cannot be placed under itself or under one of its end customers',
      field,
    );
  }
}
