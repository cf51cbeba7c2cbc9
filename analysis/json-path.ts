/**
 * A small JSONPath subset for the web provider's `jsonPath` and arguments' `fieldRef.fieldPath`.
 * Pure.
 *
 * Supported: an optional `{...}` wrapper (Kubernetes style, as in Argo's `{$.data.ok}`), an
 * optional leading `$`, then any number of
 * - `.name` (any characters but `.`, `[`, `]`, quotes and spaces),
 * - `['name']` or `["name"]` (for keys with dots or dashes, e.g. `metadata.labels['app.kubernetes.io/name']`),
 * - `[N]` (a list index; `[-1]` is the last element).
 * `$` alone selects the whole document. Not supported (rejected with a message): wildcards
 * `*`, recursive descent `..`, filters `[?()]`, slices `[a:b]` and unions `[a,b]`; they select
 * several values, and a condition wants one `result`.
 */

export type PathSegment =
  { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number };

export type ParsedPath =
  | { readonly ok: true; readonly segments: readonly PathSegment[] }
  | { readonly ok: false; readonly error: string };

export type PathLookup =
  { readonly found: true; readonly value: unknown } | { readonly found: false; readonly error: string };

const NAME = /^[^.[\]'"\s]+/;
const QUOTED_KEY = /^\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/;
const INDEX = /^\[\s*(-?\d+)\s*\]/;

export function parseJsonPath(path: string): ParsedPath {
  let rest = path.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1).trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  else if (rest !== '' && !rest.startsWith('.') && !rest.startsWith('[')) rest = `.${rest}`;
  const segments: PathSegment[] = [];
  while (rest !== '') {
    const parsed = nextSegment(rest);
    if (parsed === undefined) {
      const column = path.length - rest.length + 1;
      return {
        ok: false,
        error: `unsupported JSONPath '${path}' at column ${column}: ${unsupportedReason(rest)}`,
      };
    }
    segments.push(parsed.segment);
    rest = parsed.rest;
  }
  return { ok: true, segments };
}

function nextSegment(text: string): { segment: PathSegment; rest: string } | undefined {
  if (text.startsWith('.') && !text.startsWith('..')) {
    const name = NAME.exec(text.slice(1));
    if (name === null || name[0] === '*') return undefined;
    return { segment: { kind: 'key', key: name[0] }, rest: text.slice(1 + name[0].length) };
  }
  const quoted = QUOTED_KEY.exec(text);
  if (quoted !== null) {
    return {
      segment: { kind: 'key', key: quoted[1] ?? quoted[2] ?? '' },
      rest: text.slice(quoted[0].length),
    };
  }
  const index = INDEX.exec(text);
  if (index !== null) {
    return { segment: { kind: 'index', index: Number(index[1]) }, rest: text.slice(index[0].length) };
  }
  return undefined;
}

function unsupportedReason(rest: string): string {
  if (rest.startsWith('..')) return 'recursive descent (..) is not supported';
  if (/^(\.\*|\[\s*\*)/.test(rest)) return 'wildcards (*) are not supported';
  if (rest.startsWith('[?')) return 'filters ([?()]) are not supported';
  if (/^\[[^\]]*[:,]/.test(rest)) return 'slices and unions are not supported';
  return "expected .name, ['name'] or [index]";
}

/** Follow `segments` into `value`; a missing key or index says where the path stopped. */
export function readPath(value: unknown, segments: readonly PathSegment[]): PathLookup {
  let current = value;
  let walked = '$';
  for (const segment of segments) {
    const step = segment.kind === 'key' ? `['${segment.key}']` : `[${segment.index}]`;
    const next = stepInto(current, segment);
    if (!next.found) return { found: false, error: `${walked}${step} ${next.error}` };
    current = next.value;
    walked += step;
  }
  return { found: true, value: current };
}

function stepInto(value: unknown, segment: PathSegment): PathLookup {
  if (segment.kind === 'index') {
    if (!Array.isArray(value))
      return { found: false, error: `is an index into ${kindOf(value)}, not a list` };
    const list: readonly unknown[] = value;
    const at = segment.index < 0 ? list.length + segment.index : segment.index;
    if (at < 0 || at >= list.length) {
      return { found: false, error: `is out of range (the list has ${list.length} elements)` };
    }
    return { found: true, value: list[at] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { found: false, error: `is a key into ${kindOf(value)}, not an object` };
  }
  if (!Object.hasOwn(value, segment.key)) return { found: false, error: 'does not exist' };
  return { found: true, value: (value as Record<string, unknown>)[segment.key] };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
