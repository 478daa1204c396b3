/**
 * Reading a deparsed RLS policy expression (pg_get_expr of pg_policy.polqual)
 * to tell whether it binds rows to the tenant and whether an index on the
 * tenant column can serve it.
 *
 * @module tenancy
 */

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * How the column appears in deparsed SQL: `quote_ident(column)` as PostgreSQL
 * prints it (bare when it is a plain lowercase identifier, else double-quoted).
 */
export function deparsedColumn(column: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(column) ? column : `"${column.replace(/"/g, '""')}"`;
}

/**
 * True when the expression casts the tenant column (`(org_id)::text`), which
 * makes an index on the column useless for the policy (the seeds' form).
 */
export function castsColumn(expr: string, column: string): boolean {
  const col = escapeRegExp(deparsedColumn(column));
  return new RegExp(`(^|[^\\w."])\\(?${col}\\)?\\s*::`).test(expr);
}

/** True when the expression compares the uncast column with `=` or `IN (...)`. */
export function comparesColumn(expr: string, column: string): boolean {
  const col = escapeRegExp(deparsedColumn(column));
  const left = new RegExp(`(^|[^\\w."])${col}\\s*(=|IN\\s*\\()`, 'i');
  const right = new RegExp(`=\\s*${col}($|[^\\w"(:])`);
  return left.test(expr) || right.test(expr);
}

/** True when the expression reads the transaction's tenant. */
export function readsTenantContext(expr: string): boolean {
  return /current_org_id\(\)/.test(expr) || /current_setting\('app\.current_org_id'/.test(expr);
}

/**
 * A policy is index-friendly when its USING expression compares the tenant
 * column, uncast, to the tenant context: `org_id = (SELECT
 * tenantguard.current_org_id())` is; `org_id::text = current_setting(...)`
 * is not (every row's column is cast and compared as text).
 */
export function isIndexFriendly(expr: string | null, column: string): boolean {
  if (expr === null) return false;
  return comparesColumn(expr, column) && !castsColumn(expr, column) && readsTenantContext(expr);
}

/** A policy binds rows to the tenant when USING mentions the column and the tenant context. */
export function isTenantBound(expr: string | null, column: string): boolean {
  if (expr === null) return false;
  const col = escapeRegExp(deparsedColumn(column));
  return new RegExp(`(^|[^\\w."])${col}($|[^\\w"])`).test(expr) && readsTenantContext(expr);
}

/** PostgreSQL's boolean reloption spellings (`security_invoker=on`, `=true`, `=1`, ...). */
export function reloptionIsTrue(options: readonly string[] | null, name: string): boolean {
  for (const opt of options ?? []) {
    const eq = opt.indexOf('=');
    if (eq < 0 || opt.slice(0, eq).toLowerCase() !== name) continue;
    return /^(t|tr|tru|true|on|y|ye|yes|1)$/i.test(opt.slice(eq + 1));
  }
  return false;
}

/** True when a WITH CHECK admits only rows whose tenant column is NULL (`(org_id IS NULL)`). */
export function isNullTenantOnly(expr: string, column: string): boolean {
  const col = escapeRegExp(deparsedColumn(column));
  return new RegExp(`^\\(*${col} IS NULL\\)*$`).test(expr.trim());
}
