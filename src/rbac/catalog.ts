/**
 * The permission catalog: the one list every permission string comes from.
 * The {@link Permission} type and the {@link PermissionPattern} type are
 * generated from it, so a typo is a compile error.
 *
 * @module rbac/catalog
 */

/**
 * Where a permission applies. `org`: the organisation as a whole (billing,
 * members). `brand`: one brand of the organisation; brand-scoped roles
 * (manager, editor, viewer) hold it only on brands granted to them.
 */
export type PermissionLevel = 'org' | 'brand';

/** One catalog entry. */
export interface PermissionDefinition {
  /** Dotted `resource[.sub].action`. */
  readonly permission: string;
  /** Org-level or brand-level. */
  readonly level: PermissionLevel;
  /** Only the owner may hold it; no custom role may ever reach it. */
  readonly ownerOnly: boolean;
  /** What it allows, in words for a support engineer. */
  readonly summary: string;
}

// The catalog, `as const` so the permission strings are literal types.
const CATALOG = [
  { permission: 'brands.read', level: 'brand', ownerOnly: false, summary: 'See a brand and its profile' },
  { permission: 'brands.create', level: 'org', ownerOnly: false, summary: 'Create a new brand in the organisation' },
  { permission: 'brands.update', level: 'brand', ownerOnly: false, summary: "Change a brand's profile" },
  { permission: 'brands.delete', level: 'brand', ownerOnly: false, summary: 'Delete a brand and its data' },
  { permission: 'channels.read', level: 'brand', ownerOnly: false, summary: "See a brand's connected channels" },
  { permission: 'channels.connect', level: 'brand', ownerOnly: false, summary: 'Connect a social or email channel' },
  { permission: 'channels.disconnect', level: 'brand', ownerOnly: false, summary: 'Disconnect a channel' },
  { permission: 'content.read', level: 'brand', ownerOnly: false, summary: 'See drafts and scheduled content' },
  { permission: 'content.create', level: 'brand', ownerOnly: false, summary: 'Write new content' },
  { permission: 'content.update', level: 'brand', ownerOnly: false, summary: 'Edit content' },
  { permission: 'content.delete', level: 'brand', ownerOnly: false, summary: 'Delete content' },
  { permission: 'content.approve', level: 'brand', ownerOnly: false, summary: 'Approve content for publishing' },
  { permission: 'posts.read', level: 'brand', ownerOnly: false, summary: 'See published posts' },
  { permission: 'posts.publish', level: 'brand', ownerOnly: false, summary: 'Publish or schedule a post' },
  { permission: 'posts.delete', level: 'brand', ownerOnly: false, summary: 'Take down a published post' },
  { permission: 'email.subscribers.read', level: 'brand', ownerOnly: false, summary: 'See email subscribers (personal data)' },
  { permission: 'email.subscribers.import', level: 'brand', ownerOnly: false, summary: 'Import subscribers' },
  { permission: 'email.subscribers.export', level: 'brand', ownerOnly: false, summary: 'Export subscribers (personal data leaves the system)' },
  { permission: 'email.subscribers.delete', level: 'brand', ownerOnly: false, summary: 'Delete subscribers' },
  { permission: 'email.campaigns.read', level: 'brand', ownerOnly: false, summary: 'See email campaigns' },
  { permission: 'email.campaigns.create', level: 'brand', ownerOnly: false, summary: 'Create an email campaign' },
  { permission: 'email.campaigns.update', level: 'brand', ownerOnly: false, summary: 'Edit an email campaign' },
  { permission: 'email.campaigns.send', level: 'brand', ownerOnly: false, summary: 'Send a campaign to subscribers' },
  { permission: 'email.campaigns.delete', level: 'brand', ownerOnly: false, summary: 'Delete an email campaign' },
  { permission: 'email.sends.read', level: 'brand', ownerOnly: false, summary: 'See delivery results of sends' },
  { permission: 'mentions.read', level: 'brand', ownerOnly: false, summary: 'See mentions of the brand' },
  { permission: 'mentions.reply', level: 'brand', ownerOnly: false, summary: 'Reply to a mention as the brand' },
  { permission: 'presence.incidents.read', level: 'brand', ownerOnly: false, summary: 'See presence incidents' },
  { permission: 'presence.incidents.resolve', level: 'brand', ownerOnly: false, summary: 'Resolve a presence incident' },
  { permission: 'presence.ghost.read', level: 'brand', ownerOnly: false, summary: 'See ghost presence configuration' },
  { permission: 'presence.ghost.update', level: 'brand', ownerOnly: false, summary: 'Change ghost presence configuration' },
  { permission: 'analytics.read', level: 'brand', ownerOnly: false, summary: 'See analytics dashboards' },
  { permission: 'analytics.export', level: 'brand', ownerOnly: false, summary: 'Export analytics data' },
  { permission: 'leads.read', level: 'brand', ownerOnly: false, summary: 'See leads (personal data)' },
  { permission: 'leads.export', level: 'brand', ownerOnly: false, summary: 'Export leads (personal data leaves the system)' },
  { permission: 'leads.delete', level: 'brand', ownerOnly: false, summary: 'Delete leads' },
  { permission: 'audit.read', level: 'org', ownerOnly: false, summary: 'Read and summarise the audit log (owner, admin)' },
  { permission: 'audit.export', level: 'org', ownerOnly: true, summary: 'Export the whole audit log (owner only)' },
  { permission: 'members.read', level: 'org', ownerOnly: false, summary: 'See the members of the organisation' },
  { permission: 'members.invite', level: 'org', ownerOnly: false, summary: 'Invite a member' },
  { permission: 'members.update', level: 'org', ownerOnly: false, summary: "Change a member's role or brand access" },
  { permission: 'members.remove', level: 'org', ownerOnly: false, summary: 'Remove a member' },
  { permission: 'roles.read', level: 'org', ownerOnly: false, summary: 'See roles and custom roles' },
  { permission: 'roles.manage', level: 'org', ownerOnly: false, summary: 'Create, change and delete custom roles' },
  { permission: 'billing.read', level: 'org', ownerOnly: false, summary: 'See plan and invoices' },
  { permission: 'billing.manage', level: 'org', ownerOnly: true, summary: 'Change plan and payment method' },
  { permission: 'api_keys.read', level: 'org', ownerOnly: false, summary: 'See API keys (never their secrets)' },
  { permission: 'api_keys.create', level: 'org', ownerOnly: false, summary: 'Create an API key' },
  { permission: 'api_keys.revoke', level: 'org', ownerOnly: false, summary: 'Revoke an API key' },
  { permission: 'integrations.read', level: 'org', ownerOnly: false, summary: 'See installed integrations' },
  { permission: 'integrations.manage', level: 'org', ownerOnly: false, summary: 'Install or remove integrations' },
  { permission: 'settings.read', level: 'org', ownerOnly: false, summary: 'See organisation settings' },
  { permission: 'settings.update', level: 'org', ownerOnly: false, summary: 'Change organisation settings' },
  { permission: 'security.read', level: 'org', ownerOnly: false, summary: 'See security settings and the isolation proof' },
  { permission: 'security.manage', level: 'org', ownerOnly: false, summary: 'Change security settings (MFA policy, sessions)' },
  { permission: 'org.transfer', level: 'org', ownerOnly: true, summary: 'Transfer ownership of the organisation' },
  { permission: 'org.delete', level: 'org', ownerOnly: true, summary: 'Delete the organisation and all its data' },
] as const satisfies readonly PermissionDefinition[];

