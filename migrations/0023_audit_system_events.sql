-- tenantguard 0023: system audit events (org_id NULL), e.g. a failed login
-- for an unknown org. The application writes them through this function
-- rather than through an INSERT policy: a NULL-org row must stay invisible
-- to every tenant, so INSERT ... RETURNING (which needs the row to pass the
-- SELECT policy) cannot work for it.

DROP POLICY IF EXISTS tenantguard_audit_system_insert ON tenantguard.security_audit_log;

CREATE OR REPLACE FUNCTION tenantguard.audit_record_system(
  p_user_id uuid, p_user_email text, p_user_role text, p_ip_address inet, p_user_agent text,
  p_action text, p_resource_type text, p_resource_id text, p_details jsonb, p_request_id text, p_session_id text)
RETURNS TABLE (id bigint, seq bigint, hash bytea, created_at timestamptz)
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  INSERT INTO tenantguard.security_audit_log AS l
    (org_id, user_id, user_email, user_role, ip_address, user_agent, action, resource_type, resource_id, details, request_id, session_id)
  VALUES (NULL, p_user_id, p_user_email, p_user_role, p_ip_address, p_user_agent, p_action, p_resource_type, p_resource_id,
          coalesce(p_details, '{}'::jsonb), p_request_id, p_session_id)
  RETURNING l.id, l.seq, l.hash, l.created_at
$fn$;
COMMENT ON FUNCTION tenantguard.audit_record_system(uuid, text, text, inet, text, text, text, text, jsonb, text, text) IS
  'Writes a system audit event (org_id NULL, readable by no tenant) and returns its chain position.';
REVOKE ALL ON FUNCTION tenantguard.audit_record_system(uuid, text, text, inet, text, text, text, text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.audit_record_system(uuid, text, text, inet, text, text, text, text, jsonb, text, text) TO tenantguard_app;
