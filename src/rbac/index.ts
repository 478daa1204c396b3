/**
 * The permission engine: catalog, roles, pattern grammar, engine and store.
 *
 * @module rbac
 */
export { PERMISSIONS, PERMISSION_NAMES } from './catalog.js';
export type { CatalogEntry, Permission, PermissionDefinition, PermissionLevel, PermissionPattern } from './catalog.js';
export {
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_SEGMENTS,
  describeMatch,
  isExactPattern,
  parsePattern,
  patternImplies,
  patternMatches,
  printPattern,
  tryParsePattern,
} from './pattern.js';
export type { ParsedPattern } from './pattern.js';
export { PermissionIndex } from './permission-index.js';
export { BUILTIN_ROLES, ROLES, ROLE_ALIASES, ROLE_PERMISSIONS, isRoleName, resolveRole } from './roles.js';
export type { BuiltinRole, RoleDefinition, RoleName } from './roles.js';
export { catalogPattern, compileOverride, resolveCustomRole } from './rules.js';
export type {
  CatalogPattern,
  CompiledOverride,
  CustomRoleInput,
  OverrideInput,
  ResolvedCustomRole,
  SourcedPattern,
} from './rules.js';
export { CompiledPrincipal, createPermissionEngine } from './engine.js';
export type {
  BrandScopeRule,
  CrossOrgRule,
  CustomRoleDenyRule,
  NoRule,
  OverrideRule,
  RoleRule,
  UnknownPermissionRule,
  CheckScope,
  DecisionRule,
  Explanation, PermissionEngine, PermissionEngineOptions, PrincipalGrants } from './engine.js';
export { createPrincipalCache } from './cache.js';
export type { PrincipalCache, PrincipalCacheOptions } from './cache.js';
export { createPermissionStore } from './store.js';
export type { CustomRoleRef, MemberRole, PermissionStore, PermissionStoreOptions, PrincipalRef, StoredOverrideInput } from './store.js';
