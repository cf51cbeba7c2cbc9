/**
 * Int-or-string metric limits resolved when an AnalysisRun is made: `failureLimit:
 * "{{args.failures}}"` (and count, inconclusiveLimit, consecutiveErrorLimit,
 * consecutiveSuccessLimit) becomes the integer the argument gives, so the run's spec holds the
 * number it is judged by. A value that is not an integer after substitution is an error naming
 * the metric and field. Arguments whose value comes from a Secret are not known yet; a limit
 * that uses one keeps its placeholder and is resolved with the measurement (metric-spec.ts).
 * Pure.
 */
import type { Argument, MetricInput } from '../src/api/analysis.ts';
import { substituteArgs, type ArgsOutcome } from './args.ts';
import { parseIntOrString } from './int-or-string.ts';
import { INT_OR_STRING_METRIC_FIELDS, limitMinimum } from './metric-spec.ts';

/** The metrics with every int-or-string limit that literal args can resolve turned into an integer. */
export function resolveMetricLimits<M extends MetricInput>(
  metrics: readonly M[],
  args: readonly Argument[],
): ArgsOutcome<M[]> {
  const literal = new Map(
    args.flatMap((arg) => (arg.value === undefined ? [] : [[arg.name, arg.value] as const])),
  );
  const fromSecret = new Set(args.filter((arg) => arg.value === undefined).map((arg) => arg.name));
  const resolved: M[] = [];
  for (const metric of metrics) {
    const next: Record<string, unknown> = { ...metric };
    for (const field of INT_OR_STRING_METRIC_FIELDS) {
      const value = metric[field];
      if (typeof value !== 'string' || usesAny(value, fromSecret)) continue;
      const at = `metrics[${metric.name}].${field}`;
      const substituted = substituteArgs(value, literal, at);
      if (!substituted.ok) return substituted;
      const parsed = parseIntOrString(substituted.value, limitMinimum(field));
      if (!parsed.ok) return { ok: false, error: `${at}: ${parsed.error}` };
      next[field] = parsed.value;
    }
    resolved.push(next as M);
  }
  return { ok: true, value: resolved };
}

function usesAny(text: string, names: ReadonlySet<string>): boolean {
  return [...text.matchAll(/\{\{\s*args\.([^{}\s]+)\s*\}\}/g)].some((match) => names.has(match[1] ?? ''));
}
