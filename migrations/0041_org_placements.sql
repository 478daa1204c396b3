-- tenantguard 0041: the placement directory (issue 7, layer 3).
--
-- Where each org lives when it is not in the shared tables, so that every
-- application instance's tenant router sees a move. Only the placement kind,
-- the schema name and a target NAME are stored (the application maps target
-- names to its own pools): no connection strings, no credentials.
--
-- The column is `placed_org`, not `org_id`: this is not tenant data, and the
-- application role reads it only through tenantguard.org_placement(org),
-- one org at a time. Written by the migration (owner) role.

CREATE TABLE IF NOT EXISTS tenantguard.org_placements (
  placed_org  uuid        PRIMARY KEY,
  kind        text        NOT NULL CHECK (kind IN ('schema', 'database')),
  schema_name text        CHECK (schema_name ~ '^[a-z_][a-z0-9_]{0,47}$'),
  target      text        CHECK (target ~ '^[A-Za-z0-9_.-]{1,64}$'),
  updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_by  text        NOT NULL DEFAULT current_user,
  CHECK ((kind = 'schema' AND schema_name IS NOT NULL AND target IS NULL)
      OR (kind = 'database' AND target IS NOT NULL AND schema_name IS NULL))
);
ALTER TABLE tenantguard.org_placements OWNER TO tenantguard_definer;
REVOKE ALL ON tenantguard.org_placements FROM PUBLIC;

-- One org's placement (no row: the org is in the shared tables).
CREATE OR REPLACE FUNCTION tenantguard.org_placement(p_org uuid)
RETURNS TABLE (kind text, schema_name text, target text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT p.kind, p.schema_name, p.target FROM tenantguard.org_placements p WHERE p.placed_org = p_org
$fn$;
ALTER FUNCTION tenantguard.org_placement(uuid) OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.org_placement(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.org_placement(uuid) TO tenantguard_app;
