/** Reads an RFC 6750 bearer token from an Authorization header, strictly. */

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/** The token, `undefined` when the header is absent, or `null` when present but malformed. */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  // Two Authorization headers are ambiguous: refuse rather than pick one.
  if (typeof header !== 'string') return null;
  const m = BEARER.exec(header);
  return m === null ? null : (m[1] as string);
}
