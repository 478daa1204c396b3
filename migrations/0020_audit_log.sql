-- tenantguard 0020: the append-only, hash-chained security audit log.
--
-- tenantguard.security_audit_log is partitioned by month on created_at. Every
-- row carries a per-org sequence number (seq), the hash of the previous row
-- of its chain (prev_hash) and its own hash = sha256(prev_hash || canonical
-- row text), all computed HERE by a SECURITY DEFINER trigger: whatever the
-- application sends for id, seq, prev_hash or hash is overwritten.
--
-- Performance design (see docs/guides/audit.md):
--  * one chain per org, so orgs never wait on each other;
--  * each org's chain is braided from 16 lanes. Lane L holds the seqs
--    L+1, L+17, L+33, ... with no gaps: its n-th row has seq (n-1)*16 + L + 1
--    and links to the lane's previous row, seq - 16. A writer takes the
--    least advanced lane no one else holds (FOR UPDATE SKIP LOCKED), so up to
--    16 transactions of one org chain at once and commit together (a single
--    head would hold every writer of the org through the previous one's
--    COMMIT, WAL flush included). One writer at a time fills the lanes in
--    turn and gets seq 1, 2, 3, ...;
--  * a lane's head (last seq and hash) lives in audit_chain_head and is
--    locked once per org per transaction; later rows of the same transaction
--    stay in that lane and read the head from a transaction-local setting (a
--    cache that PostgreSQL itself reverts on ROLLBACK and ROLLBACK TO
--    SAVEPOINT), so a 50,000-row statement is one lock and one head update,
--    not 50,000;
--  * the head row is written back once per statement (AFTER STATEMENT).
--
-- Immutability: BEFORE UPDATE/DELETE row triggers and a BEFORE TRUNCATE
-- statement trigger on the parent and on every partition, ENABLEd ALWAYS so
-- session_replication_role = replica does not silence them either.

-- ---------------------------------------------------------------------------
-- tables
-- ---------------------------------------------------------------------------
CREATE SEQUENCE IF NOT EXISTS tenantguard.security_audit_log_id_seq AS bigint;

CREATE TABLE IF NOT EXISTS tenantguard.security_audit_log (
  id            bigint      NOT NULL,
  org_id        uuid,
  user_id       uuid,
  user_email    text,
  user_role     text,
  ip_address    inet,
  user_agent    text,
  action        text        NOT NULL,
  resource_type text        NOT NULL,
  resource_id   text,
  details       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  request_id    text,
  session_id    text,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  seq           bigint      NOT NULL,
  prev_hash     bytea       NOT NULL,
  hash          bytea       NOT NULL
) PARTITION BY RANGE (created_at);
COMMENT ON TABLE tenantguard.security_audit_log IS
  'Append-only security audit log, one hash chain per org (org_id NULL = the system chain). Rows leave only through the retention job, which archives them first and keeps an anchor.';

-- One index serves the chain walk (a lane's previous row is at seq - 16),
-- keyset pagination and the org filter of every query.
CREATE INDEX IF NOT EXISTS security_audit_log_org_seq ON tenantguard.security_audit_log (org_id, seq);

-- The heads of each org's 16 lanes, created together on the org's first row.
-- org_id is the nil uuid for the system chain. An unused lane's seq is
-- lane + 1 - 16 (its first row gets lane + 1) and its hash is all zeros.
CREATE TABLE IF NOT EXISTS tenantguard.audit_chain_head (
  org_id  uuid        NOT NULL,
  lane    smallint    NOT NULL CHECK (lane BETWEEN 0 AND 15),
  seq     bigint      NOT NULL,
  hash    bytea       NOT NULL,
  prev_hash bytea     NOT NULL,
  last_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, lane)
);
COMMENT ON TABLE tenantguard.audit_chain_head IS
  'Last seq and hash of each lane of each org''s audit chain (nil uuid = system chain). Written only by the audit triggers.';

