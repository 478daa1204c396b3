-- tenantguard 0040: the signed tenant context (issue 7).
--
-- With it enabled (SELECT tenantguard.enable_signed_context()), a tenant is
-- entered only through tenantguard.enter_signed_tenant(), a SECURITY DEFINER
-- function that accepts the org with an HMAC-SHA256 proof computed by the
-- application from a key the application's database role cannot read. The
-- proof is bound to the backend process (pg_backend_pid) and to a per-backend
-- strictly increasing issue time (single use), and expires. A plain
-- set_config('app.current_org_id', ...) then yields no rows and is recorded.
--
-- Roles. Every object here is owned by tenantguard_definer: NOLOGIN, no
-- attributes, and never granted to the application. The role running this
-- migration must be a superuser, or have CREATEROLE and be (or become) a
-- member of tenantguard_definer, because ALTER ... OWNER TO needs that
-- membership. The application's role (tenantguard_app and its logins) must
-- never be a member of tenantguard_definer.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenantguard_definer') THEN
    CREATE ROLE tenantguard_definer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- another database of the cluster, same moment
END
$$;

DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
     AND NOT pg_catalog.pg_has_role(current_user, 'tenantguard_definer', 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT tenantguard_definer TO %I', current_user);
  END IF;
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'tenantguard: the migration role % cannot hand objects to tenantguard_definer', current_user
      USING HINT = 'Run the migrations as a superuser, or GRANT tenantguard_definer TO the migration role first.';
END
$$;

GRANT USAGE ON SCHEMA tenantguard TO tenantguard_definer;

-- Whether the signed context is required, and its time limits. One row,
-- written only by the owner (the app role can read it: it is not secret).
CREATE TABLE IF NOT EXISTS tenantguard.context_settings (
  singleton          boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  signed_required    boolean     NOT NULL DEFAULT false,
  max_age_seconds    integer     NOT NULL DEFAULT 30 CHECK (max_age_seconds BETWEEN 1 AND 3600),
  max_future_seconds integer     NOT NULL DEFAULT 5 CHECK (max_future_seconds BETWEEN 0 AND 600),
  -- current_org_id()'s definition before enable_signed_context() replaced it,
  -- restored by disable_signed_context().
  plain_definition   text,
  changed_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  changed_by         text        NOT NULL DEFAULT current_user
);
INSERT INTO tenantguard.context_settings (singleton) VALUES (true) ON CONFLICT DO NOTHING;
ALTER TABLE tenantguard.context_settings OWNER TO tenantguard_definer;
REVOKE ALL ON tenantguard.context_settings FROM PUBLIC;
GRANT SELECT ON tenantguard.context_settings TO tenantguard_app;

-- The context keys. Only the HMAC pads are stored (key XOR ipad / opad,
-- each as secret as the key). No grants: the app role gets "permission denied".
CREATE TABLE IF NOT EXISTS tenantguard.context_keys (
  key_id     text        PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  inner_pad  bytea       NOT NULL CHECK (pg_catalog.length(inner_pad) = 64),
  outer_pad  bytea       NOT NULL CHECK (pg_catalog.length(outer_pad) = 64),
  state      text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  retired_at timestamptz
);
ALTER TABLE tenantguard.context_keys OWNER TO tenantguard_definer;
REVOKE ALL ON tenantguard.context_keys FROM PUBLIC;

-- One row per backend: the last accepted issue time (replay: a proof must be
-- newer than it), and the org and transaction of the last signed entry
-- (current_org_id() trusts it only within that transaction). UNLOGGED: no
-- WAL per transaction; after a crash it is empty, which only forgets old
-- high-water marks (proofs still expire).
--
-- It also caches, per backend, the pads and time limits of the key the
-- backend last entered with, so that the common entry is one single-table
-- UPDATE (no join with the keys and settings). The cache is emptied by
-- the triggers below whenever a key or the settings change, so a retired
-- key or a shorter limit applies from the next entry on, as without it.
CREATE UNLOGGED TABLE IF NOT EXISTS tenantguard.context_ledger (
  pid       integer PRIMARY KEY,
  issued_at bigint  NOT NULL,
  entered_org uuid  NOT NULL, -- not org_id: this is not tenant data (no RLS; no grants)
  xact      xid8    NOT NULL,
  key_id    text    NOT NULL,
  inner_pad bytea,  -- cached from context_keys (NULL: not cached)
  outer_pad bytea,
  max_age_us    bigint, -- cached from context_settings, in microseconds
  max_future_us bigint
) WITH (fillfactor = 50);
ALTER TABLE tenantguard.context_ledger OWNER TO tenantguard_definer;
REVOKE ALL ON tenantguard.context_ledger FROM PUBLIC;

-- Tampering events (a context not entered through the signed entry). A
-- sequence because nextval() is not rolled back: the count survives the
-- attacker's ROLLBACK, and a STABLE function may call it.
CREATE SEQUENCE IF NOT EXISTS tenantguard.context_tamper_events;
ALTER SEQUENCE tenantguard.context_tamper_events OWNER TO tenantguard_definer;
REVOKE ALL ON SEQUENCE tenantguard.context_tamper_events FROM PUBLIC;

-- The signed entry. Errors carry SQLSTATEs of class TG so callers can tell
-- them apart: TG001 unknown or retired key, TG002 invalid proof, TG003 proof
-- for another backend, TG004 expired (or issued in the future), TG005 replay.
CREATE OR REPLACE FUNCTION tenantguard.enter_signed_tenant(
  p_org uuid, p_key_id text, p_pid integer, p_issued_at bigint, p_proof bytea)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Its statements take parameters; a custom plan per call costs more than the
-- statement itself. The generic plan (a primary-key lookup) is always right.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  expected bytea;
  s_age integer;
  s_future integer;
  k_inner bytea;
  k_outer bytea;
  -- The database clock in microseconds, read once per entry. date_part()
  -- is double precision (exact to well under a microsecond for today's
  -- epoch); extract() would be numeric, measurably slower here.
  now_us bigint := (date_part('epoch', clock_timestamp()) * 1000000)::bigint;
BEGIN
  IF p_org IS NULL OR p_key_id IS NULL OR p_pid IS NULL OR p_issued_at IS NULL OR p_proof IS NULL THEN
    RAISE EXCEPTION 'tenantguard: signed tenant entry needs an org, a key id, a backend pid, an issue time and a proof'
      USING ERRCODE = 'TG002';
  END IF;
  -- Fast path, one single-table statement: a valid, fresh, newer proof for
  -- this backend, made with the key cached in the backend's ledger row,
  -- advances that row. Anything else (first entry, another key, an emptied
  -- cache, any failure) falls through to the step-by-step checks below,
  -- which read the key and the settings, name what is wrong, and refill the
  -- cache.
  UPDATE tenantguard.context_ledger AS l
     SET issued_at = p_issued_at, entered_org = p_org, xact = pg_current_xact_id()
   WHERE l.pid = p_pid AND p_pid = pg_backend_pid() AND l.issued_at < p_issued_at
     AND l.key_id = p_key_id AND length(p_proof) = 32
     AND sha256(sha256(l.outer_pad || sha256(l.inner_pad || convert_to(
           'tenantguard-context-v1|' || p_key_id || '|' || p_org::text || '|' || p_pid::text || '|' || p_issued_at::text, 'UTF8'))))
         = sha256(p_proof)
     AND p_issued_at BETWEEN now_us - l.max_age_us AND now_us + l.max_future_us;
  IF FOUND THEN
    RETURN;
  END IF;
  -- One statement: the key, the limits and HMAC-SHA256(key, message) from the stored pads.
  SELECT sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
           'tenantguard-context-v1|' || p_key_id || '|' || p_org::text || '|' || p_pid::text || '|' || p_issued_at::text, 'UTF8'))),
         s.max_age_seconds, s.max_future_seconds, k.inner_pad, k.outer_pad
    INTO expected, s_age, s_future, k_inner, k_outer
  FROM tenantguard.context_keys k CROSS JOIN tenantguard.context_settings s
  WHERE k.key_id = p_key_id AND k.state = 'active'
  -- Locked until this transaction ends: a retirement or a settings change
  -- that commits meanwhile waits for it, and its cache reset then also
  -- empties what this entry caches (never a retired key left in the cache).
  FOR SHARE OF k, s;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'tenantguard: context key % is unknown or retired', quote_literal(left(p_key_id, 64))
      USING ERRCODE = 'TG001', HINT = 'Install the key with tenantguard.install_context_key() before signing with it.';
  END IF;
  -- Compare digests of both sides, so the comparison's timing says nothing
  -- about how much of a guessed proof was right.
  IF length(p_proof) <> 32 OR sha256(expected) <> sha256(p_proof) THEN
    RAISE EXCEPTION 'tenantguard: signed tenant proof is not valid'
      USING ERRCODE = 'TG002', HINT = 'The proof must be computed by the application from an installed context key.';
  END IF;
  IF p_pid <> pg_backend_pid() THEN
    RAISE EXCEPTION 'tenantguard: signed tenant proof was issued for another backend'
      USING ERRCODE = 'TG003', DETAIL = format('proof for backend %s, used on backend %s', p_pid, pg_backend_pid());
  END IF;
  IF p_issued_at < now_us - s_age::bigint * 1000000 THEN
    RAISE EXCEPTION 'tenantguard: signed tenant proof has expired'
      USING ERRCODE = 'TG004', DETAIL = format('issued %s ms ago; the limit is %s s', (now_us - p_issued_at) / 1000, s_age);
  END IF;
  IF p_issued_at > now_us + s_future::bigint * 1000000 THEN
    RAISE EXCEPTION 'tenantguard: signed tenant proof is issued in the future'
      USING ERRCODE = 'TG004', DETAIL = format('%s ms ahead of the database clock; the limit is %s s', (p_issued_at - now_us) / 1000, s_future),
            HINT = 'Check the clocks of the application host and the database host.';
  END IF;
  -- Single use: each backend accepts only proofs newer than the last one it
  -- accepted. Writing the row also binds the entry to this transaction (xact)
  -- and caches the key for the fast path. A (HOT) UPDATE of this backend's
  -- row; the first entry on a backend inserts it.
  UPDATE tenantguard.context_ledger AS l
     SET issued_at = p_issued_at, entered_org = p_org, xact = pg_current_xact_id(), key_id = p_key_id,
         inner_pad = k_inner, outer_pad = k_outer,
         max_age_us = s_age::bigint * 1000000, max_future_us = s_future::bigint * 1000000
   WHERE l.pid = p_pid AND l.issued_at < p_issued_at;
  IF NOT FOUND THEN
    INSERT INTO tenantguard.context_ledger AS l (pid, issued_at, entered_org, xact, key_id, inner_pad, outer_pad, max_age_us, max_future_us)
    VALUES (p_pid, p_issued_at, p_org, pg_current_xact_id(), p_key_id, k_inner, k_outer,
            s_age::bigint * 1000000, s_future::bigint * 1000000)
    ON CONFLICT (pid) DO NOTHING;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'tenantguard: signed tenant proof was already used (replay)'
        USING ERRCODE = 'TG005', HINT = 'Each proof is accepted once per backend, in increasing issue order.';
    END IF;
  END IF;
