/**
 * Deciding whether a response reveals anything: another org's marker or ids
 * in the text, or a refusal that differs from the refusal for an id that
 * exists nowhere (which would let org B tell "exists elsewhere" from
 * "does not exist").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KitResponse } from './http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id shaped like `sample` that exists nowhere. */
export function nonexistentIdLike(sample: string): string {
  if (UUID.test(sample)) return randomUUID();
  if (/^[0-9]+$/.test(sample)) return String(9_000_000_000_000 + Math.floor(Math.random() * 999_999_999));
  return `nx${randomBytes(Math.max(4, Math.ceil(sample.length / 2))).toString('hex')}`.slice(0, Math.max(sample.length, 10));
}

function dropFields(value: unknown, ignore: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => dropFields(v, ignore));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!ignore.has(k)) out[k] = dropFields(v, ignore);
    return out;
  }
  return value;
}

/** The response body with ignored fields dropped and the given ids replaced by `<id>`. */
export function normalizedBody(res: KitResponse, ids: readonly string[], ignore: ReadonlySet<string>): string {
  let s = res.json !== undefined ? JSON.stringify(dropFields(res.json, ignore)) : res.text;
  // Longest first so an id that contains another is replaced whole.
  for (const id of [...ids].sort((a, b) => b.length - a.length)) if (id.length > 0) s = s.split(id).join('<id>');
  return s;
}

/**
 * Why `res` reveals org A's data, or undefined: A's marker anywhere, or one
 * of A's ids that the request itself did not carry (echoing the id B sent
 * reveals nothing).
 */
export function revealsOtherOrg(res: KitResponse, markerA: string, idsA: readonly string[], requestText: string): string | undefined {
  if (res.text.includes(markerA)) return "the response contains org A's data (its marker)";
  for (const id of idsA) {
    if (res.text.includes(id) && !requestText.includes(id)) return `the response contains org A's id ${id}`;
  }
  return undefined;
}

/** Items of a list response: the array, or `items`/`data`/`results`/`rows`. */
export function listItems(json: unknown): unknown[] | undefined {
  if (Array.isArray(json)) return json;
  if (json !== null && typeof json === 'object') {
    for (const key of ['items', 'data', 'results', 'rows']) {
      const v = (json as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v;
    }
  }
  return undefined;
}

/** The default id reader: `body.id`, then `body.data.id`. */
export function defaultIdFrom(body: unknown): string | undefined {
  const pick = (o: unknown): string | undefined => {
    if (o === null || typeof o !== 'object') return undefined;
    const id = (o as Record<string, unknown>).id;
    return typeof id === 'string' && id.length > 0 ? id : typeof id === 'number' ? String(id) : undefined;
  };
  return pick(body) ?? pick(body !== null && typeof body === 'object' ? (body as Record<string, unknown>).data : undefined);
}
