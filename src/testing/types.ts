/**
 * The conformance kit's input (which endpoints, which tokens) and output
 * (the JSON report). Kept apart from the runner so the report shape can be
 * read on its own by whoever consumes it in CI.
 *
 * @module testing/types
 */

/** A value in a request template: strings may hold `{placeholders}`. */
export type TemplateValue = string | number | boolean | null | readonly TemplateValue[] | { readonly [key: string]: TemplateValue };

/**
 * One tenant-scoped resource the app exposes over HTTP.
 *
 * Paths and bodies are templates. A `{name}` placeholder is replaced by the
 * id of the resource called `name` seeded in the org making the request,
 * `{id}` by the resource's own id, and `{marker}` by a random string unique
 * to the org (put it in a text field: if it ever shows up in a response to
 * the other org, that response leaked data). A string that is exactly one
 * placeholder is replaced by the id itself.
 *
 * @example
 * ```ts
 * const channels: ConformanceResource = {
 *   name: 'channels',
 *   create: { path: '/brands/{brands}/channels', body: { platform: 'x', handle: 'h {marker}' } },
 *   read: '/brands/{brands}/channels/{id}',
 *   list: '/brands/{brands}/channels',
 *   update: { method: 'PATCH', path: '/brands/{brands}/channels/{id}', body: { handle: 'changed' } },
 *   delete: '/brands/{brands}/channels/{id}',
 * };
 * ```
 */
export interface ConformanceResource {
  /** Unique name, also the placeholder other templates use for its id. */
  readonly name: string;
  /** How org A (and org B) create one. The response body must carry the id (see `idFrom`). */
  readonly create: CreateTemplate;
  /** Where one is read by id (GET). Answers 2xx for its own org. */
  readonly read: string;
  /** Where the org's collection is listed (GET). */
  readonly list?: string;
  /** How one is changed. */
  readonly update?: UpdateTemplate;
  /** Where one is deleted (DELETE). */
  readonly delete?: string;
  /**
   * Extra creations, made by org B, that point at org A's rows. `{target}`
   * is replaced by the id of A's `target` resource (and, in the control
   * request, by an id that exists nowhere). Creations whose `create` template
   * names another resource are probed this way automatically.
   */
  readonly references?: readonly ConformanceReference[];
  /** Reads the id from a create response body. Default: `body.id`, then `body.data.id`. */
  readonly idFrom?: (body: unknown) => string | undefined;
}

/** How a resource is created. */
export interface CreateTemplate {
  /** Method; default POST. */
  readonly method?: 'POST' | 'PUT';
  /** Path template, e.g. `/brands/{brands}/channels`. */
  readonly path: string;
  /** JSON body template. */
  readonly body?: TemplateValue;
}

/** How a resource is changed. */
export interface UpdateTemplate {
  /** Method; default PATCH. */
  readonly method?: 'PATCH' | 'PUT' | 'POST';
  /** Path template, e.g. `/brands/{brands}/channels/{id}`. */
  readonly path: string;
  /** JSON body template (keep it valid: a 400 is not the 404 the kit expects). */
  readonly body?: TemplateValue;
}

/** A creation by org B that references one of org A's rows. */
export interface ConformanceReference {
  /** The resource whose A id is put into `{target}`. */
  readonly target: string;
  /** Method; default POST. */
  readonly method?: 'POST' | 'PUT' | 'PATCH';
  /** Path template. */
  readonly path: string;
  /** Body template. */
  readonly body?: TemplateValue;
}

/** Two access tokens for two different orgs. */
export interface OrgTokens {
  /** A token of org A (the victim): should be able to create, read, update and delete every resource. */
  readonly orgA: string;
  /** A token of org B (the attacker): same role as A's, another org. */
  readonly orgB: string;
}

/** A TCP address as `net.Server.address()` returns it. */
export interface ListeningAddress {
  /** The port. */
  port: number;
  /** The host address (`127.0.0.1`, `::1`, `0.0.0.0`). */
  address: string;
  /** `IPv4` or `IPv6`. */
  family?: string;
}

