/**
 * Turning what a provider returned into a Measurement for status: run the metric's conditions
 * over the value and mask secrets. Pure: the times are inputs.
 *
 * A provider error, or a condition that cannot be evaluated (an index out of range, a type
 * mismatch), makes an Error measurement: it counts towards consecutiveErrorLimit, never as a
 * success or a failure.
 */
import type { Measurement, MetricInput } from '../src/api/analysis.ts';
import { compileCondition, evaluateCondition } from './conditions.ts';
import type { CompiledCondition } from './conditions.ts';
import { measurementPhase } from './metric-result.ts';

/** What a provider produced: the value conditions see and its text for status, or an error. */
export type ProviderOutcome =
  { readonly value: unknown; readonly display: string } | { readonly error: string };

export interface MetricConditions {
  readonly success?: CompiledCondition;
  readonly failure?: CompiledCondition;
}

/** Longest value text kept in status; a large web response would otherwise bloat the run. */
export const MAX_VALUE_TEXT = 1024;

/** Compile a metric's two conditions; the error names the field. */
export function compileMetricConditions(
  metric: Pick<MetricInput, 'name' | 'successCondition' | 'failureCondition'>,
):
  | { readonly ok: true; readonly conditions: MetricConditions }
  | { readonly ok: false; readonly error: string } {
  const conditions: { success?: CompiledCondition; failure?: CompiledCondition } = {};
  for (const [key, field] of [
    ['success', 'successCondition'],
    ['failure', 'failureCondition'],
  ] as const) {
    const expression = metric[field];
    if (expression === undefined) continue;
    const compiled = compileCondition(expression);
    if (!compiled.ok) return { ok: false, error: `metrics[${metric.name}].${field}: ${compiled.error}` };
    conditions[key] = compiled.condition;
  }
  return { ok: true, conditions };
}

export interface MeasurementInput {
  readonly outcome: ProviderOutcome;
  readonly conditions: MetricConditions;
  /** When the provider call started and finished (ms since the epoch). */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Masks secret values (from `ResolvedArgs.redact`); identity when omitted. */
  readonly redact?: (text: string) => string;
}

export function measurementFromOutcome(input: MeasurementInput): Measurement {
  const redact = input.redact ?? ((text: string) => text);
  const times = {
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(input.finishedAt).toISOString(),
  };
  if ('error' in input.outcome) {
    return { phase: 'Error', message: redact(input.outcome.error), ...times };
  }
  const value = truncate(redact(input.outcome.display));
  const success = evaluateOptional(input.conditions.success, input.outcome.value);
  const failure = evaluateOptional(input.conditions.failure, input.outcome.value);
  const problems = [
    ...(success.ok ? [] : [`successCondition: ${success.error}`]),
    ...(failure.ok ? [] : [`failureCondition: ${failure.error}`]),
  ];
  if (!success.ok || !failure.ok) {
    return { phase: 'Error', value, message: redact(problems.join('; ')), ...times };
  }
  return { phase: measurementPhase(success.value, failure.value), value, ...times };
}

function evaluateOptional(
  condition: CompiledCondition | undefined,
  value: unknown,
): { ok: true; value: boolean | undefined } | { ok: false; error: string } {
  return condition === undefined ? { ok: true, value: undefined } : evaluateCondition(condition, value);
}

function truncate(text: string): string {
  return text.length <= MAX_VALUE_TEXT ? text : `${text.slice(0, MAX_VALUE_TEXT - 1)}…`;
}
