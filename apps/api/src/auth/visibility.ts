import type { SelectQueryBuilder, ObjectLiteral } from 'typeorm';
import type { Visibility } from './principal';

/** The customers a restricted caller may see (the notices' rule, `onlyVisibleNotices`, is in libs/persistence). */
export function onlyVisibleCustomers<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  v: Visibility,
  c = 'c',
): SelectQueryBuilder<T> {
  if (v.all) return qb;
  return v.accountManagerEmail
    ? qb.andWhere(`${c}.account_manager_email = :visEmail`, { visEmail: v.accountManagerEmail })
    : qb.andWhere('false');
}
