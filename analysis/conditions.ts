/**
 * `successCondition` / `failureCondition`: CEL expressions over `result`, compiled and evaluated
 * with @marcbachmann/cel-js (a sandboxed interpreter: no eval, no Function, no I/O). Pure.
 *
 * ## Conditions in Bellwether (CEL) compared with Argo Rollouts (`expr`)
 *
 * `result` is what the provider measured:
 * - Prometheus scalar: a number (`result >= 0.95`).
 * - Prometheus instant vector: a list with one number per series, even for one series, as in
 *   Argo, so `result[0] >= 0.95` keeps working. A one-element list also compares like its only
 *   number: `result >= 0.95`, `result == 1` (the comparison is an error for any other size,
 *   never a silent false).
 * - Prometheus range query (matrix): a flat list of every sample value (`result.all(x, x < 0.05)`).
 * - Web: the JSON value at `jsonPath` with its JSON type (number, string, bool, list, map).
 *
 * What changes when moving an Argo template over:
 * - Logic is `&&`, `||`, `!` (not `and`, `or`, `not`).
 * - `len(result)` is `size(result)`; `all(result, {# < 0.05})` is `result.all(x, x < 0.05)`;
 *   `any(...)` is `result.exists(x, ...)`; `filter`/`map` are methods: `result.filter(x, x > 1.0)`.
 * - Numbers from providers are doubles. Comparisons mix freely (`result > 1`); CEL arithmetic
 *   needs double literals (`result * 100.0`), but `result * 100 > 95` is taken with expr's number
 *   rules (see below), so both work. Arithmetic on a one-sample vector needs the index:
 *   `result[0] * 100.0`.
 * - `asFloat(x)` / `asInt(x)` exist for compatibility; the CEL forms are `double(x)` / `int(x)`.
 *   Argo handed web values to conditions as text; here a JSON `true` is the bool `true`, so
 *   `result == 'true'` only matches the string "true" (write `result == true`).
 * - `isNaN(x)` and `isInf(x)` are added (Prometheus NaN never reaches a condition: the provider
 *   reports it as a measurement error). NaN compares false with everything, as in Argo.
 * - `default(x, y)` does not exist: test fields with `has(result.field)`.
 * - Strings take single or double quotes; `in` works for lists and maps (`'ok' in result`).
 * - A condition must be a boolean expression. Syntax errors, unknown variables (only `result`
 *   exists) and type errors are reported before the run starts, with the column.
 *
 * An Argo condition need not be rewritten by hand, though: a condition that does not compile as
 * CEL is translated from `expr` (analysis/expr-to-cel.ts, which lists what maps to what) and the
 * translation is compiled instead; `bellwether lint` reports each translation. An expression
 * that is valid CEL is always taken as CEL.
 */
import { EvaluationError, Environment, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import type { ParseResult } from '@marcbachmann/cel-js';
import { translateExprToCel } from './expr-to-cel.ts';

/** A condition that compiled; evaluate it with `evaluateCondition`. */
export interface CompiledCondition {
  /** The CEL text evaluated (the translation, for an Argo `expr` condition). */
  readonly expression: string;
  readonly program: ParseResult;
  /** The Argo `expr` condition as written, when `expression` is its translation. */
  readonly translatedFrom?: string;
}

export type CompileOutcome =
  | { readonly ok: true; readonly condition: CompiledCondition }
  | { readonly ok: false; readonly error: string };

export type ConditionOutcome =
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string };

// Conditions are one-liners; the limit only stops pathological input from costing time.
const MAX_AST_NODES = 500;

// The library derives `!=` and the mirrored operand order from an `==` overload.
const ORDERINGS = ['<', '<=', '>', '>='] as const;
type Ordering = (typeof ORDERINGS)[number];

function compare(op: Ordering, left: number, right: number): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
  }
}

/** CEL ints arrive as bigint, doubles as number. */
function toNumber(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  throw new Error(`expected a number, got ${typeof value}`);
}

/**
 * The only number of a one-sample vector. Anything else is an error rather than `false`, so a
 * multi-series query never passes or fails a scalar-style condition by accident.
 */
function onlySample(list: readonly unknown[]): number {
  if (list.length !== 1) {
    throw new Error(
      `result has ${list.length} values, so it cannot be compared as one number: use result[0], result.all(x, ...) or result.exists(x, ...)`,
    );
  }
  return toNumber(list[0]);
}

function buildEnvironment(): Environment {
  let env = new Environment({ limits: { maxAstNodes: MAX_AST_NODES } })
    .registerVariable('result', 'dyn', { description: 'The measured value.' })
    .registerFunction('isNaN(double): bool', (x: number) => Number.isNaN(x))
    .registerFunction('isNaN(int): bool', () => false)
    .registerFunction('isInf(double): bool', (x: number) => x === Infinity || x === -Infinity)
    .registerFunction('isInf(int): bool', () => false)
    .registerFunction('asFloat(string): double', (text: string) => parseNumber(text))
    .registerFunction('asFloat(double): double', (x: number) => x)
    .registerFunction('asFloat(int): double', (x: bigint) => Number(x))
    .registerFunction('asInt(string): int', (text: string) => BigInt(Math.trunc(parseNumber(text))))
    .registerFunction('asInt(double): int', (x: number) => BigInt(Math.trunc(x)))
    .registerFunction('asInt(int): int', (x: bigint) => x);
  // A one-sample vector compares like its number, in both operand orders.
  for (const numberType of ['double', 'int'] as const) {
    env = env.registerOperator(
      `list == ${numberType}`,
      (list: unknown[], n: unknown) => onlySample(list) === toNumber(n),
    );
    for (const op of ORDERINGS) {
      env = env
        .registerOperator(`list ${op} ${numberType}`, (list: unknown[], n: unknown) =>
          compare(op, onlySample(list), toNumber(n)),
        )
        .registerOperator(`${numberType} ${op} list`, (n: unknown, list: unknown[]) =>
          compare(op, toNumber(n), onlySample(list)),
        );
    }
  }
  return env;
}

