/**
 * Points in time for Prometheus range queries (`rangeQuery.start`, `rangeQuery.end`), written
 * as in Argo: `now() - duration('5m')`, `now()`. Pure: `now` is an input.
 *
 * Accepted: an RFC 3339 timestamp (`2026-01-02T15:04:05Z`), Unix seconds (`1767366245`), or a
 * CEL expression of type timestamp using `now()`, `duration('…')` and `timestamp('…')`
 * (`now() - duration('1h')`). Argo's expr forms with double quotes read the same in CEL.
 */
import { Environment, EvaluationError, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';

export type TimeOutcome =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly error: string };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UNIX_SECONDS = /^\d+(\.\d+)?$/;

/** The time `expression` denotes at `now` (ms since the epoch). */
export function evaluateTimeExpression(expression: string, now: number): TimeOutcome {
  const text = expression.trim();
  if (RFC3339.test(text)) return { ok: true, ms: Date.parse(text) };
  if (UNIX_SECONDS.test(text)) return { ok: true, ms: Math.round(Number(text) * 1000) };
  // A fresh environment per evaluation binds now() without any shared mutable clock.
  const env = new Environment({ limits: { maxAstNodes: 100 } }).registerFunction(
    'now(): google.protobuf.Timestamp',
    () => new Date(now),
  );
  try {
    const checked = env.check(text);
    if (!checked.valid) return { ok: false, error: describe(checked.error, text) };
    if (checked.type !== 'google.protobuf.Timestamp') {
      return {
        ok: false,
        error: `'${text}' is of type ${checked.type}, expected a timestamp such as now() - duration('5m')`,
      };
    }
    const value: unknown = env.evaluate(text);
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      return { ok: false, error: `'${text}' did not produce a timestamp` };
    }
    return { ok: true, ms: value.getTime() };
  } catch (error) {
    return { ok: false, error: describe(error, text) };
  }
}

function describe(error: unknown, text: string): string {
  if (error instanceof ParseError || error instanceof EvaluationError || error instanceof CelTypeError) {
    const where = error.range ? ` at column ${error.range.start + 1}` : '';
    return `${error.summary}${where} in '${text}'`;
  }
  return `${error instanceof Error ? error.message : String(error)} in '${text}'`;
}