-- What retention archived: the chain of what remains starts after the anchor.
CREATE TABLE IF NOT EXISTS tenantguard.audit_chain_anchor (
  org_id         uuid        NOT NULL,
  through_seq    bigint      NOT NULL,
  hash           bytea       NOT NULL,
  first_seq      bigint      NOT NULL,
  prev_hash      bytea       NOT NULL,
  row_count      bigint      NOT NULL,
  partition_name text        NOT NULL,
  archive_sha256 text        NOT NULL,
  archived_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (org_id, through_seq)
);
COMMENT ON TABLE tenantguard.audit_chain_anchor IS
  'One row per org lane per archived audit partition: the archived seq range of the lane, the hash before it and the last hash in it.';

-- ---------------------------------------------------------------------------
-- the canonical row text that is hashed
-- ---------------------------------------------------------------------------
-- hash = sha256(prev_hash || created_at as 8 bytes (timestamptz_send: big-endian
-- microseconds since 2000-01-01 UTC, independent of DateStyle and TimeZone) ||
-- UTF-8 of the record text of the other columns). record_out quotes and
-- escapes fields, so the encoding is injective; jsonb, uuid, inet and bigint
-- have one text form each.
CREATE OR REPLACE FUNCTION tenantguard.audit_ts(ts timestamptz)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE OR REPLACE FUNCTION tenantguard.audit_row_hash(
  prev bytea, id bigint, org_id uuid, seq bigint, created_at timestamptz,
  user_id uuid, user_email text, user_role text, ip_address inet, user_agent text,
  action text, resource_type text, resource_id text, details jsonb,
  request_id text, session_id text)
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT sha256(prev || timestamptz_send(created_at) || convert_to(ROW(id, org_id, seq,
    user_id, user_email, user_role, ip_address, user_agent, action, resource_type,
    resource_id, details, request_id, session_id)::text, 'UTF8'))
$$;
COMMENT ON FUNCTION tenantguard.audit_row_hash(bytea, bigint, uuid, bigint, timestamptz, uuid, text, text, inet, text, text, text, text, jsonb, text, text) IS
  'sha256(prev_hash || UTF-8 of the row''s canonical record text). The JavaScript archive verifier reproduces it byte for byte.';

-- ---------------------------------------------------------------------------
-- triggers
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION tenantguard.audit_chain_row()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  k uuid := coalesce(NEW.org_id, '00000000-0000-0000-0000-000000000000'::uuid);
  o text;        -- the orgs written in this transaction, 32 hex digits and a comma each
  hx text;
  slot int;
  g text;        -- this org's lane state in this transaction (setting name)
  st text;       -- 'i,f,lanes': next index into lanes; 1 = no more free lanes to take; the lanes held, in use order, one hex digit each
  lanes text;
  i int;
  use_lane int;
  c text;        -- a held lane's head: 'seq,hash hex,created_at'
  t text;
  f_lane int;
  f_seq bigint;
  f_hash bytea;
  f_at timestamptz;
  routed timestamptz := NEW.created_at;
