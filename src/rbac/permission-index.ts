/**
 * Interns a list of permission strings to integer ids and expands patterns
 * into the ids they cover, with a segment trie. Generic over the list so the
 * property tests can feed it random catalogs (with `__proto__` and friends:
 * children live in a `Map`, never in a plain object).
 *
 * @module rbac/permission-index
 */
import { TenantGuardError } from '../errors.js';
import { type ParsedPattern, tryParsePattern } from './pattern.js';

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  /** The id of the permission ending here, or -1. */
  id: number;
  /** Ids of every permission strictly below this node. */
  readonly below: number[];
}

function node(): TrieNode {
  return { children: new Map(), id: -1, below: [] };
}

/** Permissions interned to ids `0..size-1`, with pattern expansion. */
export class PermissionIndex {
  /** The permission strings, by id. */
  readonly names: readonly string[];
  /** The segments of each permission, by id. */
  readonly segments: readonly (readonly string[])[];
  private readonly ids = new Map<string, number>();
  private readonly root = node();
  private readonly expandCache = new Map<string, Int32Array>();

  /**
   * @param names distinct permission strings, each a valid pattern without
   * wildcards.
   * @throws TenantGuardError `CONFIG_INVALID` on a duplicate or malformed name.
   */
  constructor(names: readonly string[]) {
    this.names = [...names];
    const segs: string[][] = [];
    names.forEach((name, id) => {
      const parsed = tryParsePattern(name);
      if (typeof parsed === 'string' || parsed.segments.includes('*')) {
        throw new TenantGuardError('CONFIG_INVALID', `Catalog entry is not a permission name: ${String(name)}`, {
          details: { name },
        });
      }
      if (this.ids.has(name)) {
        throw new TenantGuardError('CONFIG_INVALID', `Duplicate catalog entry: ${name}`, { details: { name } });
      }
      this.ids.set(name, id);
      segs.push([...parsed.segments]);
      let cur = this.root;
      for (const s of parsed.segments) {
        cur.below.push(id);
        let next = cur.children.get(s);
        if (next === undefined) {
          next = node();
          cur.children.set(s, next);
        }
        cur = next;
      }
      cur.id = id;
    });
    this.segments = segs;
  }

  /** How many permissions. */
  get size(): number {
    return this.names.length;
  }

  /** The id of a permission string, or `undefined` when unknown. */
  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** The ids a parsed pattern covers, ascending. Empty when none. */
  expand(pattern: ParsedPattern): Int32Array {
    const key = pattern.segments.join('.');
    const hit = this.expandCache.get(key);
    if (hit !== undefined) return hit;
    const out: number[] = [];
    const segs = pattern.segments;
    const last = segs.length - 1;
    const walk = (n: TrieNode, i: number): void => {
      const s = segs[i] as string;
      if (i === last) {
        if (s === '*') {
          for (const id of n.below) out.push(id);
        } else {
          const c = n.children.get(s);
          if (c !== undefined && c.id >= 0) out.push(c.id);
        }
        return;
      }
      if (s === '*') {
        for (const c of n.children.values()) walk(c, i + 1);
      } else {
        const c = n.children.get(s);
        if (c !== undefined) walk(c, i + 1);
      }
    };
    walk(this.root, 0);
    out.sort((a, b) => a - b);
    const ids = Int32Array.from(new Set(out));
    // The cache is bounded by the distinct patterns an app uses; untrusted
    // floods are capped so memory cannot grow without limit.
    if (this.expandCache.size < 10_000) this.expandCache.set(key, ids);
    return ids;
  }
}
