/**
 * Prometheus metric provider: an instant query (`GET /api/v1/query?query=`) or, with
 * `rangeQuery`, a range query (`GET /api/v1/query_range?query=&start=&end=&step=`).
 *
 * What conditions see as `result`:
 * - scalar: a number;
 * - vector: a list with one number per series, in Prometheus' order (Argo's shape, so
 *   `result[0]` works; conditions also compare a one-element list like its number);
 * - matrix (range query): every sample value of every series flattened into one list, series
 *   after series, oldest first, so `result.all(x, x < 0.05)` checks each point in the range.
 * Never a success by default: an empty vector or matrix is a measurement error ("no data"),
 * as is any NaN ("query returned NaN") and a `string` result. +Inf and -Inf are kept
 * (comparisons handle them; `isInf(x)` tests for them). `status: error` answers and non-2xx
 * replies are errors that quote Prometheus' message.
 *
 * Authentication: `credentials` in the context carry the bearer token or the basic password
 * the caller read from the Secrets in `authentication`; they win over a custom Authorization
 * header. Timeout: `timeout` seconds, 30 by default.
 */
import type { MetricInput, PrometheusMetric } from '../../src/api/analysis.ts';
import { parseDurationMs } from '../../strategies/kernel/duration.ts';
import { evaluateTimeExpression } from '../time-expression.ts';
import { excerpt, headerObject, httpRequest, parseJsonBody } from './http.ts';
import { sharedOAuth2Tokens, type OAuth2TokenSource } from './oauth2.ts';
import { sigv4Credentials, sigv4Headers, sigv4Region } from './sigv4.ts';
import { MeasurementError, MeasurementErrorKind } from './provider.ts';
import type { Credentials, MeasureContext, MeasuredValue, MetricProvider } from './provider.ts';

export const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 30;

export interface PrometheusProviderOptions {
  /** The clock for range query times; Date.now by default. */
  readonly now?: () => number;
  /** OAuth2 tokens (authentication.oauth2); one cache per process by default. */
  readonly oauth2?: OAuth2TokenSource;
}