function parseNumber(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`'${text}' is not a number`);
  return value;
}

const environment = buildEnvironment();

/** Hints for the usual slips when an Argo `expr` condition is pasted in unchanged. */
const ARGO_HINTS: readonly { readonly pattern: RegExp; readonly hint: string }[] = [
  { pattern: /(^|[\s)])(and|or)(?=[\s(])|(^|[\s(])not\s/, hint: 'CEL writes and/or/not as &&, ||, !' },
  { pattern: /\blen\(/, hint: 'CEL writes len(x) as size(x)' },
  {
    pattern: /\b(all|any|none|one|filter|map)\(\s*result\s*,|\{\s*#/,
    hint: 'CEL macros are methods: result.all(x, x < 0.05)',
  },
  { pattern: /\bdefault\(/, hint: 'CEL has no default(); test fields with has(result.field)' },
];

/** Hints for run-time type errors that come from providers returning doubles and lists. */
const RUNTIME_HINTS: readonly { readonly pattern: RegExp; readonly hint: string }[] = [
  {
    pattern: /no such overload: (dyn<)?list\b.* [-+*/%] |[-+*/%] (dyn<)?list/,
    hint: 'index the vector before arithmetic: result[0]',
  },
  {
    pattern: /no such overload: (dyn<)?double>? [-+*/%] int|no such overload: int [-+*/%] (dyn<)?double/,
    hint: 'measured numbers are doubles: write 100.0, not 100',
  },
];

function hintsFor(text: string, table: typeof ARGO_HINTS): string {
  const hints = table.filter(({ pattern }) => pattern.test(text)).map(({ hint }) => hint);
  return hints.length > 0 ? ` (hint: ${hints.join('; ')})` : '';
}

function describeCelError(error: unknown, expression: string): string {
  if (error instanceof ParseError || error instanceof EvaluationError || error instanceof CelTypeError) {
    const where = error.range ? ` at column ${error.range.start + 1}` : '';
    return `${error.summary}${where} in '${expression}'`;
  }
  return `${error instanceof Error ? error.message : String(error)} in '${expression}'`;
}

/**
 * Compile a condition, checking syntax, names and types before any measurement: as CEL, else as
 * an Argo `expr` condition translated to CEL (`translatedFrom` says so). Errors say what is wrong
 * and at which column, e.g. `Unexpected token: EOF at column 11 in 'result >= '`.
 */
export function compileCondition(expression: string): CompileOutcome {
  if (expression.trim() === '') return { ok: false, error: 'condition is empty' };
  const cel = compileCel(expression);
  const translated = translateExprToCel(expression);
  // Valid CEL stays CEL, unless expr's number rules give it its meaning (`result * 100 > 95`
  // compiles as CEL but fails at run time on double * int).
  if (cel.ok) {
    if (!translated.ok || !translated.numbersRewritten) return cel;
    const rewritten = compileCel(translated.cel);
    return rewritten.ok
      ? { ok: true, condition: { ...rewritten.condition, translatedFrom: expression } }
      : cel;
  }
  if (!translated.ok) return { ok: false, error: `${cel.error}; as Argo expr: ${translated.error}` };
  // Valid expr that is also the same text in CEL: the CEL error is the whole story.
  if (translated.cel === expression) return cel;
  const again = compileCel(translated.cel);
  if (!again.ok)
    return {
      ok: false,
      error: `${cel.error}; translated from Argo expr to '${translated.cel}', which does not compile: ${again.error}`,
    };
  return { ok: true, condition: { ...again.condition, translatedFrom: expression } };
}

function compileCel(expression: string): CompileOutcome {
  let program: ParseResult;
  try {
    program = environment.parse(expression);
  } catch (error) {
    return { ok: false, error: describeCelError(error, expression) + hintsFor(expression, ARGO_HINTS) };
  }
  const checked = program.check();
  if (!checked.valid) {
    return {
      ok: false,
      error: describeCelError(checked.error, expression) + hintsFor(expression, ARGO_HINTS),
    };
  }
  // `dyn` is allowed: `result` alone, or `result.ok`, is a bool only at run time.
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return {
      ok: false,
      error: `condition must be a boolean expression, but '${expression}' is of type ${checked.type}`,
    };
  }
  return { ok: true, condition: { expression, program } };
}

/**
 * Evaluate a compiled condition against a measured `result`. A runtime error (an index out of
 * range, a missing field, a type mismatch) or a non-boolean value is an error, never a verdict.
 */
export function evaluateCondition(condition: CompiledCondition, result: unknown): ConditionOutcome {
  let value: unknown;
  try {
    value = condition.program({ result: result ?? null });
  } catch (error) {
    const message = describeCelError(error, condition.expression);
    return { ok: false, error: message + hintsFor(message, RUNTIME_HINTS) };
  }
  if (typeof value !== 'boolean') {
    return {
      ok: false,
      error: `condition '${condition.expression}' returned ${describeValue(value)}, expected true or false`,
    };
  }
  return { ok: true, value };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'bigint' || typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'string') return `the string '${value}'`;
  return `a ${typeof value}`;
}
