-- tenantguard 0030: the token vault. Envelope encryption: each org has its own
-- random data key, stored wrapped (Fernet) under a master key; each secret is
-- stored encrypted (Fernet) under its org's data key. Both tables are
-- tenant-scoped with RLS: the application reads and writes them only inside
-- withTenant. Master keys never reach the database.

CREATE TABLE IF NOT EXISTS tenantguard.vault_org_keys (
  org_id        uuid        NOT NULL,
  version       integer     NOT NULL CHECK (version > 0),
  -- Which master key wraps this data key (an id, never key material).
  master_key_id text        NOT NULL CHECK (master_key_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  -- Fernet token under the master key of: org uuid (16) ‖ version (4, BE) ‖ data key (32).
  wrapped_key   text        NOT NULL,
  -- 'active': new secrets use it. 'retiring': rotateOrgKey is moving its secrets away.
  state         text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retiring')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  rewrapped_at  timestamptz,
  PRIMARY KEY (org_id, version)
);
COMMENT ON TABLE tenantguard.vault_org_keys IS
  'tenantguard vault: per-org data keys, wrapped under a master key. RLS: one org per transaction.';
-- At most one active data key per org.
CREATE UNIQUE INDEX IF NOT EXISTS vault_org_keys_one_active
  ON tenantguard.vault_org_keys (org_id) WHERE state = 'active';
SELECT tenantguard.enable_tenant_isolation('tenantguard.vault_org_keys');

CREATE TABLE IF NOT EXISTS tenantguard.vault_secrets (
  org_id      uuid        NOT NULL,
  -- Names are identifiers, not secrets: they appear in audit events.
  name        text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$'),
  key_version integer     NOT NULL,
  -- Fernet token under the org's data key of: 0x01 ‖ name length (2, BE) ‖ name ‖ value.
  ciphertext  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, name),
  -- A data key still used by a secret cannot be deleted by accident.
  FOREIGN KEY (org_id, key_version) REFERENCES tenantguard.vault_org_keys (org_id, version)
);
COMMENT ON TABLE tenantguard.vault_secrets IS
  'tenantguard vault: secrets encrypted under their org''s data key. RLS: one org per transaction.';
CREATE INDEX IF NOT EXISTS vault_secrets_key_version ON tenantguard.vault_secrets (org_id, key_version);
SELECT tenantguard.enable_tenant_isolation('tenantguard.vault_secrets');

-- rotateMasterKey must find every org whose data key is wrapped under an old
-- master key, but RLS (rightly) hides other orgs' rows from the application.
-- This index holds only (org, version, master key id), no key material; the
-- application role cannot read it directly, only ask the two functions below.
CREATE TABLE IF NOT EXISTS tenantguard.vault_key_index (
  org_id        uuid    NOT NULL,
  version       integer NOT NULL,
  master_key_id text    NOT NULL,
  PRIMARY KEY (org_id, version)
);
CREATE INDEX IF NOT EXISTS vault_key_index_master ON tenantguard.vault_key_index (master_key_id, org_id);
REVOKE ALL ON tenantguard.vault_key_index FROM PUBLIC;

CREATE OR REPLACE FUNCTION tenantguard.vault_key_index_sync()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM tenantguard.vault_key_index WHERE org_id = OLD.org_id AND version = OLD.version;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO tenantguard.vault_key_index (org_id, version, master_key_id)
    VALUES (NEW.org_id, NEW.version, NEW.master_key_id)
    ON CONFLICT (org_id, version) DO UPDATE SET master_key_id = EXCLUDED.master_key_id;
  END IF;
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION tenantguard.vault_key_index_sync() FROM PUBLIC;

DROP TRIGGER IF EXISTS vault_key_index_sync ON tenantguard.vault_org_keys;
CREATE TRIGGER vault_key_index_sync
  AFTER INSERT OR UPDATE OF org_id, version, master_key_id OR DELETE ON tenantguard.vault_org_keys
  FOR EACH ROW EXECUTE FUNCTION tenantguard.vault_key_index_sync();

-- Orgs with at least one data key not wrapped under `primary_id`, in uuid order after `after_org`.
CREATE OR REPLACE FUNCTION tenantguard.vault_orgs_to_rewrap(primary_id text, after_org uuid, max_orgs integer)
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT DISTINCT org_id FROM tenantguard.vault_key_index
  WHERE master_key_id <> primary_id AND (after_org IS NULL OR org_id > after_org)
  ORDER BY org_id
  LIMIT greatest(1, least(max_orgs, 10000));
$fn$;
REVOKE ALL ON FUNCTION tenantguard.vault_orgs_to_rewrap(text, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.vault_orgs_to_rewrap(text, uuid, integer) TO tenantguard_app;

-- How many data keys are not wrapped under `primary_id` (for progress reports).
CREATE OR REPLACE FUNCTION tenantguard.vault_keys_to_rewrap_count(primary_id text)
RETURNS bigint
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT count(*) FROM tenantguard.vault_key_index WHERE master_key_id <> primary_id;
$fn$;
REVOKE ALL ON FUNCTION tenantguard.vault_keys_to_rewrap_count(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantguard.vault_keys_to_rewrap_count(text) TO tenantguard_app;
