/**
 * One interface for every metric provider that answers within a call (Prometheus, web), as
 * Argo Rollouts keeps every provider behind one interface. Providers do I/O; everything they
 * return is judged by the pure core (conditions, metric-result, run-state).
 *
 * The Job provider does not fit here: a Job outlives a reconcile, so it is started, resumed and
 * terminated across reconciles with its state in the measurement (see job.ts).
 */
import type { MetricInput } from '../../src/api/analysis.ts';

/** Credentials for `prometheus.authentication`, read from Secrets by the caller. */
export type Credentials =
  { readonly bearerToken: string } | { readonly username: string; readonly password: string };

export interface MeasureContext {
  /** Cancels the measurement (e.g. the controller is shutting down). */
  readonly signal?: AbortSignal;
  /** Required when the metric sets `prometheus.authentication`. */
  readonly credentials?: Credentials;
}

export interface MeasuredValue {
  /** What conditions see as `result`. */
  readonly value: unknown;
  /** The value as text for `measurement.value` in status. */
  readonly display: string;
}

export interface MetricProvider {
  /**
   * Take one measurement of `metric`, whose `{{args.*}}` are already substituted. Throws
   * `MeasurementError` when no value could be measured; never returns a value it doubts.
   */
  measure(metric: MetricInput, context?: MeasureContext): Promise<MeasuredValue>;
}

/** Why a measurement failed; the message says it in words. */
export const MeasurementErrorKind = {
  /** The metric cannot be measured as written (wrong provider, missing credentials). */
  config: 'config',
  /** The request could not be sent or the connection failed. */
  request: 'request',
  /** No answer within the timeout. */
  timeout: 'timeout',
  /** The caller aborted through `signal`. */
  aborted: 'aborted',
  /** An HTTP status outside 2xx. */
  httpStatus: 'http-status',
  /** The body is not the JSON expected. */
  malformed: 'malformed',
  /** Prometheus answered `status: error`. */
  queryFailed: 'query-failed',
  /** The query matched no series. */
  noData: 'no-data',
  /** The query returned NaN. */
  notANumber: 'not-a-number',
  /** The web provider's jsonPath matched nothing. */
  notFound: 'not-found',
} as const;
export type MeasurementErrorKind = (typeof MeasurementErrorKind)[keyof typeof MeasurementErrorKind];

export class MeasurementError extends Error {
  readonly kind: MeasurementErrorKind;

  constructor(kind: MeasurementErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeasurementError';
    this.kind = kind;
  }
}

export const ProviderKind = {
  prometheus: 'prometheus',
  web: 'web',
  job: 'job',
  comparison: 'comparison',
  judge: 'judge',
} as const;
export type ProviderKind = (typeof ProviderKind)[keyof typeof ProviderKind];

/** Which provider a metric uses (the schema guarantees exactly one). */
export function providerKind(metric: Pick<MetricInput, 'provider'>): ProviderKind | undefined {
  if (metric.provider.prometheus !== undefined) return ProviderKind.prometheus;
  if (metric.provider.web !== undefined) return ProviderKind.web;
  if (metric.provider.job !== undefined) return ProviderKind.job;
  if (metric.provider.comparison !== undefined) return ProviderKind.comparison;
  if (metric.provider.judge !== undefined) return ProviderKind.judge;
  return undefined;
}
