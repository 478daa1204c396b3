/**
 * A small cache of compiled principals keyed by (org, user). Keys are kept
 * apart by nesting maps, never by joining strings: casbin's CachedEnforcer
 * joins request values with `$$`, so `('a$$b', 'c')` and `('a', 'b$$c')`
 * collide there. Here any two distinct pairs are distinct entries.
 *
 * @module rbac/cache
 */
import { TenantGuardError } from '../errors.js';

/** Options for {@link createPrincipalCache}. */
export interface PrincipalCacheOptions {
  /** Entry lifetime in milliseconds (default 60 000). Invalidate explicitly on writes; the TTL is a backstop. */
  readonly ttlMs?: number;
  /** Most entries kept; the oldest org is dropped first beyond it (default 10 000). */
  readonly maxEntries?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** A cache of values per (orgId, userId). */
export interface PrincipalCache<T> {
  /** The live entry for the pair, or undefined. */
  get(orgId: string, userId: string): T | undefined;
  /** Stores an entry for the pair. */
  set(orgId: string, userId: string, value: T): void;
  /** Drops one user's entry, or every entry of the org when `userId` is omitted. */
  invalidate(orgId: string, userId?: string): void;
  /** Drops everything. */
  clear(): void;
  /** How many entries are held. */
  readonly size: number;
}

interface Entry<T> {
  readonly value: T;
  readonly expires: number;
}

/**
 * Creates a principal cache.
 *
 * @example
 * ```ts
 * const cache = createPrincipalCache<CompiledPrincipal>({ ttlMs: 30_000 });
 * cache.invalidate(orgId, userId); // after changing the user's role or overrides
 * ```
 */
export function createPrincipalCache<T>(options: PrincipalCacheOptions = {}): PrincipalCache<T> {
  const ttl = options.ttlMs ?? 60_000;
  const max = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(ttl) || ttl < 0 || !Number.isInteger(max) || max < 1 || typeof now !== 'function') {
    throw new TenantGuardError('CONFIG_INVALID', 'Invalid principal cache options (ttlMs >= 0, maxEntries >= 1 integer).');
  }
  const orgs = new Map<string, Map<string, Entry<T>>>();
  let size = 0;

  return {
    get(orgId, userId) {
      const users = orgs.get(orgId);
      const e = users?.get(userId);
      if (e === undefined) return undefined;
      if (e.expires <= now()) {
        users?.delete(userId);
        size -= 1;
        if (users?.size === 0) orgs.delete(orgId);
        return undefined;
      }
      return e.value;
    },
    set(orgId, userId, value) {
      if (size >= max && orgs.get(orgId)?.has(userId) !== true) {
        // Evict the oldest org (Map keeps insertion order).
        const first = orgs.entries().next();
        if (!first.done) {
          size -= first.value[1].size;
          orgs.delete(first.value[0]);
        }
      }
      let users = orgs.get(orgId);
      if (users === undefined) {
        users = new Map();
        orgs.set(orgId, users);
      }
      if (!users.has(userId)) size += 1;
      users.set(userId, { value, expires: now() + ttl });
    },
    invalidate(orgId, userId) {
      const users = orgs.get(orgId);
      if (users === undefined) return;
      if (userId === undefined) {
        size -= users.size;
        orgs.delete(orgId);
      } else if (users.delete(userId)) {
        size -= 1;
        if (users.size === 0) orgs.delete(orgId);
      }
    },
    clear() {
      orgs.clear();
      size = 0;
    },
    get size() {
      return size;
    },
  };
}
