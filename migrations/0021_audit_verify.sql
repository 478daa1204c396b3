-- tenantguard 0021: audit chain verification in the database.
--
-- Walks one org's chain (org_id NULL = the system chain) in a single pass in
-- seq order and reports the first broken or missing link. Each org's chain
-- is braided from 16 gap-free lanes (see 0020): a row's predecessor is the
-- row at seq - 16. Lanes advance together, so in the walk that row is
-- almost always 16 rows back (lag(..., 16), cheaper than a RANGE frame);
-- the few rows for which it is not (the first row of each lane, rows near a
-- lane that lags or a gap) are checked one by one against the row at
-- seq - 16, the retention anchor or the lane's genesis. SECURITY INVOKER: the application
-- runs it inside the org's tenant transaction, so RLS lets it see that org's
-- rows, heads and anchors only.

CREATE OR REPLACE FUNCTION tenantguard.audit_verify_chain(p_org uuid, p_from bigint DEFAULT NULL, p_to bigint DEFAULT NULL)
RETURNS TABLE (ok boolean, checked bigint, broken_seq bigint, broken_id bigint, reason text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
-- The walk sorts one org's rows by seq (the partitions are by month, so an
-- Append is not in seq order): in memory, not in temporary files. And no
-- parallel workers: verifyChain already verifies ranges on several
-- connections, and workers scanning whole partitions made each range slower.
SET work_mem = '64MB'
SET max_parallel_workers_per_gather = 0
AS $fn$
DECLARE
  k uuid := coalesce(p_org, '00000000-0000-0000-0000-000000000000'::uuid);
  pred text := CASE WHEN p_org IS NULL THEN 'l.org_id IS NULL' ELSE 'l.org_id = $1' END;
  zero bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  heads bigint[];
  head_floor bigint;
  res record;
  hd record;
  p bigint;
  want bytea;
  lower_seq bigint;
  -- the first problem found so far (lowest broken seq wins)
  f_seq bigint;
  f_id bigint;
  f_reason text;
