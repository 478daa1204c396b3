-- tenantguard 0036: TOTP MFA. Tenant-scoped (RLS enabled and forced): MFA is
-- verified during a login for a known org, so every statement runs inside
-- that org's transaction.

-- One TOTP factor per user and org. The secret is stored encrypted
-- (AES-256-GCM under a key the application supplies, bound to org and user);
-- last_used_step refuses replays; the failure counter rate-limits guesses
-- across every process that shares the database.
CREATE TABLE IF NOT EXISTS tenantguard.mfa_totp (
  org_id            uuid        NOT NULL,
  user_id           text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  secret_box        bytea       NOT NULL,
  key_id            text        NOT NULL,
  algorithm         text        NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
  digits            smallint    NOT NULL CHECK (digits BETWEEN 6 AND 8),
  period            smallint    NOT NULL CHECK (period BETWEEN 1 AND 300),
  created_at        timestamptz NOT NULL,
  confirmed_at      timestamptz,
  last_used_step    bigint,
  failed_attempts   integer     NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  window_started_at timestamptz,
  PRIMARY KEY (org_id, user_id)
);
COMMENT ON TABLE tenantguard.mfa_totp IS
  'tenantguard TOTP factors: encrypted secret, last accepted time step (replay), failure counter (rate limit). RLS: org-scoped.';

-- Recovery codes, stored only as keyed hashes (HMAC-SHA256 with a pepper);
-- each works once.
CREATE TABLE IF NOT EXISTS tenantguard.mfa_recovery_codes (
  org_id     uuid        NOT NULL,
  user_id    text        NOT NULL,
  code_no    smallint    NOT NULL CHECK (code_no >= 0),
  code_hash  bytea       NOT NULL CHECK (length(code_hash) = 32),
  key_id     text        NOT NULL,
  created_at timestamptz NOT NULL,
  used_at    timestamptz,
  PRIMARY KEY (org_id, user_id, code_no)
);
COMMENT ON TABLE tenantguard.mfa_recovery_codes IS
  'tenantguard MFA recovery codes as HMAC-SHA256 hashes; single use. RLS: org-scoped.';

SELECT tenantguard.enable_tenant_isolation('tenantguard.mfa_totp');
SELECT tenantguard.enable_tenant_isolation('tenantguard.mfa_recovery_codes');