END
$fn$;
ALTER FUNCTION tenantguard.enter_signed_tenant(uuid, text, integer, bigint, bytea) OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.enter_signed_tenant(uuid, text, integer, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.enter_signed_tenant(uuid, text, integer, bigint, bytea) TO tenantguard_app;

-- The org of the current transaction when it was entered through the signed
-- entry AND app.current_org_id still names it; otherwise NULL. Anything else
-- (a plain set_config, a context carried over from another transaction, a
-- setting changed after entry) is tampering: it is counted in
-- tenantguard.context_tamper_events and raised as a WARNING (server log and
-- client), and yields NULL, which matches no row.
CREATE OR REPLACE FUNCTION tenantguard.signed_org_id()
RETURNS uuid
LANGUAGE plpgsql
STABLE
PARALLEL RESTRICTED
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Its statements take parameters; a custom plan per call costs more than the
-- statement itself. The generic plan (a primary-key lookup) is always right.
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  v text := current_setting('app.current_org_id', true);
  x xid8 := pg_current_xact_id_if_assigned();
  signed uuid;
BEGIN
  IF x IS NOT NULL THEN
    SELECT l.entered_org INTO signed FROM tenantguard.context_ledger l WHERE l.pid = pg_backend_pid() AND l.xact = x;
  END IF;
  IF signed IS NOT NULL AND v = signed::text THEN
    RETURN signed;
  END IF;
  IF signed IS NULL AND (v IS NULL OR v = '') THEN
    RETURN NULL; -- no tenant at all: not tampering, just no rows
  END IF;
  BEGIN
    PERFORM nextval('tenantguard.context_tamper_events');
  EXCEPTION WHEN OTHERS THEN
    NULL; -- a READ ONLY transaction cannot call nextval(); the WARNING below still goes out
  END;
  RAISE WARNING 'tenantguard: tenant context was not entered through the signed entry; no rows are visible'
    USING ERRCODE = 'TG010',
          DETAIL = format('backend %s, signed org %s, app.current_org_id %s',
                          pg_backend_pid(), coalesce(signed::text, 'none'), coalesce(quote_literal(left(v, 40)), 'unset'));
  RETURN NULL;
END
$fn$;
ALTER FUNCTION tenantguard.signed_org_id() OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.signed_org_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.signed_org_id() TO tenantguard_app;

-- Empties the ledger's key cache when a key or the settings change (retire,
-- any UPDATE or DELETE of a key, new limits), so the next entry on every
-- backend reads them again. It waits for open signed transactions, whose
-- ledger rows are locked until they end: retiring a key takes effect for
-- every entry that starts after it commits.
CREATE OR REPLACE FUNCTION tenantguard.context_cache_reset()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  UPDATE tenantguard.context_ledger SET inner_pad = NULL, outer_pad = NULL, max_age_us = NULL, max_future_us = NULL
   WHERE inner_pad IS NOT NULL OR max_age_us IS NOT NULL;
  RETURN NULL;