BEGIN
  -- heads[lane + 1] = the seq of the lane's head (NULL: no head row for that
  -- lane). head_floor: no row at or below it can be past its lane's head, so
  -- the walk looks the head up only above it (0 when a lane has no head).
  SELECT array_agg(h.seq ORDER BY l.lane), CASE WHEN count(h.seq) = 16 THEN min(h.seq) ELSE 0 END
    INTO heads, head_floor
    FROM generate_series(0, 15) AS l(lane)
    LEFT JOIN tenantguard.audit_chain_head h ON h.org_id = k AND h.lane = l.lane;
  IF head_floor = 0 AND heads = array_fill(NULL::bigint, ARRAY[16]) THEN
    heads := NULL;
  END IF;

  EXECUTE format($q$
    WITH w AS (
      SELECT l.id, l.seq, l.hash, l.prev_hash,
             tenantguard.audit_row_hash(l.prev_hash, l.id, l.org_id, l.seq, l.created_at, l.user_id, l.user_email,
               l.user_role, l.ip_address, l.user_agent, l.action, l.resource_type, l.resource_id, l.details,
               l.request_id, l.session_id) AS calc,
             lag(l.seq) OVER o AS before_seq,
             lag(l.seq, 16) OVER o AS pred_seq,
             lag(l.hash, 16) OVER o AS pred_hash
        FROM tenantguard.security_audit_log l
       WHERE %s AND l.seq BETWEEN coalesce($2::bigint, -9223372036854775807) AND coalesce($3::bigint, 9223372036854775807)
      WINDOW o AS (ORDER BY l.seq)
    ), c AS (
      SELECT w.seq, w.id, w.prev_hash, w.calc = w.hash AS hash_ok, CASE
          WHEN w.seq < 1 THEN 'seq'
          WHEN w.before_seq = w.seq THEN 'duplicate'
          WHEN w.seq > $5 AND ($4::bigint[])[((w.seq - 1) %% 16) + 1] IS NULL THEN 'nohead'
          WHEN w.seq > $5 AND w.seq > ($4::bigint[])[((w.seq - 1) %% 16) + 1] THEN 'beyond'
          WHEN w.pred_seq IS DISTINCT FROM w.seq - 16 THEN 'edge'
          WHEN w.prev_hash <> w.pred_hash THEN 'prev_hash'
          WHEN w.calc <> w.hash THEN 'hash'
        END AS why
        FROM w
    )
    SELECT count(*) AS n,
           (array_agg(ROW(c.seq, c.id, c.why)::text ORDER BY c.seq, c.id) FILTER (WHERE c.why IS NOT NULL AND c.why <> 'edge'))[1] AS first_bad,
           -- in any order: the loop below keeps the lowest broken seq
           array_agg(c.seq) FILTER (WHERE c.why = 'edge') AS edge_seq,
           array_agg(c.id) FILTER (WHERE c.why = 'edge') AS edge_id,
           array_agg(c.prev_hash) FILTER (WHERE c.why = 'edge') AS edge_prev,
           array_agg(c.hash_ok) FILTER (WHERE c.why = 'edge') AS edge_ok
      FROM c
  $q$, pred) INTO res USING p_org, p_from, p_to, heads, head_floor;

  checked := res.n;

  IF res.first_bad IS NOT NULL THEN
    DECLARE
      parts text[] := string_to_array(trim(both '()' FROM res.first_bad), ',');
      b_seq bigint := parts[1]::bigint;
      b_id bigint := parts[2]::bigint;
      why text := parts[3];
    BEGIN
      f_seq := b_seq; f_id := b_id;
      f_reason := CASE why
        WHEN 'seq' THEN format('seq: row id %s has an invalid seq %s', b_id, b_seq)
        WHEN 'duplicate' THEN format('duplicate: row id %s repeats seq %s', b_id, b_seq)
        WHEN 'nohead' THEN format('head: row id %s (seq %s) is in a lane that has no head', b_id, b_seq)
        WHEN 'beyond' THEN format('beyond head: row id %s (seq %s) is past the chain head %s', b_id, b_seq, heads[((b_seq - 1) % 16) + 1])
        WHEN 'prev_hash' THEN format('prev_hash: row id %s (seq %s) does not link to the previous row', b_id, b_seq)
        ELSE format('hash: row id %s (seq %s) does not match its content', b_id, b_seq)
      END;
    END;
  END IF;

  -- Rows whose lane predecessor is not 16 rows back in the walk: genesis, an
  -- anchor, the row at seq - 16 (before the range, or nearer in the walk when
  -- a lane lags), or missing. In a balanced chain there are 16 (one per
  -- lane), and each lookup is one index probe.
  IF res.edge_seq IS NOT NULL THEN
    FOR i IN 1 .. array_length(res.edge_seq, 1) LOOP
      p := res.edge_seq[i] - 16;
      want := NULL;
      IF p < 1 THEN
        want := zero;
      ELSE
        SELECT a.hash INTO want FROM tenantguard.audit_chain_anchor a WHERE a.org_id = k AND a.through_seq = p;
        IF want IS NULL THEN
          EXECUTE format('SELECT l.hash FROM tenantguard.security_audit_log l WHERE %s AND l.seq = $2 ORDER BY l.id LIMIT 1', pred)
            INTO want USING p_org, p;
        END IF;
      END IF;
      IF want IS NULL THEN
        -- Missing: from the lane's last surviving link below it.
        EXECUTE format('SELECT max(l.seq) FROM tenantguard.security_audit_log l WHERE %s AND l.seq < $2 AND (l.seq - 1) %% 16 = ($2 - 1) %% 16', pred)
          INTO lower_seq USING p_org, p;
        lower_seq := greatest(lower_seq,
          (SELECT max(a.through_seq) FROM tenantguard.audit_chain_anchor a WHERE a.org_id = k AND a.through_seq < p AND (a.through_seq - 1) % 16 = (p - 1) % 16),
          ((p - 1) % 16) + 1 - 16);
        IF f_seq IS NULL OR lower_seq + 16 < f_seq THEN
          f_seq := lower_seq + 16; f_id := res.edge_id[i];
          f_reason := format('missing: seq %s to %s absent before row id %s (seq %s)', lower_seq + 16, p, res.edge_id[i], res.edge_seq[i]);
        END IF;
      ELSIF (f_seq IS NULL OR res.edge_seq[i] < f_seq) AND res.edge_prev[i] <> want THEN
        f_seq := res.edge_seq[i]; f_id := res.edge_id[i];
        f_reason := format('prev_hash: row id %s (seq %s) does not link to the previous row', res.edge_id[i], res.edge_seq[i]);
      ELSIF (f_seq IS NULL OR res.edge_seq[i] < f_seq) AND NOT res.edge_ok[i] THEN
        f_seq := res.edge_seq[i]; f_id := res.edge_id[i];
        f_reason := format('hash: row id %s (seq %s) does not match its content', res.edge_id[i], res.edge_seq[i]);
      END IF;
    END LOOP;
  END IF;

  IF p_to IS NULL THEN
    -- The tails: each lane's head says how long the lane is; deleted last
    -- rows, or a changed last row, show up here.
    IF heads IS NULL AND res.n > 0 AND f_seq IS NULL THEN
      f_seq := 1; f_id := NULL; f_reason := 'head: the chain has rows but no head';
    END IF;
    FOR hd IN SELECT h.lane, h.seq, h.hash FROM tenantguard.audit_chain_head h WHERE h.org_id = k AND h.seq >= 1 ORDER BY h.seq LOOP
      EXECUTE format('SELECT l.hash FROM tenantguard.security_audit_log l WHERE %s AND l.seq = $2 ORDER BY l.id LIMIT 1', pred)
        INTO want USING p_org, hd.seq;
      IF want IS NULL THEN
        SELECT a.hash INTO want FROM tenantguard.audit_chain_anchor a WHERE a.org_id = k AND a.through_seq = hd.seq;
      END IF;
      IF want IS NULL THEN
        EXECUTE format('SELECT max(l.seq) FROM tenantguard.security_audit_log l WHERE %s AND l.seq < $2 AND (l.seq - 1) %% 16 = $3', pred)
          INTO lower_seq USING p_org, hd.seq, hd.lane;
        lower_seq := greatest(lower_seq,
          (SELECT max(a.through_seq) FROM tenantguard.audit_chain_anchor a WHERE a.org_id = k AND a.through_seq < hd.seq AND (a.through_seq - 1) % 16 = hd.lane),
          hd.lane + 1 - 16);
        IF f_seq IS NULL OR lower_seq + 16 < f_seq THEN
          f_seq := lower_seq + 16; f_id := NULL;
          f_reason := format('missing: seq %s to %s absent at the end of the chain (head is %s)', lower_seq + 16, hd.seq, hd.seq);
        END IF;
      ELSIF want <> hd.hash AND (f_seq IS NULL OR hd.seq < f_seq) THEN
        f_seq := hd.seq; f_id := NULL;
        f_reason := format('head: the last row (seq %s) does not match the chain head', hd.seq);
      END IF;
    END LOOP;
  END IF;

  ok := f_seq IS NULL;
  broken_seq := f_seq;
  broken_id := f_id;
  reason := f_reason;
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_verify_chain(uuid, bigint, bigint) IS
  'Verifies one org''s audit chain (NULL = system chain), all 16 lanes, over seq p_from..p_to or everything after the retention anchors; returns the first broken or missing link.';
GRANT EXECUTE ON FUNCTION tenantguard.audit_verify_chain(uuid, bigint, bigint) TO tenantguard_app;
