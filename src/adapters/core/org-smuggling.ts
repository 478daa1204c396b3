/**
 * Finds client input that tries to carry an org id. The org comes only from
 * the verified token; a client that sends one anyway is either confused or
 * probing, and strict mode answers 400 and audits the attempt.
 */

/** Keys that name an org, compared without case, `_` or `-`. */
const ORG_KEYS = new Set(['orgid', 'organizationid', 'organisationid', 'tenantid', 'org', 'tenant']);
/** Headers that name an org. */
const ORG_HEADERS = new Set(['x-org-id', 'x-organization-id', 'x-organisation-id', 'x-tenant-id', 'x-tenant', 'x-org']);

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function scan(value: unknown, path: string, depth: number, out: string[]): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => scan(v, `${path}[${i}]`, depth + 1, out));
    return;
  }
  for (const key of Object.keys(value)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (ORG_KEYS.has(normaliseKey(key))) out.push(here);
    scan((value as Record<string, unknown>)[key], here, depth + 1, out);
  }
}

/** Where the request carries an org id: e.g. `['body.org_id', 'header:x-org-id']`. */
export function findOrgIdInInput(input: {
  body?: unknown;
  query?: unknown;
  params?: unknown;
  headers?: Readonly<Record<string, unknown>>;
}): string[] {
  const out: string[] = [];
  scan(input.body, 'body', 0, out);
  scan(input.query, 'query', 0, out);
  scan(input.params, 'params', 0, out);
  for (const name of Object.keys(input.headers ?? {})) {
    if (ORG_HEADERS.has(name.toLowerCase())) out.push(`header:${name.toLowerCase()}`);
  }
  return out;
}
