/**
 * When a metric's next measurement is due, derived only from what status holds (the run's
 * startedAt and the last measurement's times), so a restarted controller picks up the same
 * schedule. Pure: `now` is an input.
 *
 * - First measurement: `initialDelay` after the run's start (at once without one).
 * - Next ones: `interval` after the last measurement finished (its startedAt when finishedAt is
 *   missing). After an Error, the retry waits `interval`, or 10s for a metric without one
 *   (errors do not count towards `count`, so a one-shot metric retries until it succeeds or
 *   exceeds consecutiveErrorLimit).
 * - An in-flight measurement (a Job) is resumed at its `resumeAt` (at once without one).
 * - A terminating run starts nothing and terminates in-flight measurements.
 * - Nothing is due for a finished metric, or one whose count is reached.
 */
import type { Measurement, MetricResult } from '../src/api/analysis.ts';
import { isFinished, isInFlight } from './metric-result.ts';
import type { MetricSettings } from './metric-spec.ts';
import {
  DEFAULT_ERROR_RETRY_INTERVAL_MS,
  effectiveCount,
  initialDelayMs,
  intervalMs,
} from './metric-spec.ts';

/** What the reconciler should do for a metric now. */
export const DueAction = {
  /** Take a new measurement. */
  measure: 'measure',
  /** Check on the in-flight measurement (e.g. poll the Job). */
  resume: 'resume',
  /** Stop the in-flight measurement; the run is terminating. */
  terminate: 'terminate',
} as const;
export type DueAction = (typeof DueAction)[keyof typeof DueAction];

export type MetricSchedule =
  /** Act now. */
  | { readonly action: DueAction; readonly inFlight?: Measurement }
  /** Come back at `dueAt` (ms since the epoch). */
  | { readonly action?: undefined; readonly dueAt: number }
  /** Nothing more to do for this metric. */
  | { readonly action?: undefined; readonly dueAt?: undefined };

export interface ScheduleContext {
  /** The run's start (status.startedAt), ms since the epoch. */
  readonly runStartedAt: number;
  readonly now: number;
  readonly terminating: boolean;
}

const NOTHING: MetricSchedule = {};

export function scheduleMetric(
  metric: MetricSettings,
  result: MetricResult | undefined,
  context: ScheduleContext,
): MetricSchedule {
  if (result !== undefined && isFinished(result.phase)) return NOTHING;
  const last = result?.measurements?.at(-1);
  if (last !== undefined && isInFlight(last)) return scheduleInFlight(last, context);
  if (context.terminating) return NOTHING;
  if (last === undefined) return dueAt(context.runStartedAt + initialDelayMs(metric), context.now);
  const count = effectiveCount(metric);
  if (count !== undefined && (result?.count ?? 0) >= count) return NOTHING;
  const wait =
    last.phase === 'Error' ? (intervalMs(metric) ?? DEFAULT_ERROR_RETRY_INTERVAL_MS) : intervalMs(metric);
  if (wait === undefined) return NOTHING;
  const lastTime = timeOf(last.finishedAt) ?? timeOf(last.startedAt);
  // A measurement without readable times cannot anchor a schedule; measuring again is the safe side.
  if (lastTime === undefined) return { action: DueAction.measure };
  return dueAt(lastTime + wait, context.now);
}

function scheduleInFlight(inFlight: Measurement, context: ScheduleContext): MetricSchedule {
  if (context.terminating) return { action: DueAction.terminate, inFlight };
  const resumeAt = timeOf(inFlight.resumeAt);
  if (resumeAt !== undefined && resumeAt > context.now) return { dueAt: resumeAt };
  return { action: DueAction.resume, inFlight };
}

function dueAt(time: number, now: number): MetricSchedule {
  return time <= now ? { action: DueAction.measure } : { dueAt: time };
}

/** Milliseconds of an RFC 3339 timestamp from status; undefined when absent or unreadable. */
export function timeOf(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}
