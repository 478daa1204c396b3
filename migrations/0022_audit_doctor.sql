-- tenantguard 0022: tenantguard.audit_doctor(), the live check that the audit
-- log's protections are in force. The isolation proof calls it when it
-- exists; keep the signature. It reads the catalog, never intentions.

CREATE OR REPLACE FUNCTION tenantguard.audit_doctor()
RETURNS TABLE (code text, ok boolean, detail text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  parent regclass := to_regclass('tenantguard.security_audit_log');
  bad text;
  rels oid[];
  parts oid[];
  app oid[];
BEGIN
  IF parent IS NULL THEN
    code := 'audit.table'; ok := false; detail := 'tenantguard.security_audit_log does not exist';
    RETURN NEXT; RETURN;
  END IF;
  code := 'audit.table'; ok := true; detail := 'tenantguard.security_audit_log exists';
  RETURN NEXT;

  -- The relations that make up the log: parent, partitions, heads, anchors.
  SELECT array_agg(i.inhrelid) INTO parts FROM pg_inherits i WHERE i.inhparent = parent;
  parts := coalesce(parts, '{}');
  rels := ARRAY[parent::oid] || parts
          || ARRAY(SELECT c.oid FROM pg_class c
                    WHERE c.oid IN (to_regclass('tenantguard.audit_chain_head'), to_regclass('tenantguard.audit_chain_anchor')));
  -- Roles that act as the application: tenantguard_app and every
  -- non-superuser member of it (a superuser app login is the isolation
  -- proof's finding, not ours).
  SELECT array_agg(r.oid) INTO app FROM pg_roles r
   WHERE r.rolname = 'tenantguard_app'
      OR (NOT r.rolsuper AND pg_has_role(r.oid, 'tenantguard_app', 'MEMBER'));
  app := coalesce(app, '{}');

  SELECT string_agg(format('%s is owned by %s', x.rel::regclass, a.rolname), '; ') INTO bad
    FROM unnest(rels) AS x(rel) JOIN pg_class c ON c.oid = x.rel JOIN pg_roles a ON a.oid = c.relowner
   WHERE a.oid = ANY (app);
  code := 'audit.owner'; ok := bad IS NULL;
  detail := coalesce(bad, 'no audit relation is owned by tenantguard_app or a member of it');
  RETURN NEXT;

  SELECT string_agg(format('%s holds %s on %s', a.rolname, p.priv, x.rel::regclass), '; ') INTO bad
    FROM unnest(rels) AS x(rel)
    CROSS JOIN pg_roles a
    CROSS JOIN (VALUES ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(priv)
   WHERE a.oid = ANY (app) AND has_table_privilege(a.oid, x.rel, p.priv);
  code := 'audit.privileges'; ok := bad IS NULL;
  detail := coalesce(bad, 'tenantguard_app and its members hold no UPDATE, DELETE or TRUNCATE on the audit log');
  RETURN NEXT;

  SELECT string_agg(format('%s holds %s on partition %s', a.rolname, p.priv, x.rel::regclass), '; ') INTO bad
    FROM unnest(parts) AS x(rel)
    CROSS JOIN pg_roles a
    CROSS JOIN (VALUES ('SELECT'), ('INSERT')) AS p(priv)
   WHERE a.oid = ANY (app) AND has_table_privilege(a.oid, x.rel, p.priv);
  IF bad IS NULL THEN
    SELECT string_agg(format('PUBLIC holds %s on %s', e.privilege_type, x.rel::regclass), '; ') INTO bad
      FROM unnest(rels) AS x(rel) JOIN pg_class c ON c.oid = x.rel, aclexplode(c.relacl) e
     WHERE e.grantee = 0;
  END IF;
  code := 'audit.direct_access'; ok := bad IS NULL;
  detail := coalesce(bad, 'partitions are reachable by the application only through the parent (its RLS policy applies); nothing is granted to PUBLIC');
  RETURN NEXT;

  SELECT string_agg(m.msg, '; ') INTO bad FROM (
    SELECT format('%s: trigger %s is missing', x.rel::regclass, want.tg) AS msg
      FROM unnest(ARRAY[parent::oid] || parts) AS x(rel)
      CROSS JOIN (VALUES ('tenantguard_audit_chain'), ('tenantguard_audit_immutable'),
                         ('tenantguard_audit_flush'), ('tenantguard_audit_no_truncate')) AS want(tg)
     WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = x.rel AND t.tgname = want.tg)
    UNION ALL
    SELECT format('%s: trigger %s is %s', t.tgrelid::regclass, t.tgname,
                  CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'O' THEN 'enabled but silenced by session_replication_role=replica'
                                   WHEN 'R' THEN 'enabled for replicas only' ELSE t.tgenabled::text END)
      FROM pg_trigger t
     WHERE t.tgrelid = ANY (ARRAY[parent::oid] || parts) AND t.tgname LIKE 'tenantguard_audit_%' AND t.tgenabled <> 'A'
  ) m;
  code := 'audit.triggers'; ok := bad IS NULL;
  detail := coalesce(bad, 'every audit trigger exists on the parent and every partition and is ENABLE ALWAYS');
  RETURN NEXT;

  SELECT string_agg(format('%s: row level security is %s', c.oid::regclass,
                           CASE WHEN c.relrowsecurity THEN 'not forced' ELSE 'disabled' END), '; ') INTO bad
    FROM pg_class c
   WHERE c.oid = ANY (rels) AND NOT (c.relrowsecurity AND c.relforcerowsecurity);
  IF bad IS NULL AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = parent AND p.polname = 'tenantguard_isolation') THEN
    bad := 'tenantguard.security_audit_log has no tenantguard_isolation policy';
  END IF;
  code := 'audit.rls'; ok := bad IS NULL;
  detail := coalesce(bad, 'row level security is enabled and forced on the audit log, its partitions, heads and anchors');
  RETURN NEXT;

  SELECT string_agg(to_char(m, 'YYYY-MM'), ', ') INTO bad
    FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                         date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month', interval '1 month') AS m
   WHERE to_regclass('tenantguard.security_audit_log_p' || to_char(m, 'YYYYMM')) IS NULL;
  code := 'audit.partitions_ahead'; ok := bad IS NULL;
  detail := CASE WHEN bad IS NULL THEN 'partitions exist for this month and the next'
                 ELSE 'no partition for ' || bad || ': run the retention job (it creates partitions ahead)' END;
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_doctor() IS
  'Checks the audit log''s protections from the live catalog: ownership, privileges of tenantguard_app and its members, triggers present and ENABLE ALWAYS on every partition, RLS, partitions ahead.';
REVOKE ALL ON FUNCTION tenantguard.audit_doctor() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.audit_doctor() TO tenantguard_app;
