-- tenantguard 0024: a guard record() uses so that an audit row written with
-- no tenant in the transaction fails instead of becoming a system event:
-- VALUES (coalesce(tenantguard.current_org_id(), tenantguard.audit_require_tenant()), ...).
-- coalesce() only calls it when there is no org, so it costs nothing otherwise.

CREATE OR REPLACE FUNCTION tenantguard.audit_require_tenant()
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION 'tenantguard: audit record() needs a tenant transaction (no org is set)'
    USING ERRCODE = 'insufficient_privilege', HINT = 'Call it inside withTenant(pool, orgId, ...).', DETAIL = 'tenantguard:AUDIT_NO_TENANT';
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_require_tenant() IS
  'Raises: used by the audit writer when no tenant is set in the transaction.';
REVOKE ALL ON FUNCTION tenantguard.audit_require_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.audit_require_tenant() TO tenantguard_app;