/** authentication.oauth2 (a bearer token) or authentication.sigv4 (a signature over the final URL). */
async function tokenOrSignature(
  spec: PrometheusMetric,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  context: MeasureContext,
  tokens: OAuth2TokenSource,
): Promise<Record<string, string>> {
  const auth = spec.authentication;
  if (auth?.oauth2)
    return { Authorization: await tokens.authorization(auth.oauth2, { timeoutMs, signal: context.signal }) };
  if (auth?.sigv4) {
    try {
      return await sigv4Headers(
        { method: 'GET', url, headers },
        { service: 'aps', region: sigv4Region(auth.sigv4), credentials: sigv4Credentials(auth.sigv4) },
      );
    } catch (error) {
      if (error instanceof MeasurementError) throw error;
      throw new MeasurementError(
        MeasurementErrorKind.config,
        `authentication.sigv4: no AWS credentials: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return {};
}

export function prometheusProvider(options: PrometheusProviderOptions = {}): MetricProvider {
  const now = options.now ?? Date.now;
  const tokens = options.oauth2 ?? sharedOAuth2Tokens;
  return {
    async measure(metric: MetricInput, context: MeasureContext = {}): Promise<MeasuredValue> {
      const spec = metric.provider.prometheus;
      if (spec === undefined) {
        throw new MeasurementError(
          MeasurementErrorKind.config,
          `metric "${metric.name}" has no prometheus provider`,
        );
      }
      const base = spec.address.replace(/\/+$/, '');
      const { path, params } = spec.rangeQuery
        ? { path: '/api/v1/query_range', params: rangeParams(spec, now()) }
        : { path: '/api/v1/query', params: { query: spec.query } };
      const timeoutMs = (spec.timeout ?? DEFAULT_PROMETHEUS_TIMEOUT_SECONDS) * 1000;
      // The query goes into the URL here (not axios params) so that a SigV4 signature covers it exactly.
      const url = new URL(`${base}${path}`);
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
      const headers = {
        Accept: 'application/json',
        ...headerObject(spec.headers),
        ...authorization(spec, context),
      };
      const response = await httpRequest({
        method: 'GET',
        url: url.toString(),
        headers: { ...headers, ...(await tokenOrSignature(spec, url, headers, timeoutMs, context, tokens)) },
        timeoutMs,
        insecure: spec.insecure,
        signal: context.signal,
      });
      return parseQueryResponse(response.status, response.body, `prometheus at ${base}`);
    },
  };
}

function rangeParams(spec: PrometheusMetric, now: number): Record<string, string> {
  const range = spec.rangeQuery;
  if (range === undefined) return { query: spec.query };
  const time = (bound: 'start' | 'end') => {
    const outcome = evaluateTimeExpression(range[bound], now);
    if (!outcome.ok)
      throw new MeasurementError(MeasurementErrorKind.config, `rangeQuery.${bound}: ${outcome.error}`);
    return String(outcome.ms / 1000);
  };
  let stepMs: number;
  try {
    stepMs = parseDurationMs(range.step, 'rangeQuery.step');
  } catch (error) {
    throw new MeasurementError(MeasurementErrorKind.config, (error as Error).message, { cause: error });
  }
  return { query: spec.query, start: time('start'), end: time('end'), step: String(stepMs / 1000) };
}

function authorization(spec: PrometheusMetric, context: MeasureContext): Record<string, string> {
  const auth = spec.authentication;
  if (auth?.bearer === undefined && auth?.basic === undefined) return {};
  const credentials: Credentials | undefined = context.credentials;
  if (auth.bearer !== undefined) {
    if (credentials === undefined || !('bearerToken' in credentials)) {
      throw new MeasurementError(
        MeasurementErrorKind.config,
        'authentication.bearer is set but no bearer token was provided',
      );
    }
    return { Authorization: `Bearer ${credentials.bearerToken}` };
  }
  if (credentials === undefined || !('password' in credentials)) {
    throw new MeasurementError(
      MeasurementErrorKind.config,
      'authentication.basic is set but no password was provided',
    );
  }
  const token = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return { Authorization: `Basic ${token}` };
}

interface QueryResponse {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

/** Turn a Prometheus HTTP API reply into a value, or throw a MeasurementError saying why not. */
export function parseQueryResponse(httpStatus: number, body: string, source: string): MeasuredValue {
  let parsed: unknown;
  try {
    parsed = parseJsonBody(body, source);
  } catch (error) {
    if (httpStatus < 200 || httpStatus >= 300) {
      throw new MeasurementError(
        MeasurementErrorKind.httpStatus,
        `${source} returned HTTP ${httpStatus}: ${excerpt(body)}`,
      );
    }
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new MeasurementError(
      MeasurementErrorKind.malformed,
      `${source} returned ${excerpt(body)}, not a query reply`,
    );
  }
  const reply = parsed as QueryResponse;
  if (reply.status === 'error') {
    const kind = typeof reply.errorType === 'string' ? ` (${reply.errorType})` : '';
    throw new MeasurementError(
      MeasurementErrorKind.queryFailed,
      `query failed${kind}: ${String(reply.error)}`,
    );
  }
  if (httpStatus < 200 || httpStatus >= 300) {
    throw new MeasurementError(
      MeasurementErrorKind.httpStatus,
      `${source} returned HTTP ${httpStatus}: ${excerpt(body)}`,
    );
  }
  if (reply.status !== 'success' || reply.data === undefined) {
    throw new MeasurementError(
      MeasurementErrorKind.malformed,
      `${source} returned no data field: ${excerpt(body)}`,
    );
  }
  return parseResult(reply.data.resultType, reply.data.result, source);
}

function parseResult(resultType: unknown, result: unknown, source: string): MeasuredValue {
  switch (resultType) {
    case 'scalar':
      return parseScalar(result, source);
    case 'vector':
      return fromSamples(vectorSamples(result, source), 'vector');
    case 'matrix':
      return fromSamples(matrixSamples(result, source), 'matrix');
    case 'string':
      throw new MeasurementError(
        MeasurementErrorKind.malformed,
        'query returned a string; conditions need numbers',
      );
    default:
      throw new MeasurementError(
        MeasurementErrorKind.malformed,
        `${source} returned an unknown result type ${String(resultType)}`,
      );
  }
}

interface Sample {
  readonly text: string;
  readonly value: number;
  readonly series?: unknown;
}

function parseScalar(result: unknown, source: string): MeasuredValue {
  const sample = parseSample(result, undefined, source);
  if (Number.isNaN(sample.value)) throw notANumber(sample);
  return { value: sample.value, display: sample.text };
}

function vectorSamples(result: unknown, source: string): Sample[] {
  if (!Array.isArray(result)) throw malformed(source, 'vector result is not a list');
  return result.map((series: { metric?: unknown; value?: unknown }) =>
    parseSample(series.value, series.metric, source),
  );
}

function matrixSamples(result: unknown, source: string): Sample[] {
  if (!Array.isArray(result)) throw malformed(source, 'matrix result is not a list');
  return result.flatMap((series: { metric?: unknown; values?: unknown }) => {
    if (!Array.isArray(series.values)) throw malformed(source, 'matrix series has no values');
    return series.values.map((pair: unknown) => parseSample(pair, series.metric, source));
  });
}

function fromSamples(samples: readonly Sample[], kind: 'vector' | 'matrix'): MeasuredValue {
  if (samples.length === 0) {
    throw new MeasurementError(MeasurementErrorKind.noData, `query returned no data (empty ${kind})`);
  }
  const nan = samples.find((sample) => Number.isNaN(sample.value));
  if (nan !== undefined) throw notANumber(nan);
  return {
    value: samples.map((sample) => sample.value),
    display: `[${samples.map((s) => s.text).join(',')}]`,
  };
}

/** `[<unix time>, "<value>"]`, the value as Prometheus writes it (`"0.97"`, `"NaN"`, `"+Inf"`). */
function parseSample(pair: unknown, series: unknown, source: string): Sample {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
    throw malformed(source, `sample ${JSON.stringify(pair)} is not [time, "value"]`);
  }
  const text = pair[1];
  const value = parseSampleValue(text);
  if (value === undefined) throw malformed(source, `sample value '${text}' is not a number`);
  return { text, value, series };
}

function parseSampleValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

function notANumber(sample: Sample): MeasurementError {
  const labels = seriesText(sample.series);
  return new MeasurementError(
    MeasurementErrorKind.notANumber,
    `query returned NaN${labels ? ` for ${labels}` : ''}`,
  );
}

function seriesText(series: unknown): string {
  if (typeof series !== 'object' || series === null) return '';
  const entries = Object.entries(series as Record<string, unknown>).map(
    ([key, value]) => `${key}="${String(value)}"`,
  );
  return entries.length > 0 ? `{${entries.join(',')}}` : '';
}

function malformed(source: string, problem: string): MeasurementError {
  return new MeasurementError(
    MeasurementErrorKind.malformed,
    `${source} returned a malformed reply: ${problem}`,
  );
}