BEGIN
  -- created_at: the database's clock. Only a superuser session that sets
  -- tenantguard.audit_backdate = 'on' (imports, tests) may supply a past time.
  IF routed < now() OR routed > clock_timestamp() THEN
    IF NOT (coalesce(current_setting('tenantguard.audit_backdate', true), '') = 'on'
            AND (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user)) THEN
      RAISE EXCEPTION 'tenantguard: security_audit_log.created_at is set by the database'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Do not pass created_at; only a superuser import with tenantguard.audit_backdate=on may.';
    END IF;
  END IF;
  NEW.id := nextval('tenantguard.security_audit_log_id_seq');
  -- The transaction's orgs get slots in order of their first row, and the
  -- settings are named by slot ('tenantguard_audit.s0', '...s0l5'), not by
  -- org: a placeholder setting, once created, lives as long as the session,
  -- and PostgreSQL 15 re-sorts its list of settings for every new one, so
  -- per-org names made a long-lived backend slower with every org it served.
  o := current_setting('tenantguard_audit.orgs', true);
  hx := replace(k::text, '-', '');
  slot := position(hx IN coalesce(o, ''));
  IF slot = 0 THEN
    slot := length(coalesce(o, '')) / 33;
    PERFORM set_config('tenantguard_audit.orgs', coalesce(o, '') || hx || ',', true);
  ELSE
    slot := (slot - 1) / 33;
  END IF;
  g := 'tenantguard_audit.s' || slot;
  st := current_setting(g, true);
  IF st IS NULL OR st = '' THEN
    -- First row of this org in this transaction: one UPDATE locks the least
    -- advanced lane no other transaction holds, computes this row's link and
    -- advances that lane's head. Only when all 16 lanes are held does it wait
    -- (for the least advanced one). Under REPEATABLE READ or SERIALIZABLE a
    -- lane advanced since the snapshot fails with 40001 instead of chaining
    -- onto a stale head. created_at never goes below the lane head's, so each
    -- lane's rows are in seq order in time and partitions hold contiguous
    -- lane segments.
    FOR attempt IN 1..3 LOOP
      IF attempt < 3 THEN
        UPDATE tenantguard.audit_chain_head h
           SET seq = h.seq + 16,
               last_at = greatest(h.last_at, routed),
               hash = tenantguard.audit_row_hash(h.hash, NEW.id, NEW.org_id, h.seq + 16, greatest(h.last_at, routed),
                 NEW.user_id, NEW.user_email, NEW.user_role, NEW.ip_address, NEW.user_agent, NEW.action,
                 NEW.resource_type, NEW.resource_id, NEW.details, NEW.request_id, NEW.session_id),
               prev_hash = h.hash
         WHERE h.org_id = k AND h.lane = (SELECT x.lane FROM tenantguard.audit_chain_head x
                                          WHERE x.org_id = k ORDER BY x.seq LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING h.seq, h.prev_hash, h.hash, h.last_at INTO NEW.seq, NEW.prev_hash, NEW.hash, NEW.created_at;
      ELSE
        UPDATE tenantguard.audit_chain_head h
           SET seq = h.seq + 16,
               last_at = greatest(h.last_at, routed),
               hash = tenantguard.audit_row_hash(h.hash, NEW.id, NEW.org_id, h.seq + 16, greatest(h.last_at, routed),
                 NEW.user_id, NEW.user_email, NEW.user_role, NEW.ip_address, NEW.user_agent, NEW.action,
                 NEW.resource_type, NEW.resource_id, NEW.details, NEW.request_id, NEW.session_id),
               prev_hash = h.hash
         WHERE h.org_id = k AND h.lane = (SELECT x.lane FROM tenantguard.audit_chain_head x
                                          WHERE x.org_id = k ORDER BY x.seq LIMIT 1 FOR UPDATE)
         RETURNING h.seq, h.prev_hash, h.hash, h.last_at INTO NEW.seq, NEW.prev_hash, NEW.hash, NEW.created_at;
      END IF;
      EXIT WHEN FOUND;
      IF attempt = 1 THEN
        -- A new org (or every lane held): create the 16 lanes if missing.
        INSERT INTO tenantguard.audit_chain_head (org_id, lane, seq, hash, prev_hash, last_at)
          SELECT k, l, l + 1 - 16,
                 '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
                 '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, '-infinity'
            FROM generate_series(0, 15) l
          ON CONFLICT (org_id, lane) DO NOTHING;
      END IF;
    END LOOP;
    IF NEW.seq IS NULL THEN
      RAISE EXCEPTION 'tenantguard: no audit chain head for org %', k USING ERRCODE = 'internal_error';
    END IF;
    use_lane := (NEW.seq - 1) % 16;
    st := '0,0,' || to_hex(use_lane);
  ELSE
    -- Later rows of the same transaction. Lanes held by this transaction
    -- stay locked until it ends, and their heads are cached in
    -- transaction-local settings, which PostgreSQL reverts on ROLLBACK and
    -- ROLLBACK TO SAVEPOINT together with the rows. No per-row UPDATE of a
    -- head: that would make bulk inserts quadratic.
    --
    -- So that a transaction's rows get consecutive seqs (one writer: 1, 2,
    -- 3, ...) rather than every 16th, a READ COMMITTED transaction takes one
    -- more free lane per row (SKIP LOCKED, never waiting) until it holds all
    -- 16 or none is free, and uses its lanes in turn, the least advanced
    -- first. Under REPEATABLE READ or SERIALIZABLE it stays in its first
    -- lane: taking a lane advanced since the snapshot would fail with 40001.
    i := split_part(st, ',', 1)::int;
    lanes := split_part(st, ',', 3);
    use_lane := strpos('0123456789abcdef', substr(lanes, i + 1, 1)) - 1;
    c := current_setting(g || 'l' || use_lane, true);
    IF c IS NULL OR c = '' THEN
      -- Not cached yet (the lane's first row wrote its head row directly).
      SELECT h.seq::text || ',' || encode(h.hash, 'hex') || ',' || h.last_at::text INTO c
        FROM tenantguard.audit_chain_head h WHERE h.org_id = k AND h.lane = use_lane;
    END IF;
    IF length(lanes) < 16 AND split_part(st, ',', 2) = '0' THEN
      IF current_setting('transaction_isolation') = 'read committed' THEN
        SELECT x.lane, x.seq, x.hash, x.last_at INTO f_lane, f_seq, f_hash, f_at
          FROM tenantguard.audit_chain_head x
         WHERE x.org_id = k AND strpos(lanes, to_hex(x.lane::int)) = 0
         ORDER BY x.seq LIMIT 1 FOR UPDATE SKIP LOCKED;
      END IF;
      IF f_lane IS NULL THEN
        st := '0,1,';
      ELSIF f_seq < split_part(c, ',', 1)::bigint THEN
        -- Less advanced than the lane due next: use it now, then that one.
        lanes := substr(lanes, 1, i) || to_hex(f_lane) || substr(lanes, i + 1);
        use_lane := f_lane;
        c := f_seq::text || ',' || encode(f_hash, 'hex') || ',' || f_at::text;
      ELSE
        lanes := substr(lanes, 1, i + 1) || to_hex(f_lane) || substr(lanes, i + 2);
        PERFORM set_config(g || 'l' || f_lane, f_seq::text || ',' || encode(f_hash, 'hex') || ',' || f_at::text, true);
      END IF;
    END IF;
    NEW.seq := split_part(c, ',', 1)::bigint + 16;
    NEW.prev_hash := decode(split_part(c, ',', 2), 'hex');
    NEW.created_at := greatest(split_part(c, ',', 3)::timestamptz, routed);
    NEW.hash := tenantguard.audit_row_hash(NEW.prev_hash, NEW.id, NEW.org_id, NEW.seq, NEW.created_at,
      NEW.user_id, NEW.user_email, NEW.user_role, NEW.ip_address, NEW.user_agent, NEW.action,
      NEW.resource_type, NEW.resource_id, NEW.details, NEW.request_id, NEW.session_id);
    st := ((i + 1) % length(lanes))::text || CASE WHEN split_part(st, ',', 2) = '1' THEN ',1,' ELSE ',0,' END || lanes;
    -- This lane's head row is now behind: the statement trigger writes it back.
    t := current_setting('tenantguard_audit.touched', true);
    IF t IS NULL OR position(g || 'l' || use_lane || ';' IN t) = 0 THEN
      PERFORM set_config('tenantguard_audit.touched', coalesce(t, '') || g || 'l' || use_lane || ';', true);
    END IF;
    -- The cache lives for this transaction only; timestamptz text round-trips
    -- exactly within one session.
    PERFORM set_config(g || 'l' || use_lane, NEW.seq::text || ',' || encode(NEW.hash, 'hex') || ',' || NEW.created_at::text, true);
  END IF;
  IF NEW.created_at <> routed
     AND date_trunc('month', NEW.created_at AT TIME ZONE 'UTC') <> date_trunc('month', routed AT TIME ZONE 'UTC') THEN
    RAISE EXCEPTION 'tenantguard: audit row for org % would precede its chain head across a month boundary; retry', k
      USING ERRCODE = 'serialization_failure';
  END IF;
  PERFORM set_config(g, st, true);
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_chain_row() IS
  'BEFORE INSERT row trigger: assigns id, seq, prev_hash, hash and created_at of an audit row (per-org chain of 16 lanes).';

CREATE OR REPLACE FUNCTION tenantguard.audit_chain_flush_heads()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t text := current_setting('tenantguard_audit.touched', true);
  o text := current_setting('tenantguard_audit.orgs', true);
  g text;
  c text;
BEGIN
  IF t IS NULL OR t = '' THEN
    RETURN;
  END IF;
  -- Each entry names one lane of one org: 'tenantguard_audit.s<slot>l<lane>',
  -- the slot's org being the slot-th entry of tenantguard_audit.orgs.
  FOREACH g IN ARRAY string_to_array(rtrim(t, ';'), ';') LOOP
    c := current_setting(g);
    UPDATE tenantguard.audit_chain_head
       SET seq = split_part(c, ',', 1)::bigint,
           hash = decode(split_part(c, ',', 2), 'hex'),
           last_at = split_part(c, ',', 3)::timestamptz
     WHERE org_id = substr(o, split_part(substr(g, 20), 'l', 1)::int * 33 + 1, 32)::uuid
       AND lane = split_part(substr(g, 20), 'l', 2)::smallint;
  END LOOP;
  PERFORM set_config('tenantguard_audit.touched', '', true);
END
$fn$;
REVOKE ALL ON FUNCTION tenantguard.audit_chain_flush_heads() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.audit_chain_flush_heads() TO tenantguard_app;

-- The statement trigger itself stays lean (no SECURITY DEFINER, no SET
-- clause): most statements have nothing to flush.
CREATE OR REPLACE FUNCTION tenantguard.audit_chain_flush()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  IF pg_catalog.current_setting('tenantguard_audit.touched', true) <> '' THEN
    PERFORM tenantguard.audit_chain_flush_heads();
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_chain_flush() IS
  'AFTER INSERT statement trigger: writes the chain heads cached by audit_chain_row back to audit_chain_head.';

CREATE OR REPLACE FUNCTION tenantguard.audit_refuse_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION 'tenantguard: % on %.% refused: the security audit log is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit rows are never updated, deleted or truncated; only the retention job archives and drops whole partitions.';
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_refuse_change() IS
  'Raises on UPDATE, DELETE (row trigger) and TRUNCATE (statement trigger) of the security audit log.';

DROP TRIGGER IF EXISTS tenantguard_audit_chain ON tenantguard.security_audit_log;
CREATE TRIGGER tenantguard_audit_chain BEFORE INSERT ON tenantguard.security_audit_log
  FOR EACH ROW EXECUTE FUNCTION tenantguard.audit_chain_row();
DROP TRIGGER IF EXISTS tenantguard_audit_immutable ON tenantguard.security_audit_log;
CREATE TRIGGER tenantguard_audit_immutable BEFORE UPDATE OR DELETE ON tenantguard.security_audit_log
  FOR EACH ROW EXECUTE FUNCTION tenantguard.audit_refuse_change();

-- Statement-level triggers are not cloned to partitions: this function adds
-- them (and re-asserts everything else) for one table, parent or partition.
CREATE OR REPLACE FUNCTION tenantguard.audit_secure_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'tenantguard_audit_flush') THEN
    -- WHEN is evaluated after the statement's rows: most statements (one row
    -- per org per transaction) have nothing to flush and skip the call.
    EXECUTE format('CREATE TRIGGER tenantguard_audit_flush AFTER INSERT ON %s FOR EACH STATEMENT'
                   ' WHEN (pg_catalog.current_setting(''tenantguard_audit.touched'', true) <> '''')'
                   ' EXECUTE FUNCTION tenantguard.audit_chain_flush()', tbl);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'tenantguard_audit_no_truncate') THEN
    EXECUTE format('CREATE TRIGGER tenantguard_audit_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION tenantguard.audit_refuse_change()', tbl);
  END IF;
  -- ALWAYS: also fire when session_replication_role = replica.
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER tenantguard_audit_chain', tbl);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER tenantguard_audit_immutable', tbl);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER tenantguard_audit_flush', tbl);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER tenantguard_audit_no_truncate', tbl);
  -- RLS on the partition too (defence in depth), but no grant at all: the
  -- application reaches rows only through the parent, whose policy applies.
  PERFORM tenantguard.enable_tenant_isolation(tbl, 'org_id');
  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', tbl);
  IF tbl = 'tenantguard.security_audit_log'::regclass THEN
    EXECUTE format('REVOKE ALL ON %s FROM tenantguard_app', tbl);
    EXECUTE format('GRANT SELECT, INSERT ON %s TO tenantguard_app', tbl);
  ELSE
    EXECUTE format('REVOKE ALL ON %s FROM tenantguard_app', tbl);
  END IF;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_secure_table(regclass) IS
  'Adds the statement triggers, sets every audit trigger ENABLE ALWAYS, enables RLS and fixes privileges on the audit log or one of its partitions. Idempotent.';

-- Creates the monthly partition holding `month` (UTC) if missing, secured.
CREATE OR REPLACE FUNCTION tenantguard.audit_create_partition(month date)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  lo timestamp := date_trunc('month', month::timestamp);
  hi timestamp := date_trunc('month', month::timestamp) + interval '1 month';
  name text := 'security_audit_log_p' || to_char(lo, 'YYYYMM');
  rel regclass;
BEGIN
  rel := to_regclass('tenantguard.' || quote_ident(name));
  IF rel IS NULL THEN
    EXECUTE format('CREATE TABLE tenantguard.%I PARTITION OF tenantguard.security_audit_log FOR VALUES FROM (%L) TO (%L)',
                   name, to_char(lo, 'YYYY-MM-DD HH24:MI:SS') || '+00', to_char(hi, 'YYYY-MM-DD HH24:MI:SS') || '+00');
    rel := ('tenantguard.' || quote_ident(name))::regclass;
  END IF;
  PERFORM tenantguard.audit_secure_table(rel);
  RETURN name;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_create_partition(date) IS
  'Creates (if missing) and secures the monthly audit partition that holds the given UTC month; returns its name.';

-- Creates every monthly partition from `from_month` through `months_ahead`
-- months after the current one.
CREATE OR REPLACE FUNCTION tenantguard.audit_ensure_partitions(from_month date, months_ahead integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  m date := date_trunc('month', from_month)::date;
  last date := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => months_ahead))::date;
BEGIN
  WHILE m <= last LOOP
    RETURN NEXT tenantguard.audit_create_partition(m);
    m := (m + interval '1 month')::date;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION tenantguard.audit_ensure_partitions(date, integer) IS
  'Creates and secures the monthly audit partitions from from_month through months_ahead months after the current UTC month.';

-- ---------------------------------------------------------------------------
-- privileges and RLS
-- ---------------------------------------------------------------------------
SELECT tenantguard.audit_secure_table('tenantguard.security_audit_log'::regclass);
-- System events (org_id NULL, e.g. a failed login for an unknown org) may be
-- written by the application but are read by no tenant.
DROP POLICY IF EXISTS tenantguard_audit_system_insert ON tenantguard.security_audit_log;
CREATE POLICY tenantguard_audit_system_insert ON tenantguard.security_audit_log
  AS PERMISSIVE FOR INSERT TO tenantguard_app WITH CHECK (org_id IS NULL);

-- Heads and anchors: readable per org (verifyChain runs as the app), written
-- only by the definer trigger and the retention job.
SELECT tenantguard.enable_tenant_isolation('tenantguard.audit_chain_head'::regclass, 'org_id');
REVOKE ALL ON tenantguard.audit_chain_head FROM PUBLIC, tenantguard_app;
GRANT SELECT ON tenantguard.audit_chain_head TO tenantguard_app;
SELECT tenantguard.enable_tenant_isolation('tenantguard.audit_chain_anchor'::regclass, 'org_id');
REVOKE ALL ON tenantguard.audit_chain_anchor FROM PUBLIC, tenantguard_app;
GRANT SELECT ON tenantguard.audit_chain_anchor TO tenantguard_app;
REVOKE ALL ON SEQUENCE tenantguard.security_audit_log_id_seq FROM PUBLIC, tenantguard_app;

REVOKE ALL ON FUNCTION tenantguard.audit_chain_row() FROM PUBLIC;
REVOKE ALL ON FUNCTION tenantguard.audit_secure_table(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION tenantguard.audit_create_partition(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION tenantguard.audit_ensure_partitions(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.audit_ts(timestamptz) TO tenantguard_app;
GRANT EXECUTE ON FUNCTION tenantguard.audit_row_hash(bytea, bigint, uuid, bigint, timestamptz, uuid, text, text, inet, text, text, text, text, jsonb, text, text) TO tenantguard_app;

-- The previous month (late writers at a month boundary), this month and a
-- year ahead; the retention job keeps creating partitions ahead after that.
SELECT count(*) FROM tenantguard.audit_ensure_partitions(
  (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date, 12);
