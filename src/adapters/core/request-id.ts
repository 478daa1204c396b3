/** Request ids: the client's X-Request-Id when it is sane, else a fresh uuid. */
import { randomUUID } from 'node:crypto';

const SAFE = /^[A-Za-z0-9._:-]{8,128}$/;

/** The id to audit the request under. */
export function requestIdFrom(header: string | readonly string[] | undefined): string {
  return typeof header === 'string' && SAFE.test(header) ? header : randomUUID();
}