END
$fn$;
ALTER FUNCTION tenantguard.context_cache_reset() OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.context_cache_reset() FROM PUBLIC;
DROP TRIGGER IF EXISTS context_keys_cache_reset ON tenantguard.context_keys;
CREATE TRIGGER context_keys_cache_reset AFTER UPDATE OR DELETE OR TRUNCATE ON tenantguard.context_keys
  FOR EACH STATEMENT EXECUTE FUNCTION tenantguard.context_cache_reset();
DROP TRIGGER IF EXISTS context_settings_cache_reset ON tenantguard.context_settings;
CREATE TRIGGER context_settings_cache_reset AFTER UPDATE OR DELETE OR TRUNCATE ON tenantguard.context_settings
  FOR EACH STATEMENT EXECUTE FUNCTION tenantguard.context_cache_reset();

-- Installs (or confirms) a context key. Two active keys at once is how the key
-- rotates without downtime: install the new one, move the application to sign
-- with it, retire the old one. Not executable by the app role.
CREATE OR REPLACE FUNCTION tenantguard.install_context_key(p_key_id text, p_secret bytea)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  padded bytea;
  ipad bytea;
  opad bytea;
  existing record;
BEGIN
  IF p_key_id IS NULL OR p_key_id !~ '^[A-Za-z0-9_.-]{1,64}$' THEN
    RAISE EXCEPTION 'tenantguard: a context key id is 1 to 64 characters of A-Z a-z 0-9 _ . -' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_secret IS NULL OR length(p_secret) < 32 OR length(p_secret) > 64 THEN
    RAISE EXCEPTION 'tenantguard: a context key is 32 to 64 bytes' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  padded := p_secret || decode(repeat('00', 64 - length(p_secret)), 'hex');
  SELECT decode(string_agg(lpad(to_hex(get_byte(padded, i) # 54), 2, '0'), '' ORDER BY i), 'hex'),
         decode(string_agg(lpad(to_hex(get_byte(padded, i) # 92), 2, '0'), '' ORDER BY i), 'hex')
    INTO ipad, opad
  FROM generate_series(0, 63) AS i;
  SELECT k.inner_pad, k.state INTO existing FROM tenantguard.context_keys k WHERE k.key_id = p_key_id;
  IF FOUND THEN
    IF existing.inner_pad <> ipad THEN
      RAISE EXCEPTION 'tenantguard: context key % exists with another secret', quote_literal(p_key_id)
        USING ERRCODE = 'unique_violation', HINT = 'Use a new key id for a new key.';
    END IF;
    IF existing.state = 'retired' THEN
      RAISE EXCEPTION 'tenantguard: context key % was retired; retired keys do not come back', quote_literal(p_key_id)
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Use a new key id.';
    END IF;
    RETURN;
  END IF;
  INSERT INTO tenantguard.context_keys (key_id, inner_pad, outer_pad) VALUES (p_key_id, ipad, opad);
END
$fn$;
ALTER FUNCTION tenantguard.install_context_key(text, bytea) OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.install_context_key(text, bytea) FROM PUBLIC;

-- Retires a key: proofs made with it are refused from the next entry on.
-- Refuses to retire the last active key while the signed context is required
-- (that would lock every tenant out).
CREATE OR REPLACE FUNCTION tenantguard.retire_context_key(p_key_id text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM 1 FROM tenantguard.context_keys WHERE key_id = p_key_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'tenantguard: context key % does not exist', quote_literal(left(p_key_id, 64)) USING ERRCODE = 'no_data_found';
  END IF;
  IF (SELECT signed_required FROM tenantguard.context_settings)
     AND NOT EXISTS (SELECT 1 FROM tenantguard.context_keys WHERE state = 'active' AND key_id <> p_key_id) THEN
    RAISE EXCEPTION 'tenantguard: context key % is the last active key while the signed context is required', quote_literal(p_key_id)
      USING ERRCODE = 'object_in_use', HINT = 'Install the next key (and sign with it) before retiring this one.';
  END IF;
  UPDATE tenantguard.context_keys SET state = 'retired', retired_at = now() WHERE key_id = p_key_id AND state = 'active';
END
$fn$;
ALTER FUNCTION tenantguard.retire_context_key(text) OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.retire_context_key(text) FROM PUBLIC;

-- Turns the signed context on: current_org_id() is replaced by a wrapper over
-- signed_org_id(), so every tenantguard_isolation policy (which calls
-- current_org_id()) needs the signed entry from then on. Its previous
-- definition is kept and restored by disable_signed_context(). Invoker's
-- rights: the caller must own current_org_id() (the migration role) and be a
-- member of tenantguard_definer (or a superuser).
CREATE OR REPLACE FUNCTION tenantguard.enable_signed_context(max_age_seconds integer DEFAULT NULL, max_future_seconds integer DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  current_def text := pg_get_functiondef('tenantguard.current_org_id()'::regprocedure);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tenantguard.context_keys WHERE state = 'active') THEN
    RAISE EXCEPTION 'tenantguard: no active context key; enabling the signed context now would lock every tenant out'
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Install a key with tenantguard.install_context_key() first.';
  END IF;
  UPDATE tenantguard.context_settings SET
    signed_required = true,
    max_age_seconds = coalesce(enable_signed_context.max_age_seconds, context_settings.max_age_seconds),
    max_future_seconds = coalesce(enable_signed_context.max_future_seconds, context_settings.max_future_seconds),
    plain_definition = CASE WHEN position('tenantguard.signed_org_id()' IN current_def) > 0
                            THEN context_settings.plain_definition ELSE current_def END,
    changed_at = now(), changed_by = current_user;
  -- A PL/pgSQL wrapper, not an inlinable SQL one: inlining parses the SQL
  -- body again each time a tenant query is planned, while PL/pgSQL keeps its
  -- one expression's plan for the session (measured: 2-4 us less per tenant
  -- statement). Invoker's rights and no SET clause: the body names one
  -- schema-qualified function and nothing a search_path could redirect.
  CREATE OR REPLACE FUNCTION tenantguard.current_org_id()
  RETURNS uuid
  LANGUAGE plpgsql
  STABLE
  PARALLEL RESTRICTED
  AS 'BEGIN RETURN tenantguard.signed_org_id(); END';
  COMMENT ON FUNCTION tenantguard.current_org_id() IS
    'Signed context: the org of the current transaction only when entered through tenantguard.enter_signed_tenant() and app.current_org_id still names it; else NULL (and tampering is recorded).';
END
$fn$;
REVOKE ALL ON FUNCTION tenantguard.enable_signed_context(integer, integer) FROM PUBLIC;

-- Turns the signed context off: restores current_org_id()'s plain definition.
CREATE OR REPLACE FUNCTION tenantguard.disable_signed_context()
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plain text;
BEGIN
  SELECT plain_definition INTO plain FROM tenantguard.context_settings;
  IF plain IS NOT NULL THEN
    EXECUTE plain;
  END IF;
  UPDATE tenantguard.context_settings SET signed_required = false, changed_at = now(), changed_by = current_user;
END
$fn$;
REVOKE ALL ON FUNCTION tenantguard.disable_signed_context() FROM PUBLIC;

-- What the isolation proof reports: configured on, actually enforced (the
-- live current_org_id() delegates to signed_org_id()), limits, key counts
-- (never key material) and tampering events so far.
CREATE OR REPLACE FUNCTION tenantguard.signed_context_status()
RETURNS TABLE (enabled boolean, enforced boolean, max_age_seconds integer, max_future_seconds integer,
               active_keys integer, retired_keys integer, tamper_events bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT s.signed_required,
         position('tenantguard.signed_org_id()' IN pg_get_functiondef('tenantguard.current_org_id()'::regprocedure)) > 0,
         s.max_age_seconds,
         s.max_future_seconds,
         (SELECT count(*)::integer FROM tenantguard.context_keys WHERE state = 'active'),
         (SELECT count(*)::integer FROM tenantguard.context_keys WHERE state = 'retired'),
         (SELECT CASE WHEN q.is_called THEN q.last_value ELSE 0 END FROM tenantguard.context_tamper_events q)
  FROM tenantguard.context_settings s
$fn$;
ALTER FUNCTION tenantguard.signed_context_status() OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.signed_context_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.signed_context_status() TO tenantguard_app;

-- Drops ledger rows of backends that no longer exist (pids are reused, so
-- keeping them is harmless; this only keeps the table small).
CREATE OR REPLACE FUNCTION tenantguard.prune_context_ledger()
RETURNS integer
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH gone AS (
    DELETE FROM tenantguard.context_ledger l
    WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(NULL) a WHERE a.pid = l.pid)
    RETURNING 1)
  SELECT count(*)::integer FROM gone
$fn$;
ALTER FUNCTION tenantguard.prune_context_ledger() OWNER TO tenantguard_definer;
REVOKE ALL ON FUNCTION tenantguard.prune_context_ledger() FROM PUBLIC;
