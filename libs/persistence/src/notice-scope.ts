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

/** How a condition names a value: a placeholder for it (`:name` for a query builder, `$n` for plain SQL). */
export type SqlRef = (name: string, value: unknown) => string;

/**
 * The rows a restricted caller may see, as a condition on notices (alias `n`): an account manager the customers it
 * manages (and notices attributed to them), a source the notices it reported (first or as a later report). A
 * restricted caller with no scope sees nothing. Null: no condition (everything).
 */
export function visibleNoticesCondition(v: NoticeScope, n: string, ref: SqlRef): string | null {
  if (v.all) return null;
  const any: string[] = [];
  if (v.accountManagerEmail) {
    any.push(
      `${n}.customer_id IN (SELECT c_vis.id FROM customers c_vis WHERE c_vis.account_manager_email = ${ref('visEmail', v.accountManagerEmail)})`,
    );
  }
  if (v.source) {
    any.push(
      `EXISTS (SELECT 1 FROM notice_reports r_vis WHERE r_vis.notice_id = ${n}.id ` +
        `AND r_vis.source_kind = ${ref('visSourceKind', v.source.kind)} ` +
        `AND r_vis.source_name = ${ref('visSourceName', v.source.name)})`,
    );
  }
  return any.length ? `(${any.join(' OR ')})` : 'false';
}

/** `visibleNoticesCondition` on a query builder. */
export function onlyVisibleNotices<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  v: NoticeScope,
  n = 'n',
): SelectQueryBuilder<T> {
  const params: Record<string, unknown> = {};
  const condition = visibleNoticesCondition(v, n, (name, value) => {
    params[name] = value;
    return `:${name}`;
  });
  return condition ? qb.andWhere(condition, params) : qb;
}
