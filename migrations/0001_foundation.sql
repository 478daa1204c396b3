-- tenantguard 0001: the schema, the application role, the tenant context
-- function and enable_tenant_isolation().

CREATE SCHEMA IF NOT EXISTS tenantguard;
COMMENT ON SCHEMA tenantguard IS 'tenantguard: tenant isolation, RBAC, audit, vault. Managed by the tenantguard migration runner.';

-- The role the application's login role should be granted. NOLOGIN: you log in
-- as your own role and GRANT tenantguard_app TO it. NOSUPERUSER NOBYPASSRLS:
-- a superuser or BYPASSRLS role silently ignores every RLS policy, which is how
-- RLS ends up "deployed but inert".
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenantguard_app') THEN
    CREATE ROLE tenantguard_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  -- Roles are cluster-wide: a runner migrating another database of the same
  -- cluster at the same moment may have created it first.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA tenantguard TO tenantguard_app;

-- The transaction's org as uuid, or NULL (fail closed) when the setting is
-- unset, empty or not a canonical uuid. Never raises: a malformed value must
-- give zero rows, not a 22P02 error and never all rows.
CREATE OR REPLACE FUNCTION tenantguard.current_org_id()
RETURNS uuid
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v text := current_setting('app.current_org_id', true);
BEGIN
  IF v IS NULL OR v !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
    RETURN NULL;
  END IF;
  RETURN v::uuid;
END
$fn$;
COMMENT ON FUNCTION tenantguard.current_org_id() IS
  'The org of the current transaction (set by withTenant with set_config(..., true)), or NULL when none: NULL matches no row.';
GRANT EXECUTE ON FUNCTION tenantguard.current_org_id() TO tenantguard_app;

-- Turns on database-enforced tenant isolation for one table. Idempotent.
CREATE OR REPLACE FUNCTION tenantguard.enable_tenant_isolation(tbl regclass, tenant_column name DEFAULT 'org_id')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  col_num smallint;
  col_type oid;
  policy_name constant name := 'tenantguard_isolation';
  predicate text;
  seq record;
BEGIN
  SELECT a.attnum, a.atttypid INTO col_num, col_type
  FROM pg_attribute a
  WHERE a.attrelid = tbl AND a.attname = tenant_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF col_num IS NULL THEN
    RAISE EXCEPTION 'tenantguard: table % has no column %', tbl, tenant_column
      USING ERRCODE = 'undefined_column',
            HINT = 'Pass the tenant column name as the second argument.';
  END IF;
  IF col_type <> 'uuid'::regtype THEN
    RAISE EXCEPTION 'tenantguard: %.% is %, not uuid', tbl, tenant_column, col_type::regtype
      USING ERRCODE = 'datatype_mismatch',
            HINT = 'Tenant columns must be uuid so the policy compares uuid to uuid and can use an index.';
  END IF;

  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  -- FORCE: without it the table owner bypasses the policy.
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);

  -- The column is compared, uncast, to a one-time initplan: PostgreSQL can use
  -- an index leading with the tenant column. Never cast the column to text.
  predicate := format('%I = (SELECT tenantguard.current_org_id())', tenant_column);
  -- Drop and recreate (same transaction, so never a moment without it):
  -- ALTER POLICY cannot change a drifted command (FOR SELECT) or kind
  -- (RESTRICTIVE), and re-running must restore exactly this policy.
  EXECUTE format('DROP POLICY IF EXISTS %I ON %s', policy_name, tbl);
  EXECUTE format('CREATE POLICY %I ON %s AS PERMISSIVE FOR ALL TO PUBLIC USING (%s) WITH CHECK (%s)',
                 policy_name, tbl, predicate, predicate);

  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO tenantguard_app', tbl);
  -- TRUNCATE ignores RLS (it empties every org's rows); REFERENCES lets the
  -- app build a foreign key that probes other orgs' keys; TRIGGER runs code
  -- as the table is touched. The app role needs none of them.
  EXECUTE format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON %s FROM tenantguard_app', tbl);
  -- serial / identity columns: INSERT needs the sequence too.
  FOR seq IN
    SELECT d.objid::regclass AS s
    FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
    WHERE d.refobjid = tbl AND d.classid = 'pg_class'::regclass AND c.relkind = 'S' AND d.deptype IN ('a', 'i')
  LOOP
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO tenantguard_app', seq.s);
  END LOOP;

  -- A partial or not-yet-valid index does not serve every tenant query.
  IF NOT EXISTS (SELECT 1 FROM pg_index i
                 WHERE i.indrelid = tbl AND i.indkey[0] = col_num AND i.indisvalid AND i.indpred IS NULL) THEN
    RAISE NOTICE 'tenantguard: no index on % leads with %', tbl, tenant_column
      USING HINT = format('CREATE INDEX ON %s (%I, ...) so tenant queries do not scan every org''s rows.', tbl, tenant_column);
  END IF;
END
$fn$;
COMMENT ON FUNCTION tenantguard.enable_tenant_isolation(regclass, name) IS
  'Enables and forces RLS on a table, creates the tenantguard_isolation policy (USING and WITH CHECK on the uuid tenant column), grants the table to tenantguard_app, and warns when no index leads with the tenant column. Idempotent.';
