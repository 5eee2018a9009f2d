import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * What a caller may read of notices: everything, or (a restricted caller) the notices of the customers an account
 * manager manages and those a source reported. The API's `Visibility` is this type.
 */
export type NoticeScope =
  { all: true } | { all: false; accountManagerEmail?: string; source?: { kind: string; name: string } };

/** A scope that is a source's only: it reads its own reports of notices, not the notices as staff do. */
export function sourceOnly(
  v: NoticeScope,
): v is { all: false; source: { kind: string; name: string }; accountManagerEmail?: undefined } {
  return !v.all && !!v.source && !v.accountManagerEmail;
}

/**
 * The rows a restricted caller may see, as a condition on a query builder: an account manager the customers it
 * manages (and notices attributed to them), a source the notices it reported (first or as a later report).
 * A restricted caller with no scope sees nothing.
 */
export function onlyVisibleNotices<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  v: NoticeScope,
  n = 'n',
): SelectQueryBuilder<T> {
  if (v.all) return qb;
  const any: string[] = [];
  if (v.accountManagerEmail) {
    any.push(
      `${n}.customer_id IN (SELECT c_vis.id FROM customers c_vis WHERE c_vis.account_manager_email = :visEmail)`,
    );
  }
  if (v.source) {
    any.push(
      `EXISTS (SELECT 1 FROM notice_reports r_vis WHERE r_vis.notice_id = ${n}.id ` +
        `AND r_vis.source_kind = :visSourceKind AND r_vis.source_name = :visSourceName)`,
    );
  }
  return qb.andWhere(any.length ? `(${any.join(' OR ')})` : 'false', {
    visEmail: v.accountManagerEmail,
    visSourceKind: v.source?.kind,
    visSourceName: v.source?.name,
  });
}
