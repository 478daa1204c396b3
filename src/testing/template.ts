/**
 * Request templates: `{name}` placeholders filled with ids, and the route
 * name of a template (`/brands/{brands}` -> `/brands/:brands`) for reports.
 */
import type { TemplateValue } from './types.js';

const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;
const WHOLE = /^\{([A-Za-z0-9_.-]+)\}$/;

/** Values for placeholders; a missing name is an error (a typo would silently probe nothing). */
export type Bindings = Readonly<Record<string, string>>;

/** The placeholder names a template mentions. */
export function placeholders(value: TemplateValue | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (v: TemplateValue | undefined): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) out.add(m[1] as string);
    } else if (Array.isArray(v)) {
      for (const x of v as readonly TemplateValue[]) walk(x);
    } else if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(value);
  return out;
}

function fillString(s: string, b: Bindings): string {
  return s.replace(PLACEHOLDER, (_, name: string) => {
    const v = b[name];
    if (v === undefined) throw new Error(`template placeholder {${name}} has no value`);
    return v;
  });
}

/** Fills a path; values are URL-encoded. */
export function fillPath(path: string, b: Bindings): string {
  return path.replace(PLACEHOLDER, (_, name: string) => {
    const v = b[name];
    if (v === undefined) throw new Error(`template placeholder {${name}} has no value`);
    return encodeURIComponent(v);
  });
}

/** Fills a body template. */
export function fillBody(value: TemplateValue | undefined, b: Bindings): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole !== null) {
      const v = b[whole[1] as string];
      if (v === undefined) throw new Error(`template placeholder ${value} has no value`);
      return v;
    }
    return fillString(value, b);
  }
  if (Array.isArray(value)) return (value as readonly TemplateValue[]).map((x) => fillBody(x, b));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fillBody(v, b);
    return out;
  }
  return value;
}

/** `METHOD /brands/:brands/channels/:id` for a path template. */
export function endpointName(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(PLACEHOLDER, (_, name: string) => `:${name}`)}`;
}
