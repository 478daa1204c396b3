-- tenantguard 0021: audit chain verification in the database.
--
-- Walks one org's chain in seq order (org_id NULL = the system chain) in a
-- single pass and reports the first broken or missing link. SECURITY INVOKER:
-- the application runs it inside the org's tenant transaction, so RLS lets it
-- see that org's rows, head and anchors only.

CREATE OR REPLACE FUNCTION tenantguard.audit_verify_chain(p_org uuid, p_from bigint DEFAULT NULL, p_to bigint DEFAULT NULL)
RETURNS TABLE (ok boolean, checked bigint, broken_seq bigint, broken_id bigint, reason text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  k uuid := coalesce(p_org, '00000000-0000-0000-0000-000000000000'::uuid);
  pred text := CASE WHEN p_org IS NULL THEN 'l.org_id IS NULL' ELSE 'l.org_id = $1' END;
  start_seq bigint := 0;
  start_hash bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  h_seq bigint;
  h_hash bytea;
  a_seq bigint;
  a_hash bytea;
  n bigint;
  bad record;
  last_seq bigint;
  last_hash bytea;
BEGIN
  -- Where the walk starts: the newest anchor at or before p_from - 1 (rows up
  -- to it were archived), else the row just before p_from, else genesis.
  SELECT a.through_seq, a.hash INTO a_seq, a_hash FROM tenantguard.audit_chain_anchor a
   WHERE a.org_id = k AND (p_from IS NULL OR a.through_seq <= p_from - 1)
   ORDER BY a.through_seq DESC LIMIT 1;
  IF a_seq IS NOT NULL THEN
    start_seq := a_seq;
    start_hash := a_hash;
  END IF;
  IF p_from IS NOT NULL AND p_from - 1 > start_seq THEN
    EXECUTE format('SELECT l.hash FROM tenantguard.security_audit_log l WHERE %s AND l.seq = $2 ORDER BY l.id LIMIT 1', pred)
      INTO last_hash USING p_org, p_from - 1;
    IF last_hash IS NULL THEN
      ok := false; checked := 0; broken_seq := p_from - 1; broken_id := NULL;
      reason := format('missing: seq %s (the link before the requested range) is not in the log', p_from - 1);
      RETURN NEXT; RETURN;
    END IF;
    start_seq := p_from - 1;
    start_hash := last_hash;
    last_hash := NULL;
  END IF;

  EXECUTE format($q$
    WITH w AS (
      SELECT l.id, l.seq, l.hash, l.prev_hash,
             tenantguard.audit_row_hash(l.prev_hash, l.id, l.org_id, l.seq, l.created_at, l.user_id, l.user_email,
               l.user_role, l.ip_address, l.user_agent, l.action, l.resource_type, l.resource_id, l.details,
               l.request_id, l.session_id) AS calc,
             coalesce(lag(l.seq) OVER o, $2) + 1 AS want_seq,
             coalesce(lag(l.hash) OVER o, $3) AS want_prev
        FROM tenantguard.security_audit_log l
       WHERE %s AND l.seq > $2 AND ($4::bigint IS NULL OR l.seq <= $4)
      WINDOW o AS (ORDER BY l.seq, l.id)
    ), c AS (
      SELECT w.*, CASE
          WHEN w.seq > w.want_seq THEN 'missing'
          WHEN w.seq < w.want_seq THEN 'duplicate'
          WHEN w.prev_hash <> w.want_prev THEN 'prev_hash'
          WHEN w.calc <> w.hash THEN 'hash'
        END AS why
        FROM w
    )
    SELECT count(*) AS n,
           (array_agg(ROW(c.seq, c.id, c.why, c.want_seq)::text ORDER BY c.seq, c.id) FILTER (WHERE c.why IS NOT NULL))[1] AS first_bad,
           max(c.seq) AS last_seq
      FROM c
  $q$, pred) INTO bad USING p_org, start_seq, start_hash, p_to;

  n := bad.n;
  checked := n;
  IF bad.first_bad IS NOT NULL THEN
    DECLARE
      parts text[] := string_to_array(trim(both '()' FROM bad.first_bad), ',');
      b_seq bigint := parts[1]::bigint;
      b_id bigint := parts[2]::bigint;
      why text := parts[3];
      want bigint := parts[4]::bigint;
    BEGIN
      ok := false;
      IF why = 'missing' THEN
        broken_seq := want; broken_id := b_id;
        reason := format('missing: seq %s to %s absent before row id %s (seq %s)', want, b_seq - 1, b_id, b_seq);
      ELSIF why = 'duplicate' THEN
        broken_seq := b_seq; broken_id := b_id;
        reason := format('duplicate: row id %s repeats seq %s', b_id, b_seq);
      ELSIF why = 'prev_hash' THEN
        broken_seq := b_seq; broken_id := b_id;
        reason := format('prev_hash: row id %s (seq %s) does not link to the previous row', b_id, b_seq);
      ELSE
        broken_seq := b_seq; broken_id := b_id;
        reason := format('hash: row id %s (seq %s) does not match its content', b_id, b_seq);
      END IF;
      RETURN NEXT; RETURN;
    END;
  END IF;

  IF p_to IS NULL THEN
    -- The tail: the head says how long the chain is; deleted last rows or an
    -- appended forgery show up here.
    SELECT h.seq, h.hash INTO h_seq, h_hash FROM tenantguard.audit_chain_head h WHERE h.org_id = k;
    last_seq := coalesce(bad.last_seq, start_seq);
    IF bad.last_seq IS NOT NULL THEN
      EXECUTE format('SELECT l.hash FROM tenantguard.security_audit_log l WHERE %s AND l.seq = $2 ORDER BY l.id DESC LIMIT 1', pred)
        INTO last_hash USING p_org, bad.last_seq;
    END IF;
    last_hash := coalesce(last_hash, start_hash);
    IF h_seq IS NULL AND last_seq > 0 THEN
      ok := false; broken_seq := 1; broken_id := NULL;
      reason := 'head: the chain has rows but no head';
      RETURN NEXT; RETURN;
    ELSIF h_seq IS NOT NULL AND h_seq > last_seq THEN
      ok := false; broken_seq := last_seq + 1; broken_id := NULL;
      reason := format('missing: seq %s to %s absent at the end of the chain (head is %s)', last_seq + 1, h_seq, h_seq);
      RETURN NEXT; RETURN;
    ELSIF h_seq IS NOT NULL AND h_seq < last_seq THEN
      ok := false; broken_seq := h_seq + 1;
      EXECUTE format('SELECT l.id FROM tenantguard.security_audit_log l WHERE %s AND l.seq = $2 ORDER BY l.id LIMIT 1', pred)
        INTO broken_id USING p_org, h_seq + 1;
      reason := format('beyond head: row id %s (seq %s) is past the chain head %s', broken_id, h_seq + 1, h_seq);
      RETURN NEXT; RETURN;
    ELSIF h_seq IS NOT NULL AND h_hash <> last_hash THEN
      ok := false; broken_seq := h_seq; broken_id := NULL;
      reason := format('head: the last row (seq %s) does not match the chain head', h_seq);
      RETURN NEXT; RETURN;
    END IF;
  END IF;
  ok := true; broken_seq := NULL; broken_id := NULL; reason := NULL;
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_verify_chain(uuid, bigint, bigint) IS
  'Verifies one org''s audit chain (NULL = system chain) from its latest anchor or p_from through p_to or the head; returns the first broken or missing link.';
GRANT EXECUTE ON FUNCTION tenantguard.audit_verify_chain(uuid, bigint, bigint) TO tenantguard_app;
