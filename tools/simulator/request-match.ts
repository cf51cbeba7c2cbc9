import type { SimulatedRequest } from './routing.ts';

/** A value condition as routers write it: exactly one of exact, prefix, regex. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** A header's value; names compare case-insensitively (RFC 9110). */
export function headerValue(request: SimulatedRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** A cookie's value from the request's `cookie` header (`a=1; b=2`). */
export function cookieValue(request: SimulatedRequest, name: string): string | undefined {
  for (const pair of (headerValue(request, 'cookie') ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** The path without its query string. */
export function pathOf(request: SimulatedRequest): string {
  const q = request.path.indexOf('?');
  return q >= 0 ? request.path.slice(0, q) : request.path;
}

/** A query parameter's first value. */
export function queryValue(request: SimulatedRequest, name: string): string | undefined {
  const q = request.path.indexOf('?');
  return q >= 0 ? (new URLSearchParams(request.path.slice(q + 1)).get(name) ?? undefined) : undefined;
}

const compiled = new Map<string, RegExp>();

/**
 * A regular expression as Envoy (Istio, most Gateway API implementations) applies it: to the
 * whole value (RE2 full match). `search` instead finds it anywhere, as NGINX's `ngx.re.match` does.
 * An expression JavaScript cannot compile matches nothing, as a proxy rejects the route.
 */
export function regexMatches(pattern: string, value: string, mode: 'full' | 'search' = 'full'): boolean {
  const source = mode === 'full' ? `^(?:${pattern})$` : pattern;
  let re = compiled.get(source);
  if (!re) {
    try {
      re = new RegExp(source);
    } catch {
      return false;
    }
    compiled.set(source, re);
  }
  return re.test(value);
}

/** Whether a (present) value satisfies a string match; a match with no condition set matches nothing. */
export function stringMatches(match: StringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (match.exact !== undefined) return value === match.exact;
  if (match.prefix !== undefined) return value.startsWith(match.prefix);
  if (match.regex !== undefined) return regexMatches(match.regex, value);
  return false;
}
