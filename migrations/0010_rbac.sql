-- tenantguard 0010: the permission engine's tables. Every table is tenant
-- scoped (RLS forced, policy on org_id) and has an index leading with org_id.
-- User and brand ids are text: tenantguard compares them as opaque strings,
-- whatever the application's identity provider issues.

-- Custom roles per org: a name, pattern lists, optionally based on a built-in
-- role OR on another custom role of the same org (never owner: no custom role
-- may reach owner-only permissions; the engine also checks the patterns).
CREATE TABLE IF NOT EXISTS tenantguard.custom_roles (
  org_id                  uuid        NOT NULL,
  id                      uuid        NOT NULL DEFAULT gen_random_uuid(),
  name                    text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$'),
  based_on_role           text        CHECK (based_on_role IN ('admin', 'manager', 'editor', 'viewer', 'member')),
  based_on_custom_role_id uuid,
  grants                  text[]      NOT NULL DEFAULT '{}',
  denies                  text[]      NOT NULL DEFAULT '{}',
  created_by              text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, name),
  CHECK (based_on_role IS NULL OR based_on_custom_role_id IS NULL),
  CHECK (based_on_custom_role_id IS DISTINCT FROM id),
  CHECK (cardinality(grants) <= 256 AND cardinality(denies) <= 256),
  FOREIGN KEY (org_id, based_on_custom_role_id) REFERENCES tenantguard.custom_roles (org_id, id) ON DELETE RESTRICT
);
COMMENT ON TABLE tenantguard.custom_roles IS
  'tenantguard RBAC: custom roles per org (patterns checked against the permission catalog when loaded).';

-- Membership: the member's role in the org. role = 'custom' exactly when a
-- custom role is assigned.
CREATE TABLE IF NOT EXISTS tenantguard.org_members (
  org_id         uuid        NOT NULL,
  user_id        text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 256),
  role           text        NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'editor', 'viewer', 'member', 'custom')),
  custom_role_id uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id),
  CHECK ((role = 'custom') = (custom_role_id IS NOT NULL)),
  FOREIGN KEY (org_id, custom_role_id) REFERENCES tenantguard.custom_roles (org_id, id) ON DELETE RESTRICT
);
COMMENT ON TABLE tenantguard.org_members IS
  'tenantguard RBAC: each member''s role in the org (the token''s role claim is not trusted for permissions; this row is).';

-- Brands a brand-scoped member (manager, editor, viewer, scoped custom role)
-- may act on.
CREATE TABLE IF NOT EXISTS tenantguard.users_brand_access (
  org_id     uuid        NOT NULL,
  user_id    text        NOT NULL,
  brand_id   text        NOT NULL CHECK (length(brand_id) BETWEEN 1 AND 256),
  granted_by text,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id, brand_id),
  FOREIGN KEY (org_id, user_id) REFERENCES tenantguard.org_members (org_id, user_id) ON DELETE CASCADE
);
COMMENT ON TABLE tenantguard.users_brand_access IS
  'tenantguard RBAC: brands granted to brand-scoped members.';

-- Per-user overrides: grant or deny a permission pattern, optionally for one
-- brand, optionally until an instant. A deny beats everything.
CREATE TABLE IF NOT EXISTS tenantguard.user_permission_overrides (
  org_id     uuid        NOT NULL,
  id         uuid        NOT NULL DEFAULT gen_random_uuid(),
  user_id    text        NOT NULL,
  effect     text        NOT NULL CHECK (effect IN ('grant', 'deny')),
  permission text        NOT NULL CHECK (length(permission) BETWEEN 1 AND 256),
  brand_id   text        CHECK (length(brand_id) BETWEEN 1 AND 256),
  expires_at timestamptz,
  reason     text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, user_id) REFERENCES tenantguard.org_members (org_id, user_id) ON DELETE CASCADE
);
COMMENT ON TABLE tenantguard.user_permission_overrides IS
  'tenantguard RBAC: per-user grant/deny overrides (patterns checked against the catalog when loaded; expired rows are ignored).';

-- The loader reads a user's overrides by (org_id, user_id).
CREATE INDEX IF NOT EXISTS user_permission_overrides_org_user
  ON tenantguard.user_permission_overrides (org_id, user_id);
CREATE INDEX IF NOT EXISTS org_members_org_custom_role
  ON tenantguard.org_members (org_id, custom_role_id) WHERE custom_role_id IS NOT NULL;

SELECT tenantguard.enable_tenant_isolation('tenantguard.custom_roles');
SELECT tenantguard.enable_tenant_isolation('tenantguard.org_members');
SELECT tenantguard.enable_tenant_isolation('tenantguard.users_brand_access');
SELECT tenantguard.enable_tenant_isolation('tenantguard.user_permission_overrides');
