-- tenantguard 0035: JWT session families (refresh-token rotation with reuse
-- detection). Tenant-scoped: RLS enabled and forced, so the app role sees a
-- session row only inside a transaction for that row's org. Refresh finds the
-- org in the refresh token itself, after its signature is verified and
-- before any SQL runs (see docs/guides/sessions.md).

CREATE TABLE IF NOT EXISTS tenantguard.sessions (
  org_id              uuid        NOT NULL,
  session_id          uuid        NOT NULL,
  user_id             text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  role                text        NOT NULL CHECK (length(role) BETWEEN 1 AND 64),
  amr                 text[]      NOT NULL,
  -- Only the ids (jti) of the current and the immediately previous refresh
  -- token are kept: a validly signed token for this session whose jti is
  -- neither is a replay of an older token, whatever its age.
  current_jti         uuid        NOT NULL,
  previous_jti        uuid,
  rotated_at          timestamptz,
  generation          integer     NOT NULL DEFAULT 0 CHECK (generation >= 0),
  created_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  revoked_at          timestamptz,
  revoked_reason      text CHECK (revoked_reason IN ('revoked', 'reuse', 'user', 'mfa_policy')),
  PRIMARY KEY (org_id, session_id),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
COMMENT ON TABLE tenantguard.sessions IS
  'tenantguard session families: one row per login; current and previous refresh token ids, revocation. RLS: org-scoped.';

CREATE INDEX IF NOT EXISTS sessions_org_user_idx ON tenantguard.sessions (org_id, user_id);

SELECT tenantguard.enable_tenant_isolation('tenantguard.sessions');
