/** Route coverage: every route with its method and permission, and the startup check. */
import { TenantGuardError } from '../../errors.js';
import { isMutating } from './guard.js';

/** One route as the adapters see it. */
export interface RouteCoverageEntry {
  /** The HTTP method, upper case (`GET`, `POST`, ...). */
  readonly method: string;
  /** The route pattern as registered (`/brands/:brandId`). */
  readonly path: string;
  /** The permission checked, or null. */
  readonly permission: string | null;
  /** Marked public (no permission needed on purpose). */
  readonly public: boolean;
}

/** Mutating routes that have neither a permission check nor a public mark. */
export function unguardedRoutes(routes: readonly RouteCoverageEntry[]): RouteCoverageEntry[] {
  return routes.filter((r) => isMutating(r.method) && r.permission === null && !r.public);
}

/** Throws `ROUTE_UNGUARDED` naming every unguarded mutating route. */
export function assertCoverage(routes: readonly RouteCoverageEntry[]): void {
  const bad = unguardedRoutes(routes);
  if (bad.length > 0) {
    throw new TenantGuardError(
      'ROUTE_UNGUARDED',
      `mutating routes without a permission check: ${bad.map((r) => `${r.method} ${r.path}`).join(', ')}. ` +
        'Add a permission check, or mark the route public if it must be reachable without one.',
      { details: { routes: bad.map((r) => `${r.method} ${r.path}`) } },
    );
  }
}