/** Anything with `address()`, as a listening node:http / Express / Fastify server. */
export interface ListeningServer {
  /** The address it listens on (a string for a pipe, null when not listening). */
  address(): ListeningAddress | string | null;
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Where the app listens, e.g. `http://127.0.0.1:3000`. Give this or `server`. */
  readonly baseUrl?: string | URL;
  /** A listening server (loopback); the base URL is taken from its address. */
  readonly server?: ListeningServer;
  /** Tokens of two fresh orgs, or a function that provisions them. */
  readonly tokens: OrgTokens | (() => Promise<OrgTokens>);
  /** The tenant-scoped resources, in creation order (parents first). */
  readonly resources: readonly ConformanceResource[];
  /**
   * Org-wide GET paths (search, audit log, exports, dashboards) that org B
   * reads after its attempts; their answers must hold neither org A's
   * marker nor any of A's ids. E.g. `['/audit/log', '/search?q=brand']`.
   */
  readonly scans?: readonly string[];
  /** Stop at the first leak (default true). False runs every probe and collects all leaks. */
  readonly stopOnFirstLeak?: boolean;
  /** Statuses that mean "not found" for another org's id. Default `[404]`. */
  readonly notFoundStatuses?: readonly number[];
  /**
   * JSON fields ignored when two responses are compared (request ids,
   * timestamps). Default `['instance', 'requestId', 'request_id', 'traceId', 'timestamp']`.
   */
  readonly ignoreFields?: readonly string[];
  /** Headers sent with every request (never put into the report). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout in ms. Default 10000. */
  readonly timeoutMs?: number;
  /** The fetch to use. Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /**
   * The app's route list, e.g. the adapters' `tg.routeCoverage(app)` (Express)
   * or `app.tenantGuard.routes` (Fastify). Routes no probe reached are listed
   * in the report's `coverage.unprobed` (public routes are skipped).
   */
  readonly routes?: readonly CoverageRoute[];
  /** Routes not to count as unprobed: `'GET /security/isolation-proof'`, or a prefix ending in `*` (`'GET /audit/*'`). */
  readonly ignoreRoutes?: readonly string[];
  /** Fail the run when a listed route was not probed. Default false (reported only). */
  readonly failOnUnprobed?: boolean;
}

/** A route of the app, as the adapters' route coverage lists it. */
export interface CoverageRoute {
  /** HTTP method. */
  readonly method: string;
  /** Route pattern, e.g. `/brands/:brandId`. */
  readonly path: string;
  /** Public routes are not expected to be tenant-scoped. */
  readonly public?: boolean;
}

/** What a check probed. */
export type CheckKind = 'seed' | 'baseline' | 'read' | 'list' | 'update' | 'delete' | 'reference' | 'scan' | 'integrity' | 'coverage';

/** One check of the report. */
export interface ConformanceCheck {
  /** The resource checked. */
  readonly resource: string;
  /** What was probed. */
  readonly kind: CheckKind;
  /** `METHOD /path/:template`, the endpoint as the app's route table names it. */
  readonly endpoint: string;
  /** The path actually requested (ids filled in). */
  readonly path: string;
  /** Which org made the request. */
  readonly as: 'A' | 'B';
  /** A short description of the variant (e.g. "A's brand id in the path"). */
  readonly variant: string;
  /** The status received (0 when the request failed). */
  readonly status: number;
  /** The status of the control request with an id that exists nowhere, when one was made. */
  readonly controlStatus?: number;
  /** What was expected, in words. */
  readonly expected: string;
  /** True when the check held. */
  readonly passed: boolean;
  /** Why it failed (absent when it passed). */
  readonly reason?: string;
  /** The start of the failing response body (absent when it passed). */
  readonly evidence?: string;
}

/** The JSON report. */
export interface ConformanceReport {
  /** Report format tag. */
  readonly format: 'tenantguard-conformance/1';
  /** The app's base URL. */
  readonly baseUrl: string;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** Milliseconds the run took. */
  readonly durationMs: number;
  /** True when every check held. */
  readonly passed: boolean;
  /** True when the run stopped at the first failure. */
  readonly stoppedEarly: boolean;
  /** Counts. */
  readonly summary: ConformanceSummary;
  /** Every check, in the order made. */
  readonly checks: readonly ConformanceCheck[];
  /** The failed checks. */
  readonly failures: readonly ConformanceCheck[];
  /** When `routes` were given and the run was not stopped early: how many the probes reached, and which they did not. */
  readonly coverage?: ConformanceCoverage;
}

/** Counts of a report. */
export interface ConformanceSummary {
  /** Resources listed. */
  readonly resources: number;
  /** Checks made. */
  readonly checks: number;
  /** Checks that held. */
  readonly passed: number;
  /** Checks that failed. */
  readonly failed: number;
}

/** Which of the app's routes the probes reached. */
export interface ConformanceCoverage {
  /** Non-public routes listed. */
  readonly routes: number;
  /** Of those, reached by at least one probe or scan. */
  readonly probed: number;
  /** Not reached and not ignored, as `METHOD /path`. */
  readonly unprobed: readonly string[];
  /** Not reached, matched by `ignoreRoutes`. */
  readonly ignored: readonly string[];
}
