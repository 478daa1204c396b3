/** Request decoration for Express, declared up front (declaration merging). */
import type { Principal } from '../../tenancy/index.js';
import type { TenantHandle } from '../core/guard.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified principal (set by `authenticate()`). Reading it on a route
       * that did not authenticate throws `AUTH_TOKEN_MISSING`.
       */
      principal: Principal;
      /** withTenant for the principal's org: `await req.tenant.run(async (db) => ...)`. */
      tenant: TenantHandle;
      /** The id the request's audit rows carry. */
      requestId: string;
    }
  }
}

export {};
