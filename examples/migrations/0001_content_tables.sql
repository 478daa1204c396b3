-- The example app's nine tenant-scoped tables (the seeds' schema, trimmed).
-- Every table leads with org_id; every reference is a composite foreign key
-- (org_id, x_id) -> (org_id, id), so a row can only point at a row of its own
-- org. A single-column FK would be checked by PostgreSQL without RLS and let
-- org B attach rows to org A's ids (the conformance kit looks for exactly that).

CREATE TABLE brands (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  website text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);

CREATE TABLE channels (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  platform text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'facebook', 'email')),
  handle text NOT NULL CHECK (length(handle) BETWEEN 1 AND 200),
  -- The OAuth token is in the vault (tenantguard.vault_secrets), never here.
  token_secret text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE
);

CREATE TABLE content_queue (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  channel_id uuid NOT NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'scheduled')),
  scheduled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id) ON DELETE CASCADE
);

CREATE TABLE published_posts (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  content_id uuid NOT NULL,
  url text,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, content_id) REFERENCES content_queue (org_id, id) ON DELETE CASCADE
);

CREATE TABLE email_subscribers (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
  name text,
  status text NOT NULL DEFAULT 'subscribed' CHECK (status IN ('subscribed', 'unsubscribed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, brand_id, email),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE
);

CREATE TABLE email_campaigns (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
  body text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE
);

CREATE TABLE email_sends (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  campaign_id uuid NOT NULL,
  subscriber_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'delivered', 'bounced')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, campaign_id) REFERENCES email_campaigns (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, subscriber_id) REFERENCES email_subscribers (org_id, id) ON DELETE CASCADE
);

CREATE TABLE mentions (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  channel_id uuid NOT NULL,
  author text NOT NULL,
  body text NOT NULL,
  reply text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id) ON DELETE CASCADE
);

CREATE TABLE presence_incidents (
  org_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  brand_id uuid NOT NULL,
  kind text NOT NULL,
  severity text NOT NULL DEFAULT 'low' CHECK (severity IN ('low', 'medium', 'high')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, brand_id) REFERENCES brands (org_id, id) ON DELETE CASCADE
);

-- Brand-scoped lookups: (org_id, brand_id) leads every child index.
CREATE INDEX channels_brand ON channels (org_id, brand_id);
CREATE INDEX content_queue_brand ON content_queue (org_id, brand_id);
CREATE INDEX published_posts_brand ON published_posts (org_id, brand_id);
CREATE INDEX email_subscribers_brand ON email_subscribers (org_id, brand_id);
CREATE INDEX email_campaigns_brand ON email_campaigns (org_id, brand_id);
CREATE INDEX email_sends_brand ON email_sends (org_id, brand_id);
CREATE INDEX mentions_brand ON mentions (org_id, brand_id);
CREATE INDEX presence_incidents_brand ON presence_incidents (org_id, brand_id);

SELECT tenantguard.enable_tenant_isolation('brands');
SELECT tenantguard.enable_tenant_isolation('channels');
SELECT tenantguard.enable_tenant_isolation('content_queue');
SELECT tenantguard.enable_tenant_isolation('published_posts');
SELECT tenantguard.enable_tenant_isolation('email_subscribers');
SELECT tenantguard.enable_tenant_isolation('email_campaigns');
SELECT tenantguard.enable_tenant_isolation('email_sends');
SELECT tenantguard.enable_tenant_isolation('mentions');
SELECT tenantguard.enable_tenant_isolation('presence_incidents');
