/**
 * CEL as the API server runs it in a ValidatingAdmissionPolicy, on @marcbachmann/cel-js (the
 * library analysis conditions use): the variables `object`, `oldObject`, `params`, `request`,
 * `namespaceObject` and `variables`, JSON integers as CEL ints. Pure.
 *
 * Two gaps of the library are closed here, not papered over:
 * - `has(list[i].field)`: cel-js accepts has() only on a chain of field selections from a
 *   variable. Such calls are rewritten to `'field' in (list[i])`, which for the JSON maps an
 *   admission request holds means the same (the key is present).
 * - `authorizer` is not available offline: an expression that uses it is reported as not
 *   checkable, and the API server's dry run remains the check.
 */
import { Environment, EvaluationError, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import type { ParseResult } from '@marcbachmann/cel-js';

export const ADMISSION_VARIABLES = [
  'object',
  'oldObject',
  'params',
  'request',
  'namespaceObject',
  'variables',
] as const;

const environment = ADMISSION_VARIABLES.reduce(
  (env, name) => env.registerVariable(name, 'dyn'),
  new Environment({ unlistedVariablesAreDyn: false }),
);

export type Compiled = { ok: true; program: ParseResult; expression: string } | { ok: false; error: string };

/** Finds the `)` that closes the `(` at `open`, skipping string literals; -1 when unbalanced. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      const quote = ch;
      for (i++; i < text.length && text[i] !== quote; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

const FIELD_CHAIN = /^[A-Za-z_][A-Za-z0-9_]*(\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `has(a[i].f)` -> `('f' in (a[i]))`; has() over a plain field chain is left alone. Pure. */
export function rewriteHas(expression: string): string {
  let out = '';
  let rest = expression;
  for (;;) {
    const match = /(^|[^A-Za-z0-9_.])has\s*\(/.exec(rest);
    if (!match) return out + rest;
    const open = match.index + match[0].length - 1;
    const close = closingParen(rest, open);
    if (close < 0) return out + rest;
    const inner = rest.slice(open + 1, close).trim();
    const field = /^([\s\S]*\S)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    const receiver = field?.[1];
    if (field && receiver !== undefined && !FIELD_CHAIN.test(inner)) {
      out += `${rest.slice(0, match.index + (match[1] ?? '').length)}('${field[2] ?? ''}' in (${rewriteHas(receiver)}))`;
    } else {
      out += rest.slice(0, close + 1);
    }
    rest = rest.slice(close + 1);
  }
}

function describe(error: unknown, expression: string): string {
  if (error instanceof ParseError || error instanceof EvaluationError || error instanceof CelTypeError) {
    const where = error.range ? ` at column ${String(error.range.start + 1)}` : '';
    return `${error.summary}${where} in '${expression}'`;
  }
  return `${error instanceof Error ? error.message : String(error)} in '${expression}'`;
}

export function compile(expression: string): Compiled {
  if (/(^|[^A-Za-z0-9_.])authorizer\b/.test(expression)) {
    return { ok: false, error: `uses authorizer, which only the API server can evaluate: '${expression}'` };
  }
  try {
    const program = environment.parse(rewriteHas(expression));
    const checked = program.check();
    if (!checked.valid) return { ok: false, error: describe(checked.error, expression) };
    return { ok: true, program, expression };
  } catch (error) {
    return { ok: false, error: describe(error, expression) };
  }
}

/** JSON as CEL sees it: whole numbers are ints (bigint), others doubles. Pure. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}

export type Evaluated = { ok: true; value: unknown } | { ok: false; error: string };

export function run(compiled: Extract<Compiled, { ok: true }>, context: Record<string, unknown>): Evaluated {
  try {
    return { ok: true, value: compiled.program(context) as unknown };
  } catch (error) {
    return { ok: false, error: describe(error, compiled.expression) };
  }
}