/** A permission of the catalog: `'email.campaigns.sned'` does not compile. */
export type Permission = (typeof CATALOG)[number]['permission'];

/** A catalog entry, its permission typed as {@link Permission}. */
export interface CatalogEntry extends PermissionDefinition {
  /** The permission. */
  readonly permission: Permission;
}

/**
 * Every permission tenantguard knows (57 over 21 resource types). Order is
 * the interning order: the integer id of a permission is its index here.
 *
 * @example
 * ```ts
 * PERMISSIONS.filter((p) => p.level === 'org').map((p) => p.permission);
 * ```
 */
export const PERMISSIONS: readonly CatalogEntry[] = CATALOG;

/** Splits a dotted string into a tuple of its segments. */
type SplitSegments<S extends string> = S extends `${infer Head}.${infer Tail}`
  ? [Head, ...SplitSegments<Tail>]
  : [S];

/**
 * Every pattern that matches the permission whose segments are `Segs`: each
 * segment literal or `*`, or any such prefix followed by a trailing `*`.
 */
type PatternsFor<Segs extends readonly string[]> = Segs extends [infer Only extends string]
  ? Only | '*'
  : Segs extends [infer Head extends string, ...infer Rest extends string[]]
    ? '*' | `${Head | '*'}.${PatternsFor<Rest>}`
    : never;

type PatternsOfPermission<P> = P extends string ? PatternsFor<SplitSegments<P>> : never;

/**
 * A permission or a wildcard pattern that matches at least one catalog entry.
 * `*` stands for exactly one whole segment; a trailing `*` covers everything
 * below. Wildcards are positional: `*.read` covers `brands.read` but not
 * `email.campaigns.read`. `'emial.*'` does not compile.
 */
export type PermissionPattern = PatternsOfPermission<Permission>;

/** The permission strings of the catalog, in interning order. */
export const PERMISSION_NAMES: readonly Permission[] = PERMISSIONS.map((p) => p.permission);
